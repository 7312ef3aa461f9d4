"""The admin window fits an 800×600 screen (issue 14, item 3): every tab, each at its fullest
(a paid session's history with a long charge id and refunds, offline payments, a finished
export's message, a Z report with mismatches, today's figures in two currencies), needs no more
than 800 px across, and the window never grows past the screen. Long content scrolls inside
its tab instead.

A QTabWidget needs the widest of its pages, so each tab is filled and then measured while it is
the current one, as in use (a hidden page's size changes reach the window once it is shown).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QEvent, QSize
from PySide6.QtWidgets import QApplication, QWidget

from smartcart_desktop.admin.admin_controller import SessionHistory
from smartcart_desktop.admin.admin_models import (
    MethodLine,
    Mismatch,
    OfflinePayment,
    OfflinePayments,
    Reconciliation,
    RefundInfo,
    Shift,
    Stats,
    Total,
    Unsettled,
    ZReport,
)
from smartcart_desktop.admin.admin_window import AdminWindow
from smartcart_desktop.admin.export_request import ExportRequest, ExportResult
from smartcart_desktop.admin.report_range import DayRange
from smartcart_desktop.api.models import Summary
from tests.desktop.conftest import StartKiosk
from tests.desktop.fakes import session
from tests.desktop.test_admin_panel import PIN, unlock

SMALL = QSize(800, 600)
LONG_CHARGE = "ch_" + "9f" * 16
LONG_UPI = "asha.rao.koramangala.bengaluru@okhdfcbank"
# As `python -m backend kiosk add` makes them: "k" and 16 hex digits.
LONG_KIOSK = "k" + "0123456789abcdef"


def fullest_history() -> SessionHistory:
    paid = session(
        "COMPLETED", method="upi", upi_id=LONG_UPI, gateway_charge_id=LONG_CHARGE, attempts=3, interruptions=2,
        last_interruption_reason="NETWORK_ERROR", decline_code="insufficient_funds_after_retry",
        finished_at=datetime.now(UTC), amount_minor=12_345_678, kiosk_id=LONG_KIOSK,
    )
    summary = Summary(session_id=paid.session_id, order_id=paid.order_id, status=paid.status, attempts=3,
                      max_attempts=3, duration_seconds=4000.0, interruptions=2,
                      last_interruption_reason="NETWORK_ERROR", can_resume=False)
    refunds = tuple(RefundInfo(refund_id=n, amount_minor=100_000, currency="INR", reason="not dispensed",
                               status="pending" if n else "succeeded") for n in range(4))
    return SessionHistory(session=paid, summary=summary, refunds=refunds)


def offline_payments() -> OfflinePayments:
    now = datetime.now(UTC)
    rows = [
        OfflinePayment(session_id="a" * 32, order_id=123_456, amount_minor=9_999_999, currency="INR", method="card",
                       card_last4="4242", status="OFFLINE_ACCEPTED", accepted_at=now, forward_attempts=12,
                       last_error="The gateway could not be reached (ClientConnectorError) " * 2, loss=True),
        OfflinePayment(session_id="b" * 32, order_id=7, amount_minor=4000, currency="INR", method="upi",
                       status="OFFLINE_ACCEPTED", accepted_at=now, near_age_limit=True),
    ]
    return OfflinePayments(payments=rows, waiting=2, waiting_total_minor=10_003_999)


def today_stats() -> Stats:
    taken = [Total(currency="INR", sessions=99, amount_minor=123_456_789), Total(currency="USD", sessions=3,
                                                                                 amount_minor=99_999)]
    return Stats(sessions=12_345, interruptions=6_789, by_status=[], by_method=[], by_reason=[], taken=taken,
                 taken_by_method=[], not_yet_collected=taken)


def closed_shift() -> Shift:
    now = datetime.now(UTC)
    lines = [MethodLine(method=m, currency="INR", payments=1234, taken_minor=12_345_678, refunds=12,
                        refunded_minor=123_456, net_minor=12_222_222) for m in ("cash", "card", "upi")]
    mismatches = [Mismatch(kind="charge_without_session", detail="A charge the gateway took that no completed "
                           f"session names: {LONG_CHARGE}", charge_id=LONG_CHARGE, amount_minor=4000)]
    report = ZReport(
        shift_id=12, final=True, currency="INR", opened_at=now, until=now, opening_float_minor=200_000,
        methods=lines, taken_minor=37_037_034, refunded_minor=370_368, net_minor=36_666_666,
        cash_taken_minor=12_345_678, cash_refunded_minor=123_456, expected_cash_minor=12_422_222,
        counted_cash_minor=12_422_000, difference_minor=-222, note="one coin short",
        unsettled=[Unsettled(kind="offline", session_id="c" * 32, amount_minor=4000,
                             detail="accepted while the gateway was unreachable, not forwarded yet")],
        reconciliation=Reconciliation(checked=True, detail="", matched_charges=3, matched_refunds=1,
                                      mismatches=mismatches),
    )
    return Shift(shift_id=12, status="closed", currency="INR", opening_float_minor=200_000, opened_at=now,
                 closed_at=now, counted_cash_minor=12_422_000, report=report)


def fill_every_tab(panel: AdminWindow) -> None:
    panel.history.show_history(fullest_history())
    panel.offline.show_offline(offline_payments())
    panel.today.show_stats(today_stats())
    panel.shift.show_shift(closed_shift())
    for choice in (panel.history_list.kiosk, panel.exports.kiosk):
        choice.add_seen(["default", LONG_KIOSK])
    request = ExportRequest(fmt="csv", days=DayRange.today())
    far = Path("/home/operator/Documents/exports/of/a/rather/deep/folder/smartcart-sessions-2026-12-01.csv")
    panel.exports.show_finished(ExportResult(request=request, path=far, size=123_456_789, rows=1_234_567))
    panel.show_notice("Could not refresh: The backend cannot be reached (ClientConnectorError). " * 2, True)


def needed(panel: AdminWindow, page: QWidget) -> QSize:
    """`page` current, laid out as the event loop would (layout requests only); the window's minimum."""
    panel.tabs.setCurrentWidget(page)
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    return panel.minimumSizeHint()


