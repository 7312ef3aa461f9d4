"""Offline-first kiosks that replicate to the fleet server (issue 17, item 2).

Fast tests: a real kiosk app (its own SQLite file) syncing to a real server app (SQLite and
PostgreSQL), through the real fault proxy where a cut link is the point; batches posted by hand
where the point is what the server does with a replayed, foreign or read-only one.
"""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import create_engine, text

from backend import app_keys
from backend.app import create_app
from backend.db import migrate
from backend.db.database import sync_url
from backend.db.sessions import reads
from backend.faults.model import FaultConfig, FaultMode
from backend.faults.proxy import FaultProxy
from backend.http.schemas.sync import SyncSessionIn
from backend.kiosks import repo, tokens
from backend.payments.records import EventRecord, OrderItemRecord, OrderRecord, SessionRecord
from backend.refunds.records import RefundRecord, RefundStatus
from backend.sync import snapshot
from backend.sync.snapshot import SessionSnapshot
from smartcart_contract.states import OrderStatus, Reason, Status
from tests.backend.api import ADMIN_TOKEN, DECLINED_CARD, GOOD_CARD, OPERATOR_PIN, TERMINAL, Api, eventually
from tests.backend.conftest import AppFactory, MovableClock, make_settings
from tests.backend.server_process import ServerProcess
from tests.backend.test_ready_metrics import scrape, value

_SYNC_FAST = {"sync_retry_s": 0.02, "sync_retry_max_s": 0.1, "sync_idle_s": 0.05}


async def _register(app: web.Application, name: str) -> str:
    token = tokens.new_token()
    digest = tokens.token_hash(token)
    await app[app_keys.DATABASE].write(lambda conn: repo.add(conn, name, digest, now_ms=1))
    return token


async def _kiosk(
    aiohttp_client: Any, tmp_path: Path, name: str, sync_url: str, token: str, **overrides: Any
) -> tuple[Api, web.Application]:
    """A kiosk as it runs at the till: its own backend and SQLite file, syncing to `sync_url`."""
    data = tmp_path / name
    settings = make_settings(
        data, f"sqlite:///{data / 'kiosk.db'}", sync_url=sync_url, sync_token=token, **{**_SYNC_FAST, **overrides}
    )
    app = create_app(settings)
    client: TestClient = await aiohttp_client(app)
    return Api(client.session, str(client.make_url("/"))), app


async def _status(kiosk: Api) -> dict[str, Any]:
    body: dict[str, Any] = await kiosk.ok("GET", "/api/sync/status")
    return body


async def _synced(kiosk: Api) -> dict[str, Any]:
    status: dict[str, Any] = await eventually(
        lambda: _status(kiosk), lambda s: s["pending"] == 0 and s["lastError"] is None, what="nothing left to sync"
    )
    return status


def _server_url(client: TestClient) -> str:
    return str(client.make_url("/")).rstrip("/")


def _history(session: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(e["kind"], e["fromStatus"], e["toStatus"], e["at"], e["attempt"], e["reason"]) for e in session["events"]]


def _fabricated(
    *, status: Status = Status.INITIATED, version: int = 0, order_id: int = 7, events: tuple[EventRecord, ...] = (),
    session_id: str | None = None, refunds: tuple[RefundRecord, ...] = (), **fields: Any,
) -> dict[str, Any]:
    """A snapshot as a kiosk would send it, for the server-side cases."""
    sid = session_id or uuid.uuid4().hex
    now = 1_700_000_000_000
    session = SessionRecord(**{
        "id": sid, "order_id": order_id, "status": status, "idempotency_key": "sc_" + sid, "amount_minor": 1000,
        "currency": "INR", "max_attempts": 3, "created_at_ms": now, "updated_at_ms": now,
        "expires_at_ms": now + 900_000, **fields,
    })
    order = OrderRecord(
        id=order_id, status=OrderStatus.PENDING, currency="INR", total_minor=1000, created_at_ms=now,
        paid_at_ms=None, items=(OrderItemRecord("masala-chai", "Masala chai", 500, 2),),
    )
    return SyncSessionIn.wire(SessionSnapshot(session, version, events, order, refunds))


async def _post(api: Api, token: str, through: int, *sessions: dict[str, Any]) -> Any:
    return await api.call("POST", "/api/sync/batch", {"throughSeq": through, "sessions": list(sessions)}, token=token)


