"""Store-and-forward: keep selling while the gateway is unreachable, forward exactly once."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp import web

from backend import app_keys
from backend.db import leases, migrate
from backend.db.database import Database
from backend.gateway.client import UpiSource
from backend.offline.sealing import Sealer, load_or_create_key
from tests.backend.api import ADMIN_TOKEN, DECLINED_CARD, GOOD_CARD, Api, eventually
from tests.backend.server_process import ServerProcess
from tests.backend.test_payments import charges_for, standing

OFFLINE = {"offline_enabled": True}


async def accept_offline(api: Api, card: dict[str, str] | None = None, *items: tuple[str, int]) -> str:
    await api.faults("offline")
    session_id = await api.session(await api.order(*items) if items else None)
    await api.pay(session_id, card)
    await api.wait_for(session_id, "OFFLINE_ACCEPTED")
    return session_id


async def health(api: Api) -> dict:
    async with api.http.get(api.base + "/api/health") as reply:
        return await reply.json()


def database_bytes(data_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in data_dir.glob("kiosk.db*"))


def without_ids(data_dir: Path, data: bytes, app: web.Application) -> bytes:
    """`data` less what the database holds by design that spells any three digits now and then:
    the random hex of session ids, idempotency keys and lease holders, the base64 of sealed
    sources, and the loopback ports of the gateway and its fault proxy, named in the errors of
    failed forwards. Only those exact values are cut, each checked to be nothing but an id or
    ciphertext, so digits stored next to or inside one are still found."""
    with contextlib.closing(sqlite3.connect(data_dir / "kiosk.db")) as conn:
        ids = [value for (value,) in conn.execute(
            "SELECT id FROM payment_sessions UNION SELECT idempotency_key FROM payment_sessions"
            " UNION SELECT holder FROM leases")]
        sealed = [value for (value,) in conn.execute("SELECT sealed_source FROM offline_payments") if value]
    sealer = Sealer(load_or_create_key(data_dir / "offline.key"))
    cut = []
    for value in ids:
        assert re.fullmatch(r"(sc_)?[0-9a-f]{16,}", value), value  # random hex, nothing else
        cut.append(value.encode())
    for value in sealed:
        # Canonical base64 of a token the kiosk's key opens: ciphertext with nothing appended.
        assert base64.urlsafe_b64encode(base64.urlsafe_b64decode(value)) == value
        sealer.open(value)
        cut.append(value)
    cut += [str(urlsplit(url).port).encode() for url in (app[app_keys.GATEWAY_URL], app[app_keys.FAULTS].url)]
    for value in cut:
        data = data.replace(value, b"")
    return data


async def test_an_unreachable_gateway_accepts_the_payment_offline_at_once(start_app):
    api, _, _ = await start_app(**OFFLINE)
    session_id = await accept_offline(api)

    session = await api.get(session_id)
    assert session["attempts"] == 1 and session["interruptions"] == 0
    assert (await api.ok("GET", f"/api/orders/{session['orderId']}"))["status"] == "RELEASED"
    assert (await health(api))["offlinePending"] == 1
    assert (await health(api))["gateway"]["reachable"] is False


async def test_the_gateway_coming_back_forwards_the_payment_exactly_once(start_app):
    api, app, _ = await start_app(**OFFLINE)
    session_id = await accept_offline(api)

    await api.faults("none")
    session = await api.wait_for(session_id, "COMPLETED")

    assert len(standing(await charges_for(api, app, session_id))) == 1
    assert (await api.ok("GET", f"/api/orders/{session['orderId']}"))["status"] == "PAID"
    assert (await health(api))["offlinePending"] == 0
    forwarded = await api.call("POST", "/api/payments/offline/forward", token=ADMIN_TOKEN)
    assert forwarded.body == {"completed": 0, "declined": 0, "waiting": 0, "busy": False}
    assert len(await charges_for(api, app, session_id)) == 1


async def test_a_payment_over_the_offline_limit_is_refused_and_cash_stays_possible(start_app):
    api, _, _ = await start_app(**OFFLINE, offline_max_payment_minor=5000)
    await api.faults("offline")
    session_id = await api.session(await api.order(("masala-chai", 2)))  # 80.00 > 50.00
    await api.pay(session_id)

    session = await api.wait_for(session_id, "INTERRUPTED")
    assert session["offlineRefusal"] == "Payments over INR 50.00 cannot be accepted while offline."
    assert session["lastInterruptionReason"] == "NETWORK_ERROR"


async def test_the_count_and_total_limits_stop_offline_acceptance(start_app):
    api, _, _ = await start_app(**OFFLINE, offline_max_count=1, retry_delay_s=30)
    await accept_offline(api)
    session_id = await api.session()
    await api.pay(session_id)
    session = await api.wait_for(session_id, "INTERRUPTED")
    assert "already waiting" in session["offlineRefusal"]


async def test_a_card_declined_when_forwarded_is_shown_to_the_admin_as_a_loss(start_app):
    api, app, _ = await start_app(**OFFLINE)
    session_id = await accept_offline(api, DECLINED_CARD)

    await api.faults("none")
    session = await api.wait_for(session_id, "DECLINED")

    assert session["declineCode"] == "card_declined"
    listed = await api.ok("GET", "/api/payments/offline", token=ADMIN_TOKEN)
    assert [(p["sessionId"], p["outcome"], p["loss"]) for p in listed["payments"]] == [
        (session_id, "DECLINED", True)]
    assert standing(await charges_for(api, app, session_id)) == []


async def test_a_lost_reply_to_a_forward_still_charges_once(start_app):
    api, app, _ = await start_app(**OFFLINE, reconcile_min_s=0.05, reconcile_max_s=0.1)
    session_id = await accept_offline(api)

    # The forward's charge lands at the gateway and its answer is lost; so are the look-ups after.
    await api.faults("reply_lost")
    await eventually(
        lambda: api.ok("GET", "/api/dev/faults"),
        lambda faults: any(hit["method"] == "POST" and hit["sessionId"] == session_id
                           for hit in faults["log"]),
        what="a charge whose reply was lost",
    )
    await api.faults("none")

    await api.wait_for(session_id, "COMPLETED")
    charges = await charges_for(api, app, session_id)
    assert [c["status"] for c in charges] == ["succeeded"]


@pytest.mark.sqlite_only(reason="reads the bytes of the SQLite file and its WAL")
async def test_the_card_number_never_rests_readable_in_the_database(start_app, tmp_path: Path):
    api, app, _ = await start_app(**OFFLINE)
    card = {**GOOD_CARD, "number": "4000056655665556", "cvv": "737"}
    session_id = await accept_offline(api, card)

    waiting = database_bytes(tmp_path)
    assert b"4000056655665556" not in waiting
    assert b'"cvv"' not in waiting and b"737" not in without_ids(tmp_path, waiting, app)

    await api.faults("none")
    await api.wait_for(session_id, "COMPLETED")
    with sqlite3.connect(tmp_path / "kiosk.db") as conn:
        sealed = conn.execute("SELECT sealed_source FROM offline_payments").fetchall()
    assert sealed == [(None,)]  # wiped the moment the forward was answered
    assert b"4000056655665556" not in database_bytes(tmp_path)


async def test_two_forwarders_never_run_at_once(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    await asyncio.to_thread(migrate.upgrade, url)
    db = Database(url)
    try:
        take = lambda holder, now: db.write(  # noqa: E731
            lambda conn: leases.take(conn, "forwarder", holder, now_ms=now, ttl_ms=1000))
        assert await take("kiosk-a", 0)
        assert not await take("kiosk-b", 500)  # a holds it
        assert await take("kiosk-a", 900)  # a renews
        assert not await take("kiosk-b", 1800)
        assert await take("kiosk-b", 1900)  # a's lease ran out (a crashed): b takes over
    finally:
        db.close()


async def test_concurrent_forward_requests_forward_each_payment_once(start_app):
    api, app, _ = await start_app(**OFFLINE, reconcile_min_s=60, reconcile_max_s=60, health_probe_s=60)
    sessions = [await accept_offline(api) for _ in range(3)]
    await api.faults("none")

    replies = await asyncio.gather(*(
        api.call("POST", "/api/payments/offline/forward", token=ADMIN_TOKEN) for _ in range(4)))

    # The background forwarder, woken by the gateway coming back, may forward some itself.
    assert sum(r.body["completed"] for r in replies) <= 3
    for session_id in sessions:
        await api.wait_for(session_id, "COMPLETED")
        assert len(await charges_for(api, app, session_id)) == 1


@pytest.mark.slow
async def test_a_forward_cut_by_sigkill_is_completed_after_restart_with_one_charge(tmp_path: Path):
    gateway = ServerProcess(tmp_path, module="backend.gateway_sim",
                            args=["--database-url", f"sqlite:///{tmp_path / 'gateway.db'}", "--delay-ms", "1500"])
    backend = ServerProcess(tmp_path, args=["--tester"], env={
        "SMARTCART_OFFLINE_ENABLED": "1", "SMARTCART_RECONCILE_MIN_S": "0.5", "SMARTCART_RECONCILE_MAX_S": "1",
        "SMARTCART_GATEWAY_TIMEOUT_S": "3"})
    with gateway, backend:
        gateway_url = gateway.start()
        backend.args += ["--gateway-url", gateway_url]
        async with aiohttp.ClientSession() as http:
            api = Api(http, backend.start())
            session_id = await accept_offline(api)
            await api.faults("none")
            forward = asyncio.create_task(
                api.call("POST", "/api/payments/offline/forward", token=ADMIN_TOKEN))
            await asyncio.sleep(0.5)  # the forward's charge is now at the gateway (1.5 s)
            backend.kill()
            with pytest.raises(aiohttp.ClientError):
                await forward

            # The dead process's lease on forwarding runs out (10 s), then the new one forwards:
            # it finds the charge already made under the session's key and charges nothing more.
            api = Api(http, backend.start())
            session = await api.wait_for(session_id, "COMPLETED", timeout=30)
            async with http.get(gateway_url + "/v1/charges") as reply:
                ledger = (await reply.json())["charges"]
            assert [c["id"] for c in ledger if c["status"] == "succeeded"] == [session["gatewayChargeId"]]
        assert backend.stop() == 0


@pytest.mark.sqlite_only(reason="builds a kiosk's SQLite file on the 0002 schema by hand")
async def test_migrations_keep_payments_waiting_to_be_forwarded(tmp_path: Path, start_app):
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    await asyncio.to_thread(migrate.upgrade, url, "0002")
    with sqlite3.connect(tmp_path / "kiosk.db") as conn:  # a kiosk on the 0002 schema, mid-outage
        conn.execute("INSERT INTO orders VALUES (1, 'RELEASED', 'INR', 8000, 1, NULL)")
        conn.execute(
            "INSERT INTO payment_sessions (id, order_id, status, version, idempotency_key, amount_minor, "
            "currency, attempts, max_attempts, interruptions, gateway_contacted, outcome_unknown, "
            "method, card_brand, card_last4, created_at_ms, updated_at_ms, expires_at_ms) VALUES "
            "(?, 1, 'OFFLINE_ACCEPTED', 2, 'sc_old', 8000, 'INR', 1, 3, 0, 0, 0, 'upi', NULL, NULL, 1, 1, 2)",
            ("a" * 32,))
    # sealed with the key the app will find in its data directory
    sealed = Sealer(load_or_create_key(tmp_path / "offline.key")).seal(UpiSource("asha@okbank"))
    with sqlite3.connect(tmp_path / "kiosk.db") as conn:
        conn.execute("INSERT INTO offline_payments VALUES (?, 1, ?, 0, NULL, NULL, NULL)", ("a" * 32, sealed))

    api, _, _ = await start_app()  # upgrades to head at start-up, gateway reachable

    session = await api.wait_for("a" * 32, "COMPLETED")
    assert session["upiId"] is None and session["gatewayChargeId"]
    assert (await api.ok("GET", "/api/orders/1"))["status"] == "PAID"


async def test_the_export_shows_when_an_offline_payment_was_accepted_and_forwarded(start_app):
    api, _, _ = await start_app(**OFFLINE)
    session_id = await accept_offline(api)
    await api.faults("none")
    await api.wait_for(session_id, "COMPLETED")

    async with api.http.get(api.base + "/api/payments/sessions/export?format=json",
                            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as reply:
        [row] = json.loads(await reply.read())["sessions"]

    assert row["offlineOutcome"] == "COMPLETED"
    assert row["offlineAcceptedAt"] <= row["forwardedAt"]
