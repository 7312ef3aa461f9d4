"""The admin's kiosk filter, against the real embedded backend with a second kiosk registered
in it (its own token, as `python -m backend kiosk add` makes one): the Search tab and the Exports
tab show one kiosk's payments only, and the history list and a session's facts name the kiosk."""

from __future__ import annotations

import csv
from pathlib import Path

from backend.app_keys import DATABASE
from backend.kiosks import repo, tokens
from smartcart_desktop.admin.admin_window import AdminWindow
from smartcart_desktop.admin.kiosk_choice import KioskChoice
from smartcart_desktop.admin.sessions_model import H_KIOSK
from smartcart_desktop.api.client import ApiClient
from tests.desktop.conftest import Kiosk, StartKiosk
from tests.desktop.test_admin_panel import PIN, export_to, new_session, unlock

OTHER = "till-b"


async def other_kiosk(kiosk: Kiosk) -> ApiClient:
    """A second kiosk on the same backend, talking to it with its own token."""
    token = tokens.new_token()
    record = await kiosk.backend_app[DATABASE].write(
        lambda conn: repo.add(conn, OTHER, tokens.token_hash(token), now_ms=1))
    assert record.name == OTHER
    services = kiosk.app.services
    assert services is not None
    return ApiClient(services.link.url, token)


async def sessions_of_two_kiosks(kiosk: Kiosk) -> tuple[str, str, str, str]:
    """(this kiosk's session, its kiosk id, the other's session, its kiosk id)."""
    mine = await new_session(kiosk, {"masala-chai": 1})
    other = await other_kiosk(kiosk)
    try:
        order = await other.create_order({"water-1l": 1})
        theirs = (await other.create_session(order.order_id)).session_id
        their_kiosk = (await other.session(theirs)).kiosk_id
    finally:
        await other.close()
    my_kiosk = (await kiosk.api.session(mine)).kiosk_id
    assert my_kiosk and their_kiosk and my_kiosk != their_kiosk
    return mine, my_kiosk, theirs, their_kiosk


async def offered(kiosk: Kiosk, choice: KioskChoice, *kiosk_ids: str) -> None:
    await kiosk.waits.until(lambda: set(kiosk_ids) <= set(choice.kiosks()))


async def test_the_search_tab_filters_by_kiosk_and_names_each_session_s_kiosk(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(admin_pin=PIN) as kiosk:
        mine, my_kiosk, theirs, their_kiosk = await sessions_of_two_kiosks(kiosk)
        panel = await unlock(kiosk)
        listing = panel.history_list
        panel.tabs.setCurrentWidget(panel.history_list_page)
        await kiosk.waits.until(lambda: set(listing.shown_ids()) == {mine, theirs})
        await offered(kiosk, listing.kiosk, my_kiosk, their_kiosk)
        assert kiosk_column(panel) == {mine: my_kiosk, theirs: their_kiosk}

        listing.kiosk.choose(their_kiosk)  # choosing searches again
        await kiosk.waits.until(lambda: listing.shown_ids() == [theirs])
        listing.kiosk.choose(my_kiosk)
        await kiosk.waits.until(lambda: listing.shown_ids() == [mine])
        listing.kiosk.choose(None)
        await kiosk.waits.until(lambda: set(listing.shown_ids()) == {mine, theirs})

        panel.open_session(theirs)
        await kiosk.waits.until(lambda: panel.history.history is not None
                                and panel.history.history.session.session_id == theirs)
        assert panel.history.facts["kiosk"].text() == their_kiosk


def kiosk_column(panel: AdminWindow) -> dict[str, str]:
    proxy = panel.history_list.proxy
    return {panel.history_list.proxy.session_id_at(row): str(proxy.index(row, H_KIOSK).data())
            for row in range(proxy.rowCount())}


async def test_an_export_of_one_kiosk_holds_only_its_sessions(start_kiosk: StartKiosk, tmp_path: Path) -> None:
    async with start_kiosk(admin_pin=PIN) as kiosk:
        mine, my_kiosk, theirs, their_kiosk = await sessions_of_two_kiosks(kiosk)
        panel = await unlock(kiosk)
        panel.tabs.setCurrentIndex(3)
        exports = panel.exports
        await offered(kiosk, exports.kiosk, my_kiosk, their_kiosk)  # both were open in the live table

        exports.kiosk.choose(their_kiosk)
        result = await export_to(kiosk, panel, "csv", tmp_path / "theirs.csv")
        assert their_kiosk in result.request.suggested_name()
        with (tmp_path / "theirs.csv").open(newline="", encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
        assert [(r["sessionId"], r["kiosk"]) for r in rows] == [(theirs, their_kiosk)]
        assert result.rows == 1 and "1 sessions" in exports.message.text()

        exports.kiosk.choose(None)
        await export_to(kiosk, panel, "csv", tmp_path / "all.csv")
        with (tmp_path / "all.csv").open(newline="", encoding="utf-8") as file:
            assert {r["sessionId"] for r in csv.DictReader(file)} == {mine, theirs}