async def _row(app: web.Application, session_id: str) -> tuple[SessionRecord, int, int]:
    def read(conn: Any) -> tuple[SessionRecord, int, int]:
        record, version = reads.read_row(conn, session_id)
        return record, version, len(reads.events(conn, record))

    return await app[app_keys.DATABASE].read(read)


async def test_a_kiosk_offline_syncs_everything_once_the_link_is_back(
    start_app: AppFactory, aiohttp_client: Any, tmp_path: Path
) -> None:
    _, server_app, server_client = await start_app()
    admin = Api(server_client.session, _server_url(server_client), token=ADMIN_TOKEN)
    token = await _register(server_app, "till-a")
    host, port = server_client.server.host, server_client.server.port
    assert port is not None
    proxy = FaultProxy(host, port)
    await proxy.start()
    try:
        await proxy.set_config(FaultConfig(mode=FaultMode.OFFLINE))
        kiosk, _ = await _kiosk(aiohttp_client, tmp_path, "till-a", proxy.url, token)

        paid = await kiosk.session()
        assert (await kiosk.pay(paid)).status < 300
        declined = await kiosk.session()
        assert (await kiosk.pay(declined, DECLINED_CARD)).status < 300
        cash = await kiosk.session()
        assert (await kiosk.cash(cash)).status < 300
        await kiosk.wait_for(paid, "COMPLETED")
        await kiosk.wait_for(declined, "DECLINED")
        kiosk_admin = Api(kiosk.http, kiosk.base, token=ADMIN_TOKEN)
        refund = await kiosk_admin.call("POST", f"/api/payments/session/{paid}/refund",
                                        {"amountMinor": 100, "reason": "item not dispensed"},
                                        headers={"Idempotency-Key": uuid.uuid4().hex})
        assert refund.status < 300, refund
        await eventually(lambda: _export(kiosk.http, kiosk.base), lambda rows: rows[paid]["refundedMinor"] == "100",
                         what="the refund done at the kiosk's gateway")
        offline = await eventually(
            lambda: _status(kiosk), lambda s: s["lastError"] is not None, what="the cut link reported"
        )
        assert offline["pending"] > 0
        assert value(await scrape(kiosk), "smartcart_sync_queue_depth") > 0
        assert (await admin.call("GET", f"/api/payments/session/{paid}")).status == 404

        await proxy.set_config(FaultConfig(mode=FaultMode.NONE))
        status = await _synced(kiosk)
        assert status["lastSuccessAt"] is not None
        assert value(await scrape(kiosk), "smartcart_sync_queue_depth") == 0
        for sid in (paid, declined, cash):
            mine, theirs = await kiosk.get(sid), await admin.get(sid)
            assert theirs["status"] == mine["status"]
            assert _history(theirs) == _history(mine)
        kiosk_id = (await admin.get(paid))["kioskId"]
        exported = await _export(admin.http, admin.base, kiosk=kiosk_id)
        assert exported == await _export(kiosk.http, kiosk.base)
        assert exported[paid]["refundedMinor"] == "100"

        # After the outbox was emptied, the next change still gets a seq the server has not
        # seen (a reused one would be acknowledged as a resend and never arrive).
        later = await kiosk.session()
        assert (await kiosk.pay(later)).status < 300
        await kiosk.wait_for(later, "COMPLETED")
        await _synced(kiosk)
        assert (await admin.get(later))["status"] == "COMPLETED"
    finally:
        await proxy.close()


async def test_a_replayed_batch_changes_nothing(start_app: AppFactory, aiohttp_client: Any, tmp_path: Path) -> None:
    _, server_app, server_client = await start_app()
    admin = Api(server_client.session, _server_url(server_client), token=ADMIN_TOKEN)
    token = await _register(server_app, "till-a")
    kiosk, kiosk_app = await _kiosk(aiohttp_client, tmp_path, "till-a", _server_url(server_client), token)
    sid = await kiosk.session()
    assert (await kiosk.pay(sid)).status < 300
    await kiosk.wait_for(sid, "COMPLETED")
    await _synced(kiosk)
    before = await admin.get(sid)
    (snap,) = await kiosk_app[app_keys.DATABASE].read(lambda conn: snapshot.read(conn, [sid]))
    wire = SyncSessionIn.wire(snap)

    # Acknowledged already: the same seq, even with other content, is taken for a resend.
    tampered = {**wire, "version": snap.version + 5, "session": {**wire["session"], "status": "CANCELLED"}}
    reply = await _post(admin, token, 1, tampered)
    assert reply.status == 200 and reply.body["throughSeq"] >= 1
    # A higher seq with the same snapshot: the version is not higher and every event is known.
    reply = await _post(admin, token, 10**6, wire)
    assert reply.status == 200 and reply.body["throughSeq"] == 10**6
    after = await admin.get(sid)
    assert after["status"] == before["status"] == "COMPLETED"
    assert _history(after) == _history(before)
    assert len(after["events"]) == len(before["events"])