async def test_every_admin_tab_fits_800_by_600_at_its_fullest(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(admin_pin=PIN) as kiosk:
        panel = await unlock(kiosk)
        fill_every_tab(panel)
        too_big = {}
        for index in range(panel.tabs.count()):
            page = panel.tabs.widget(index)
            size = needed(panel, page)
            if page.minimumSizeHint().width() > SMALL.width() or not fits(size):
                too_big[panel.tabs.tabText(index)] = (page.minimumSizeHint().width(), size.width(), size.height())
        assert too_big == {}
        screen = panel.screen().availableGeometry().size()
        assert fits(panel.size(), screen), (panel.size(), screen)


async def test_on_an_800_pixel_screen_the_facts_fold_into_fewer_columns_and_stay_whole(
    start_kiosk: StartKiosk,
) -> None:
    async with start_kiosk(admin_pin=PIN) as kiosk:
        panel = await unlock(kiosk)
        panel.history.show_history(fullest_history())
        panel.tabs.setCurrentIndex(1)
        panel.resize(SMALL)
        grid = panel.history.facts_grid
        await kiosk.waits.until(lambda: grid.columns < 3 and panel.history.facts["chargeId"].isVisible())
        assert panel.size() == SMALL  # the window did not grow to fit three columns
        for key in ("chargeId", "method", "kiosk"):
            label = panel.history.facts[key]
            assert label.width() >= label.minimumSizeHint().width(), key  # not squeezed: nothing cut off
        assert panel.history.facts["kiosk"].text() == LONG_KIOSK

        panel.resize(1800, 600)  # room again: back to three columns
        await kiosk.waits.until(lambda: grid.columns == 3)


def fits(size: QSize, screen: QSize = SMALL) -> bool:
    return size.width() <= screen.width() and size.height() <= screen.height()
