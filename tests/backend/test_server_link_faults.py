"""Tester mode: the kiosk → fleet server link has its own fault switch (issue 17, item 5).

A real kiosk app (its own SQLite file, tester mode) syncs to a real server app (SQLite and
PostgreSQL) through the fault proxy the kiosk puts in front of the server, switched by
`PUT /api/dev/faults/server`; the gateway link's switch (`/api/dev/faults`) is a separate one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import text

from backend import app_keys
from tests.backend.api import ADMIN_TOKEN, DECLINED_CARD, Api, eventually
from tests.backend.conftest import AppFactory
from tests.backend.test_sync import _history, _kiosk, _register, _server_url, _status, _synced

SERVER_LINK = "/api/dev/faults/server"


async def _fleet(start_app: AppFactory, aiohttp_client: Any, tmp_path: Path) -> tuple[Api, Api, web.Application]:
    """The server (admin's view), a tester-mode kiosk syncing to it, and the server's app."""
    _, server_app, server_client = await start_app()
    admin = Api(server_client.session, _server_url(server_client), token=ADMIN_TOKEN)
    token = await _register(server_app, "till-a")
    kiosk, _ = await _kiosk(aiohttp_client, tmp_path, "till-a", _server_url(server_client), token, tester=True)
    return admin, kiosk, server_app


async def _paid(kiosk: Api, count: int) -> list[str]:
    ids = []
    for i in range(count):
        sid = await kiosk.session()
        assert (await kiosk.pay(sid, DECLINED_CARD if i % 2 else None)).status < 300
        await kiosk.wait_for(sid, ("COMPLETED", "DECLINED"))
        ids.append(sid)
    return ids


async def _copies_on_server(server_app: web.Application, session_id: str) -> int:
    def count(conn: Any) -> int:
        found = conn.execute(text("SELECT count(*) FROM payment_sessions WHERE id = :id"), {"id": session_id})
        return int(found.scalar_one())

    return await server_app[app_keys.DATABASE].read(count)


async def test_a_cut_server_link_queues_the_payments_and_restoring_it_syncs_them(
    start_app: AppFactory, aiohttp_client: Any, tmp_path: Path
) -> None:
    admin, kiosk, _ = await _fleet(start_app, aiohttp_client, tmp_path)
    state = await kiosk.ok("PUT", SERVER_LINK, {"mode": "offline"})
    assert state["mode"] == "offline"
    assert (await kiosk.ok("GET", "/api/dev/faults"))["mode"] == "none"  # the gateway's switch is its own

    # The gateway link is untouched: payments still complete while the server is cut off.
    ids = await _paid(kiosk, 3)
    cut = await eventually(lambda: _status(kiosk), lambda s: s["lastError"] is not None, what="the cut link reported")
    assert cut["pending"] > 0
    for sid in ids:
        assert (await admin.call("GET", f"/api/payments/session/{sid}")).status == 404

    assert (await kiosk.ok("PUT", SERVER_LINK, {"mode": "none"}))["mode"] == "none"
    await _synced(kiosk)
    for sid in ids:
        assert _history(await admin.get(sid)) == _history(await kiosk.get(sid))


async def test_lost_replies_from_the_server_still_leave_each_session_there_once(
    start_app: AppFactory, aiohttp_client: Any, tmp_path: Path
) -> None:
    admin, kiosk, server_app = await _fleet(start_app, aiohttp_client, tmp_path)
    await kiosk.ok("PUT", SERVER_LINK, {"mode": "reply_lost"})
    ids = await _paid(kiosk, 3)
    # The server applied the batches, but the kiosk never heard so: it keeps them and resends.
    await eventually(
        lambda: admin.call("GET", f"/api/payments/session/{ids[-1]}"), lambda r: r.status == 200,
        what="the server holding the last session",
    )
    lost = await eventually(
        lambda: kiosk.ok("GET", SERVER_LINK), lambda s: len(s["log"]) >= 2, what="replies dropped and resent"
    )
    assert {hit["mode"] for hit in lost["log"]} == {"reply_lost"}
    assert (await _status(kiosk))["pending"] > 0

    await kiosk.ok("PUT", SERVER_LINK, {"mode": "none"})
    await _synced(kiosk)
    for sid in ids:
        assert await _copies_on_server(server_app, sid) == 1
        assert _history(await admin.get(sid)) == _history(await kiosk.get(sid))


async def test_a_gateway_fault_leaves_the_server_link_alone(
    start_app: AppFactory, aiohttp_client: Any, tmp_path: Path
) -> None:
    admin, kiosk, _ = await _fleet(start_app, aiohttp_client, tmp_path)
    [sid] = await _paid(kiosk, 1)
    await kiosk.faults("offline")
    assert (await kiosk.ok("GET", SERVER_LINK))["mode"] == "none"
    await _synced(kiosk)
    assert (await admin.get(sid))["status"] == "COMPLETED"


async def test_a_bad_server_fault_is_refused_and_changes_nothing(
    start_app: AppFactory, aiohttp_client: Any, tmp_path: Path
) -> None:
    _, kiosk, _ = await _fleet(start_app, aiohttp_client, tmp_path)
    await kiosk.ok("PUT", SERVER_LINK, {"mode": "latency", "latencyMs": 5})
    for bad in ({"mode": "sideways"}, {"mode": "flaky", "rate": 2}, {"mode": "none", "link": "server"}):
        reply = await kiosk.call("PUT", SERVER_LINK, bad)
        assert reply.status == 400, reply
        assert {"code", "message"} <= set(reply.body)
    state = await kiosk.ok("GET", SERVER_LINK)
    assert (state["mode"], state["latencyMs"]) == ("latency", 5)


async def test_without_sync_there_is_no_server_link_to_cut(start_app: AppFactory) -> None:
    api, _, _ = await start_app(tester=True)
    for method, body in (("GET", None), ("PUT", {"mode": "offline"})):
        reply = await api.call(method, SERVER_LINK, body)
        assert reply.status == 409, reply
        assert reply.body["code"] == "no_server_link"
    assert (await api.ok("GET", "/api/sync/status"))["enabled"] is False