async def test_a_batch_naming_a_session_not_of_this_kiosk_is_refused_whole(start_app: AppFactory) -> None:
    own_kiosk, server_app, server_client = await start_app()
    admin = Api(server_client.session, _server_url(server_client), token=ADMIN_TOKEN)
    a, b = await _register(server_app, "till-a"), await _register(server_app, "till-b")
    of_a = _fabricated()
    assert (await _post(admin, a, 1, of_a)).status == 200
    servers_own = await own_kiosk.session()  # made on the server itself: not a replica

    innocent = _fabricated(order_id=8)
    for token, foreign in ((b, {**of_a, "version": 3}), (a, _fabricated(session_id=servers_own, version=9))):
        reply = await _post(admin, token, 5, innocent, foreign)
        assert reply.status == 409 and reply.body["code"] == "sync_foreign_session", reply.body
        # Nothing of the batch landed, and the cursor did not move: the same seq applies later.
        assert (await admin.call("GET", f"/api/payments/session/{innocent['session']['id']}")).status == 404
    assert (await admin.get(of_a["session"]["id"]))["kioskId"] != "default"
    assert (await admin.get(servers_own))["status"] == "INITIATED"
    assert (await _post(admin, b, 5, innocent)).status == 200
    assert (await admin.get(innocent["session"]["id"]))["status"] == "INITIATED"


async def test_a_bad_batch_is_a_clear_error_and_changes_nothing(start_app: AppFactory) -> None:
    _, server_app, server_client = await start_app()
    admin = Api(server_client.session, _server_url(server_client), token=ADMIN_TOKEN)
    a, b = await _register(server_app, "till-a"), await _register(server_app, "till-b")
    good = _fabricated()
    sid = good["session"]["id"]
    bad_batches = [
        [good, good],  # the same session twice
        [{**good, "session": {**good["session"], "id": "not-hex"}}],
        [{**good, "session": {**good["session"], "method": "m" * 17}}],
        [{**good, "session": {**good["session"], "status": "PAID_TWICE"}}],
        [{**good, "session": {**good["session"], "orderId": 99}}],  # not the order it carries
        [{**good, "unknownField": 1}],
    ]
    for sessions in bad_batches:
        reply = await _post(admin, a, 1, *sessions)
        assert reply.status == 400 and set(reply.body) >= {"code", "message"}, reply
    assert (await admin.call("GET", f"/api/payments/session/{sid}")).status == 404

    # Two kiosks numbering invoices in one series: the second is told to take its own.
    paid = {"status": Status.COMPLETED, "method": "cash", "invoice_number": "SC/2627/000001"}
    assert (await _post(admin, a, 1, _fabricated(**paid))).status == 200
    reply = await _post(admin, b, 1, _fabricated(**paid))
    assert reply.status == 409 and reply.body["code"] == "sync_invoice_clash"
    assert "SMARTCART_INVOICE_PREFIX" in reply.body["message"]


async def test_the_kiosk_comes_from_the_token_never_from_the_payload(start_app: AppFactory) -> None:
    _, server_app, server_client = await start_app()
    admin = Api(server_client.session, _server_url(server_client), token=ADMIN_TOKEN)
    a = await _register(server_app, "till-a")
    claimed = _fabricated(kiosk_id="someone-else")
    assert (await _post(admin, a, 1, claimed)).status == 200
    record, _, _ = await _row(server_app, claimed["session"]["id"])
    kiosks = await server_app[app_keys.DATABASE].read(repo.list_all)
    assert record.kiosk_id == next(k.id for k in kiosks if k.name == "till-a")
    assert record.replica
    # The admin has no kiosk to replicate as.
    assert (await _post(admin, ADMIN_TOKEN, 2, _fabricated())).status == 403


