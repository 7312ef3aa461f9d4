"""The kiosk's status bar tells what is still to sync to the fleet server (issue 17, item 2).

The real window and embedded backend (tester mode) syncing to a real second backend, the fleet
server, on 127.0.0.1; the server link's `offline` fault (`/api/dev/faults/server`) holds the
payments back on the kiosk.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from backend import app_keys
from smartcart_contract.states import Status
from smartcart_desktop.api.client import ApiClient
from tests.backend.api import ADMIN_TOKEN, eventually
from tests.backend.server_process import ServerProcess
from tests.backend.test_sync import _PROCESS_ENV, _fabricated, _register_on
from tests.desktop.conftest import FAST_OPTIONS, Kiosk, StartKiosk

_SYNC_FAST = {"sync_retry_s": 0.02, "sync_retry_max_s": 0.1, "sync_idle_s": 0.05}


@asynccontextmanager
async def _fleet_server(data: Path) -> AsyncIterator[tuple[ServerProcess, str]]:
    """A fleet server, a real backend process on its own SQLite file, and a kiosk token it
    knows (registered as `python -m backend kiosk add` does)."""
    async with _fleet_of(data, "till-a") as (server, tokens):
        yield server, tokens["till-a"]


@asynccontextmanager
async def _fleet_of(data: Path, *names: str) -> AsyncIterator[tuple[ServerProcess, dict[str, str]]]:
    """A fleet server knowing these kiosks: name → token."""
    data.mkdir()
    url = f"sqlite:///{data / 'server.db'}"
    registered = await asyncio.to_thread(_register_on, url, list(names))
    with ServerProcess(data, env=dict(_PROCESS_ENV), database_url=url) as server:
        await asyncio.to_thread(server.start)
        yield server, {name: token for name, (_, token) in registered.items()}


async def _held_by(server_url: str, session_id: str) -> None:
    admin = ApiClient(server_url, ADMIN_TOKEN)
    try:
        assert (await admin.session(session_id)).status == "COMPLETED"
    finally:
        await admin.close()


async def _sync_reads(kiosk: Kiosk, text: str) -> None:
    label = kiosk.window.status.sync
    await kiosk.waits.until(lambda: label.isVisible() and label.text() == text, 8000)


async def test_the_status_bar_counts_what_is_still_to_sync_and_then_says_synced(
    start_kiosk: StartKiosk, tmp_path: Path
) -> None:
    async with _fleet_server(tmp_path / "server") as (server, token), start_kiosk(
        data_dir=tmp_path / "kiosk", sync_url=server.url, sync_token=token, **_SYNC_FAST
    ) as kiosk:
        await _sync_reads(kiosk, "Synced")
        await kiosk.api.set_faults("offline", link="server")
        await kiosk.checkout(("masala-chai", 2))
        await kiosk.pay_by_card()
        await kiosk.receipt()
        session_id = kiosk.session_id
        pending = (await kiosk.api.sync_status()).pending
        assert pending > 0
        await _sync_reads(kiosk, f"{pending} to sync")
        assert kiosk.window.status.sync.property("health") == "warn"

        await kiosk.api.set_faults("none", link="server")
        await _sync_reads(kiosk, "Synced")
        assert (await kiosk.api.sync_status()).pending == 0
        assert kiosk.window.status.sync.property("health") == "ok"
        await _held_by(server.url, session_id)


async def test_a_batch_the_server_refuses_shows_as_refused_with_its_reason(
    start_kiosk: StartKiosk, tmp_path: Path
) -> None:
    """Another kiosk of the fleet took the same invoice number first (one series for two kiosks):
    the server refuses this kiosk's payment, and the status bar says so rather than counting."""
    async with _fleet_of(tmp_path / "server", "till-a", "till-b") as (server, tokens), start_kiosk(
        data_dir=tmp_path / "kiosk", sync_url=server.url, sync_token=tokens["till-a"], **_SYNC_FAST
    ) as kiosk:
        await _sync_reads(kiosk, "Synced")
        await kiosk.api.set_faults("offline", link="server")
        await kiosk.checkout(("masala-chai", 2))
        await kiosk.pay_by_card()
        await kiosk.receipt()
        invoice = (await kiosk.api.session(kiosk.session_id)).invoice_number
        other = _fabricated(status=Status.COMPLETED, method="cash", invoice_number=invoice)
        async with aiohttp.ClientSession() as http, http.post(
            server.url + "/api/sync/batch", json={"throughSeq": 1, "sessions": [other]},
            headers={"Authorization": f"Bearer {tokens['till-b']}"},
        ) as reply:
            assert reply.status == 200, await reply.text()

        await kiosk.api.set_faults("none", link="server")
        await _sync_reads(kiosk, "✖ Sync refused")
        label = kiosk.window.status.sync
        assert label.property("health") == "down"
        assert "SMARTCART_INVOICE_PREFIX" in label.toolTip() and invoice in label.toolTip()
        assert (await kiosk.api.sync_status()).pending > 0  # kept, sent again with back-off


