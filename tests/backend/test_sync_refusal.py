"""A batch the fleet server refuses is visible in the kiosk's sync status, not silent, and
nothing of it is dropped (issue 17).

Two real kiosk apps on their own SQLite files numbering invoices in one series (a set-up
mistake): the server takes the first kiosk's invoice and refuses the second's with 409
sync_invoice_clash. The second kiosk syncs through the real fault proxy, so the same status can
then be seen for a server that is not reached at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backend.faults.model import FaultConfig, FaultMode
from backend.faults.proxy import FaultProxy
from tests.backend.api import ADMIN_TOKEN, Api, eventually
from tests.backend.conftest import AppFactory
from tests.backend.test_sync import _kiosk, _register, _server_url, _status, _synced


async def _cash_sale(kiosk: Api) -> str:
    sid = await kiosk.session()
    assert (await kiosk.cash(sid)).status < 300
    return sid


async def test_a_refused_batch_shows_with_the_servers_reason_and_keeps_its_rows(
    start_app: AppFactory, aiohttp_client: Any, tmp_path: Path
) -> None:
    _, server_app, server_client = await start_app()
    admin = Api(server_client.session, _server_url(server_client), token=ADMIN_TOKEN)
    first, _ = await _kiosk(aiohttp_client, tmp_path, "till-a", _server_url(server_client),
                            await _register(server_app, "till-a"))
    await _cash_sale(first)
    assert not (await _synced(first))["refused"]

    host, port = server_client.server.host, server_client.server.port
    assert port is not None
    proxy = FaultProxy(host, port)
    await proxy.start()
    try:
        second, _ = await _kiosk(aiohttp_client, tmp_path, "till-b", proxy.url, await _register(server_app, "till-b"))
        clashing = await _cash_sale(second)
        refused = await eventually(lambda: _status(second), lambda s: s["refused"], what="the refusal shown")
        assert (refused["refusedStatus"], refused["refusedCode"]) == (409, "sync_invoice_clash")
        assert "SMARTCART_INVOICE_PREFIX" in refused["refusedMessage"]
        assert refused["pending"] > 0
        # Sent again with back-off, refused again: the rows stay, and so does the refusal.
        again = await eventually(lambda: _status(second), lambda s: s["lastErrorAt"] != refused["lastErrorAt"],
                                 what="a retry")
        assert (again["pending"], again["refused"], again["refusedCode"]) == (
            refused["pending"], True, "sync_invoice_clash")
        # The server holds at most the session as it was before the clashing invoice.
        held = await admin.call("GET", f"/api/payments/session/{clashing}")
        assert held.status == 404 or held.body["status"] == "INITIATED"
        assert (await second.get(clashing))["status"] == "COMPLETED"

        # The server not reached is another matter: still failing, no longer a refusal.
        await proxy.set_config(FaultConfig(mode=FaultMode.OFFLINE))
        away = await eventually(lambda: _status(second), lambda s: not s["refused"], what="unreachable shown")
        assert away["lastError"] is not None and away["refusedMessage"] is None
        assert away["pending"] == refused["pending"]
    finally:
        await proxy.close()