async def test_nothing_moves_a_replica_on_the_server(start_app: AppFactory) -> None:
    _, server_app, server_client = await start_app()
    admin = Api(server_client.session, _server_url(server_client), token=ADMIN_TOKEN)
    a = await _register(server_app, "till-a")
    kiosk_a = Api(server_client.session, _server_url(server_client), token=a)
    fresh = _fabricated()
    interrupted = _fabricated(
        status=Status.INTERRUPTED, order_id=8, attempts=1, interruptions=1, last_interruption_reason=Reason.TIMEOUT,
        gateway_contacted=True, outcome_unknown=True, method="card", owner="ghost",
    )
    completed = _fabricated(status=Status.COMPLETED, order_id=9, method="cash", finished_at_ms=1_700_000_000_500)
    assert (await _post(admin, a, 1, fresh, interrupted, completed)).status == 200

    attempts = [
        (fresh, "pay", {"method": "card", "card": GOOD_CARD}),
        (fresh, "complete", {"method": "cash", "amountReceivedMinor": 10**6, "operatorPin": "2468"}),
        (fresh, "cancel", {"reason": "customer left"}),
        (fresh, "interrupt", {"reason": "APP_CLOSED"}),
        (interrupted, "resume", {}),
        (interrupted, "cancel", {"reason": "customer left"}),
    ]
    for caller in (kiosk_a, admin):
        for wire, action, body in attempts:
            sid = wire["session"]["id"]
            before = await _row(server_app, sid)
            reply = await caller.action(sid, action, body)
            assert reply.status == 409 and reply.body["code"] == "replica_read_only", (action, reply)
            assert await _row(server_app, sid) == before
    sid = interrupted["session"]["id"]
    reply = await admin.action(sid, "reconcile", {"reason": "operator check"})
    assert reply.status == 409 and reply.body["code"] == "replica_read_only"
    reply = await admin.call(
        "POST", f"/api/payments/session/{completed['session']['id']}/refund",
        {"amountMinor": 100, "reason": "item not dispensed"}, headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert reply.status == 409 and reply.body["code"] == "replica_read_only"


async def test_the_servers_cleanup_and_recovery_leave_replicas_alone(start_app: AppFactory) -> None:
    clock = MovableClock()
    own_kiosk, server_app, server_client = await start_app(clock=clock)
    admin = Api(server_client.session, _server_url(server_client), token=ADMIN_TOKEN)
    a = await _register(server_app, "till-a")
    # Long past their lifetime, and driven by an instance with no lease on this server.
    replicas = [
        _fabricated(expires_at_ms=0),
        _fabricated(
            status=Status.INTERRUPTED, order_id=8, attempts=1, interruptions=1, expires_at_ms=0,
            last_interruption_reason=Reason.NETWORK_ERROR, gateway_contacted=True, outcome_unknown=True, owner="ghost",
        ),
        _fabricated(status=Status.PROCESSING, order_id=9, attempts=1, gateway_contacted=True, owner="ghost", method="card"),
    ]
    refunded = uuid.uuid4().hex
    pending_refund = RefundRecord(
        id=1, session_id=refunded, idempotency_key="k1", request_hash="0" * 64, gateway_key=f"rf_{refunded}_1",
        charge_key="sc_" + refunded, amount_minor=100, currency="INR", method="card", reason="item not dispensed",
        status=RefundStatus.PENDING, gateway_refund_id=None, error=None, shift_id=3, created_at_ms=1, finished_at_ms=None,
    )
    replicas.append(_fabricated(
        session_id=refunded, status=Status.COMPLETED, order_id=10, method="card", gateway_charge_id="ch_1",
        # Finished just now: within the retention (a replica is purged with the rest once past it).
        finished_at_ms=clock(), refunds=(pending_refund,),
    ))
    assert (await _post(admin, a, 1, *replicas)).status == 200
    servers_own = await own_kiosk.session()
    before = {w["session"]["id"]: await _row(server_app, w["session"]["id"]) for w in replicas}

    clock.advance(server_app[app_keys.SETTINGS].session_ttl_s + 60)
    await server_app[app_keys.CLEANUP].run_once()
    await server_app[app_keys.INSTANCE].recover()
    await server_app[app_keys.RECONCILER].reconcile_once()
    # Its kiosk asks its own gateway for that refund: the server's recovery does not.
    assert await server_app[app_keys.REFUNDS].finish_pending() == 0

    # The server's own session did expire: the passes ran and would have reached the replicas.
    assert (await admin.get(servers_own))["status"] == "EXPIRED"
    for sid, was in before.items():
        assert await _row(server_app, sid) == was


def test_a_sync_url_needs_a_token(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="SMARTCART_SYNC_TOKEN"):
        make_settings(tmp_path, sync_url="http://127.0.0.1:9")


def test_the_wire_carries_every_field_of_a_session_back_unchanged() -> None:
    wire = _fabricated(status=Status.INTERRUPTED, last_interruption_reason=Reason.TIMEOUT, upi_id="a@b", replica=False)
    back = SyncSessionIn.model_validate(wire).snapshot()
    assert back.session.status is Status.INTERRUPTED and back.session.upi_id == "a@b"
    assert SyncSessionIn.wire(back) == wire
    # Nothing is stripped: a reason's spaces are part of the history as the kiosk recorded it.
    spaced = {**wire, "session": {**wire["session"], "upiId": " a@b "}}
    assert SyncSessionIn.model_validate(spaced).snapshot().session.upi_id == " a@b "
    with pytest.raises(ValueError):
        SyncSessionIn.model_validate({**wire, "surprise": 1})


# ---------------------------------------------------------------------------------------------
# Two kiosk processes offline, one fleet server process on PostgreSQL, SIGKILL in the middle.

_PAYMENTS_PER_KIOSK = 54
_PROCESS_ENV = {
    "SMARTCART_RETRY_DELAY_S": "0.05",
    "SMARTCART_GATEWAY_TIMEOUT_S": "2",
    "SMARTCART_GATEWAY_DELAY_S": "0.01",
    "SMARTCART_RECONCILE_MIN_S": "0.05",
    "SMARTCART_RECONCILE_MAX_S": "0.2",
    "SMARTCART_ADMIN_PIN": OPERATOR_PIN,
}
_EVENT_COLUMNS = "id, session_id, at_ms, kind, from_status, to_status, attempt, reason, detail"
# What the kiosk's and the server's exports must agree on: all but the order's id (the server
# numbers the orders it receives) and the kiosk (the kiosk calls itself "default").
_NOT_COMPARED = {"orderId", "kiosk"}


def _read(url: str, kiosk_id: str | None = None) -> dict[str, Any]:
    """Sessions (id → status, version) and events (session id → rows) as stored."""
    engine = create_engine(sync_url(url))
    where = "" if kiosk_id is None else " WHERE session_id IN (SELECT id FROM payment_sessions WHERE kiosk_id = :k)"
    event_id = "id" if kiosk_id is None else "origin_event_id AS id"
    try:
        with engine.connect() as conn:
            sessions = {
                r.id: (r.status, r.version)
                for r in conn.execute(
                    text("SELECT id, status, version FROM payment_sessions"
                         + ("" if kiosk_id is None else " WHERE kiosk_id = :k")), {"k": kiosk_id})
            }
            events: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
            columns = _EVENT_COLUMNS.replace("id, session_id", f"{event_id}, session_id", 1)
            for r in conn.execute(text(f"SELECT {columns} FROM session_events{where}"), {"k": kiosk_id}):
                events[r.session_id].append(tuple(r))
            for rows in events.values():
                rows.sort()  # by the kiosk's event id: the order it wrote them
    finally:
        engine.dispose()
    return {"sessions": sessions, "events": dict(events)}


def _cursor(url: str, kiosk_id: str) -> int:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT through_seq FROM sync_cursors WHERE kiosk_id = :k"), {"k": kiosk_id}).scalar()
    finally:
        engine.dispose()
    return int(found or 0)


def _register_on(url: str, names: list[str]) -> dict[str, tuple[str, str]]:
    """name → (kiosk id, token), registered as `python -m backend kiosk add` does."""
    migrate.upgrade(url)
    engine = create_engine(sync_url(url))
    out = {}
    try:
        with engine.begin() as conn:
            for name in names:
                token = tokens.new_token()
                out[name] = (repo.add(conn, name, tokens.token_hash(token), now_ms=1).id, token)
    finally:
        engine.dispose()
    return out


async def _export(http: aiohttp.ClientSession, base: str, **params: str) -> dict[str, dict[str, str]]:
    async with http.get(base + "/api/payments/sessions/export", params={"format": "csv", **params},
                        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as response:
        assert response.status == 200, await response.text()
        rows = csv.DictReader(io.StringIO((await response.read()).decode(), newline=""))
        return {row["sessionId"]: {k: v for k, v in row.items() if k not in _NOT_COMPARED} for row in rows}


async def _take_payments(kiosk: Api, count: int) -> dict[str, str]:
    """Card, declined card and cash (with the operator's PIN), in turn; session id → outcome."""
    outcomes = {}
    for i in range(count):
        sid = await kiosk.session()
        kind = i % 3
        if kind == 2:
            reply = await kiosk.cash(sid)
        else:
            reply = await kiosk.pay(sid, GOOD_CARD if kind == 0 else DECLINED_CARD)
        assert reply.status < 300, reply
        outcomes[sid] = (await kiosk.wait_for(sid, TERMINAL))["status"]
    return outcomes


@pytest.mark.slow
async def test_two_offline_kiosks_sync_every_session_and_event_exactly_once_through_a_kill(
    tmp_path: Path, pg_database_url: str
) -> None:
    names = ["till-a", "till-b"]
    registered = await asyncio.to_thread(_register_on, pg_database_url, names)
    (tmp_path / "server").mkdir()
    server = ServerProcess(tmp_path / "server", env=dict(_PROCESS_ENV), database_url=pg_database_url)
    proxy: FaultProxy | None = None
    kiosks: dict[str, ServerProcess] = {}
    try:
        server.start()
        split = urlsplit(server.url)
        assert split.hostname is not None and split.port is not None
        proxy = FaultProxy(split.hostname, split.port)
        await proxy.start()
        await proxy.set_config(FaultConfig(mode=FaultMode.OFFLINE))
        # Kiosk A sends small batches (so it has some left when it is killed); B asks for 200 rows
        # at a time, more sessions than a batch may carry: its forwarder must split them.
        for name, prefix, batch in zip(names, ("KA", "KB"), ("5", "200"), strict=True):
            (tmp_path / name).mkdir()
            kiosks[name] = ServerProcess(tmp_path / name, env={
                **_PROCESS_ENV,
                "SMARTCART_SYNC_URL": proxy.url,
                "SMARTCART_SYNC_TOKEN": registered[name][1],
                "SMARTCART_SYNC_BATCH": batch,
                "SMARTCART_SYNC_RETRY_S": "0.05",
                "SMARTCART_SYNC_RETRY_MAX_S": "0.2",
                "SMARTCART_SYNC_IDLE_S": "0.1",
                # Each kiosk numbers its own invoices: one series per kiosk, as the law has it.
                "SMARTCART_INVOICE_PREFIX": prefix,
            })
            kiosks[name].start()

        async with aiohttp.ClientSession() as http:
            apis = {name: Api(http, k.url) for name, k in kiosks.items()}
            taken = await asyncio.gather(*(_take_payments(api, _PAYMENTS_PER_KIOSK) for api in apis.values()))
            assert {"COMPLETED", "DECLINED"} <= set(taken[0].values())
            offline = {name: await _status(api) for name, api in apis.items()}
            for status in offline.values():
                assert status["pending"] >= _PAYMENTS_PER_KIOSK and status["lastError"] is not None

            # The link comes back, but every reply is lost: the server applies a batch of each
            # kiosk and neither kiosk hears of it. Kiosk A is SIGKILLed in that state.
            await proxy.set_config(FaultConfig(mode=FaultMode.REPLY_LOST))
            a_id = registered["till-a"][0]
            await eventually(lambda: asyncio.to_thread(_cursor, pg_database_url, a_id), lambda seq: seq > 0,
                             timeout=30, what="the server applying kiosk A's first batch")
            assert (await _status(apis["till-a"]))["pending"] >= offline["till-a"]["pending"]  # nothing deleted unheard
            kiosks["till-a"].kill()

            await proxy.set_config(FaultConfig(mode=FaultMode.NONE))
            kiosks["till-a"].start()
            apis["till-a"] = Api(http, kiosks["till-a"].url)
            for api in apis.values():
                await eventually(lambda api=api: _status(api), lambda s: s["pending"] == 0 and s["lastError"] is None,
                                 timeout=60, what="both kiosks synced")

            server_exports = await _export(http, server.url)
            union: dict[str, dict[str, str]] = {}
            for name, kiosk in kiosks.items():
                kiosk_id = registered[name][0]
                mine = await asyncio.to_thread(_read, f"sqlite:///{kiosk.data_dir / 'kiosk.db'}")
                theirs = await asyncio.to_thread(_read, pg_database_url, kiosk_id)
                assert len(mine["sessions"]) == _PAYMENTS_PER_KIOSK
                assert theirs["sessions"] == mine["sessions"]
                # Every event exactly once, as the kiosk recorded it (ids: the kiosk's own).
                assert theirs["events"] == mine["events"]
                exported = await _export(http, kiosk.url)
                assert await _export(http, server.url, kiosk=kiosk_id) == exported
                union |= exported
            assert server_exports == union
    finally:
        for process in kiosks.values():
            process.kill()
        if proxy is not None:
            await proxy.close()
        server.kill()