async def test_a_kiosk_that_does_not_sync_shows_nothing_about_it(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        await kiosk.waits.until(lambda: kiosk.window.status.gateway.text() == "● Online")
        assert not kiosk.window.status.sync.isVisible()
        assert not (await kiosk.api.sync_status()).enabled



async def test_changes_left_to_sync_keep_the_status_bar_watching_until_synced(
    start_kiosk: StartKiosk, tmp_path: Path
) -> None:
    """Without tester mode a settled kiosk asks rarely; changes still to sync are something to
    watch, so "Synced" shows soon after the server is back, with nothing done at the window."""
    options = dataclasses.replace(FAST_OPTIONS, tester=False, health_settled_interval_s=600.0)
    async with _fleet_server(tmp_path / "server") as (server, token), start_kiosk(
        options, data_dir=tmp_path / "kiosk", sync_url=server.url, sync_token=token, tester=False, **_SYNC_FAST
    ) as kiosk:
        await _sync_reads(kiosk, "Synced")
        await asyncio.to_thread(server.stop)
        await kiosk.checkout(("masala-chai", 2))
        kiosk.enter_cash("100")  # a typed card is for tester mode only
        kiosk.click(kiosk.window.payment_screen.pay_button)
        await kiosk.receipt()
        session_id = kiosk.session_id
        pending = await eventually(
            lambda: kiosk.api.sync_status(), lambda s: s.last_error is not None, what="the server missed"
        )
        await _sync_reads(kiosk, f"{pending.pending} to sync")

        server.port = urlsplit(server.url).port or 0  # back where the kiosk syncs to
        await asyncio.to_thread(server.start)
        await _sync_reads(kiosk, "Synced")
        await _held_by(server.url, session_id)


async def test_the_tester_panel_cuts_the_server_link_and_leaves_the_gateway_alone(
    start_kiosk: StartKiosk, tmp_path: Path
) -> None:
    async with _fleet_server(tmp_path / "server") as (server, token), start_kiosk(
        data_dir=tmp_path / "kiosk", sync_url=server.url, sync_token=token, **_SYNC_FAST
    ) as kiosk:
        dock = kiosk.window.tester_dock
        assert dock is not None
        await kiosk.waits.until(dock.link_buttons["server"].isEnabled)  # the kiosk syncs: it has the link
        kiosk.click(dock.link_buttons["server"])
        kiosk.click(dock.mode_buttons["offline"])
        proxies = kiosk.backend_app
        await kiosk.waits.until(lambda: proxies[app_keys.SERVER_FAULTS].config.mode == "offline")
        assert proxies[app_keys.FAULTS].config.mode == "none"
        assert dock.active.text() == "Active: offline"
        await kiosk.waits.until(lambda: kiosk.window.status.fault.text() == "⚠ Fault: server offline")

        # The gateway still answers: the payment completes and waits to be synced.
        await kiosk.checkout(("masala-chai", 2))
        await kiosk.pay_by_card()
        await kiosk.receipt()
        assert (await kiosk.api.session(kiosk.session_id)).status == "COMPLETED"
        await kiosk.waits.until(lambda: kiosk.window.status.sync.text().endswith(" to sync"), 8000)

        kiosk.click(dock.link_buttons["gateway"])  # the gateway's own switch, still at none
        await kiosk.waits.until(lambda: dock.active.text() == "Active: none")
        assert dock.mode_buttons["none"].isChecked()
        kiosk.click(dock.link_buttons["server"])
        await kiosk.waits.until(lambda: dock.mode_buttons["offline"].isChecked())
        kiosk.click(dock.mode_buttons["none"])
        await _sync_reads(kiosk, "Synced")


async def test_without_a_fleet_server_the_panel_offers_only_the_gateway_link(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        dock = kiosk.window.tester_dock
        assert dock is not None
        await kiosk.waits.until(dock.mode_buttons["offline"].isEnabled)
        assert not dock.link_buttons["server"].isEnabled()
        assert dock.link_buttons["gateway"].isChecked()
