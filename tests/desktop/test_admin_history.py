"""The admin's history list ("Search") against the real embedded backend: search by
last 4 and by status, more pages, and a row opening its timeline in order with every detail
readable."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from smartcart_desktop.admin import admin_controller
from smartcart_desktop.admin.admin_window import AdminWindow
from smartcart_desktop.admin.sessions_model import H_REFERENCE, H_STATUS
from tests.backend.api import eventually
from tests.desktop.conftest import DECLINED_CARD, GOOD_CARD, Kiosk, StartKiosk
from tests.desktop.test_admin_panel import PIN, card, new_session, unlock

# An operator's reason with a word no column is wide enough for: it must wrap, not be cut.
LONG_REASON = (
    "customer says the terminal showed an error twice and the receipt printer jammed; reference "
    "TXN-20261201-0819-KIOSK07-LANE3-0000000000000000000000000000 given by the bank on the phone"
)


async def paid(kiosk: Kiosk, number: str, items: dict[str, int] | None = None) -> str:
    session_id = await new_session(kiosk, items)
    await kiosk.api.pay(session_id, card(number))
    return session_id


def shown_column(panel: AdminWindow, column: int) -> list[str]:
    proxy = panel.history_list.proxy
    return [str(proxy.index(row, column).data()) for row in range(proxy.rowCount())]


def click_row(kiosk: Kiosk, panel: AdminWindow, row: int) -> None:
    table = panel.history_list.table
    rect = table.visualRect(panel.history_list.proxy.index(row, 1))
    kiosk.qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


async def test_search_by_last_4_and_by_status_then_open_a_timeline_in_order(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(admin_pin=PIN) as kiosk:
        good = await paid(kiosk, GOOD_CARD, {"masala-chai": 1})
        declined = await paid(kiosk, DECLINED_CARD, {"water-1l": 1})
        cancelled = await new_session(kiosk, {"samosa-2": 1})
        await kiosk.api.cancel(cancelled, LONG_REASON)
        for session_id, status in ((good, "COMPLETED"), (declined, "DECLINED")):
            await eventually(lambda s=session_id: kiosk.api.session(s), lambda s, st=status: s.status == st)
        panel = await unlock(kiosk)
        listing = panel.history_list

        panel.tabs.setCurrentWidget(panel.history_list_page)  # the first look at the tab loads the list
        await kiosk.waits.until(lambda: set(listing.shown_ids()) == {good, declined, cancelled})
        assert listing.shown_ids() == [cancelled, declined, good]  # newest first

        # A last 4, typed as read off the customer's card.
        kiosk.qtbot.keyClicks(listing.text, "0002")
        kiosk.qtbot.keyClick(listing.text, Qt.Key.Key_Return)
        await kiosk.waits.until(lambda: listing.shown_ids() == [declined])
        assert shown_column(panel, H_REFERENCE) == ["•0002"]

        # A status picked from the list (the text cleared).
        listing.text.clear()
        listing.status.setCurrentIndex(listing.status.findData("COMPLETED"))
        await kiosk.waits.until(lambda: listing.shown_ids() == [good])
        assert shown_column(panel, H_STATUS) == ["COMPLETED"]

        # Any status again; a tap on the cancelled one opens its timeline below.
        listing.status.setCurrentIndex(0)
        await kiosk.waits.until(lambda: len(listing.shown_ids()) == 3)
        row = listing.row_of(cancelled)
        assert row is not None
        click_row(kiosk, panel, row)
        history = panel.history
        await kiosk.waits.until(lambda: history.history is not None and history.history.session.session_id == cancelled)
        assert panel.tabs.currentIndex() == 1  # the Session history tab, its timeline full height
        stored = await kiosk.api.session(cancelled, history=True)
        assert history.event_kinds() == [e.kind for e in stored.events or []] == ["created", "cancelled"]
        times = [e.at for e in history.history.session.events or []]  # type: ignore[union-attr]
        assert times == sorted(times)
        assert history.event_rows()[-1] == ("Cancelled", LONG_REASON, "CANCELLED")
        await kiosk.waits.until(lambda: history.timeline.isVisible())
        assert history.hidden_detail_rows() == []  # wrapped, every word of it shown


async def test_more_loads_the_next_page_below(start_kiosk: StartKiosk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(admin_controller, "HISTORY_PAGE", 2)
    async with start_kiosk(admin_pin=PIN) as kiosk:
        created = [await new_session(kiosk, {"masala-chai": 1}) for _ in range(5)]
        panel = await unlock(kiosk)
        listing = panel.history_list
        panel.tabs.setCurrentWidget(panel.history_list_page)
        await kiosk.waits.until(lambda: len(listing.shown_ids()) == 2)
        assert listing.more_button.isVisible()

        kiosk.click(listing.more_button)
        await kiosk.waits.until(lambda: len(listing.shown_ids()) == 4)
        kiosk.click(listing.more_button)
        await kiosk.waits.until(lambda: len(listing.shown_ids()) == 5)
        assert listing.shown_ids() == created[::-1]
        assert not listing.more_button.isVisible()


def test_a_long_detail_wraps_to_the_column_width(qtbot: Any) -> None:
    """The wrapping itself, without a backend: the row grows when the column narrows."""
    from datetime import UTC, datetime

    from smartcart_desktop.admin.admin_controller import SessionHistory
    from smartcart_desktop.admin.history_view import SessionHistoryView
    from smartcart_desktop.api.models import Session, Summary

    now = datetime.now(UTC).isoformat()
    session = Session.model_validate({
        "sessionId": "a" * 32, "orderId": 1, "status": "CANCELLED", "attempts": 0, "maxAttempts": 3,
        "canResume": False, "needsPaymentDetails": False, "amountMinor": 4000, "currency": "INR",
        "createdAt": now, "updatedAt": now, "expiresAt": now, "interruptions": 0,
        "events": [{"at": now, "kind": "created", "toStatus": "INITIATED"},
                   {"at": now, "kind": "cancelled", "fromStatus": "INITIATED", "toStatus": "CANCELLED",
                    "reason": LONG_REASON}],
    })
    summary = Summary.model_validate({
        "sessionId": "a" * 32, "orderId": 1, "status": "CANCELLED", "attempts": 0, "maxAttempts": 3,
        "durationSeconds": 1.0, "interruptions": 0, "canResume": False,
    })
    view = SessionHistoryView()
    qtbot.addWidget(view)
    view.resize(1100, 600)
    view.show()
    view.show_history(SessionHistory(session=session, summary=summary))
    qtbot.waitUntil(lambda: view.timeline.visualRect(view.timeline.model().index(1, 2)).height() > 0)
    wide = view.timeline.visualRect(view.timeline.model().index(1, 2)).height()
    assert view.hidden_detail_rows() == []

    view.resize(760, 600)
    qtbot.waitUntil(lambda: view.timeline.visualRect(view.timeline.model().index(1, 2)).height() > wide)
    assert view.hidden_detail_rows() == []


async def test_the_search_tab_fits_an_800_pixel_wide_screen(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(admin_pin=PIN) as kiosk:
        panel = await unlock(kiosk)
        panel.tabs.setCurrentWidget(panel.history_list_page)
        assert panel.history_list_page.minimumSizeHint().width() <= 800
