"""The admin panel, against the real embedded backend: PIN, live sessions, history, today's
figures, operator actions, offline payments and exports."""

from __future__ import annotations

import asyncio
import csv
import json
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton

from smartcart_desktop.admin.admin_api import AdminApi, Locked
from smartcart_desktop.admin.admin_models import (
    OfflinePayment,
    OfflinePayments,
    Stats,
    Total,
)
from smartcart_desktop.admin.admin_window import AdminWindow
from smartcart_desktop.admin.export_request import ExportRequest, ExportResult
from smartcart_desktop.admin.exporter import Exporter
from smartcart_desktop.admin.file_sink import partial_path, save_stream
from smartcart_desktop.admin.glance_view import OUTCOMES_TITLE, REASONS_TITLE
from smartcart_desktop.admin.offline_view import (
    LOSS_BACKGROUND,
    NEAR_LIMIT_BACKGROUND,
    OfflineView,
)
from smartcart_desktop.admin.report_range import DayRange
from smartcart_desktop.admin.sessions_model import (
    AMOUNT,
    SORT_ROLE,
    ActiveSessionsModel,
    SessionsProxy,
)
from smartcart_desktop.api.models import Session
from smartcart_desktop.api.payment_details import CardDetails
from smartcart_desktop.checkout.state import Stage
from tests.desktop.conftest import (
    DECLINED_CARD,
    Kiosk,
    StartKiosk,
    Waits,
    visible_dialog,
)
from tests.pdf_text import pdf_text

PIN = "1357"


# ---- helpers ------------------------------------------------------------------------------------


def panel_of(kiosk: Kiosk) -> AdminWindow:
    window = kiosk.window.admin.window
    assert window is not None, "the admin panel is not open"
    return window


async def enter_pin(kiosk: Kiosk, pin: str) -> None:
    dialog = await kiosk.dialog("adminPinDialog")
    edit = dialog.findChild(QLineEdit, "pinEdit")
    assert edit is not None
    button = dialog.findChild(QPushButton, "unlockButton")
    assert edit is not None and button is not None
    edit.clear()
    kiosk.qtbot.keyClicks(edit, pin)
    await kiosk.waits.until(button.isEnabled)  # not while the last PIN is still being checked
    kiosk.click(button)


async def unlock(kiosk: Kiosk, pin: str = PIN) -> AdminWindow:
    kiosk.window.admin.action.trigger()
    await enter_pin(kiosk, pin)
    entry = kiosk.window.admin
    await kiosk.waits.until(lambda: entry.window is not None and entry.window.isVisible())
    return panel_of(kiosk)


async def pin_error(kiosk: Kiosk) -> str:
    dialog = await kiosk.dialog("adminPinDialog")
    label = dialog.findChild(QLabel, "pinError")
    assert label is not None
    await kiosk.waits.until(lambda: label.isVisible() and bool(label.text()))
    return label.text()


async def new_session(kiosk: Kiosk, items: dict[str, int] | None = None) -> str:
    order = await kiosk.api.create_order(items or {"masala-chai": 1})
    return (await kiosk.api.create_session(order.order_id)).session_id


def card(number: str) -> CardDetails:
    return CardDetails(number=number, holder="Asha Rao", expiry="12/39", cvv="123")


def fact(panel: AdminWindow, key: str) -> str:
    return panel.history.facts[key].text()


def is_subsequence(wanted: Sequence[str], seen: Iterable[str]) -> bool:
    remaining = iter(seen)
    return all(any(kind == w for kind in remaining) for w in wanted)


# ---- the PIN ------------------------------------------------------------------------------------


async def test_a_wrong_pin_is_refused_and_the_right_one_opens_the_panel(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(admin_pin=PIN) as kiosk:
        entry = kiosk.window.admin
        entry.action.trigger()
        await enter_pin(kiosk, "0000")
        assert await pin_error(kiosk) == "Wrong PIN"
        assert entry.panel is None and visible_dialog(kiosk.window, "adminPinDialog") is not None

        await enter_pin(kiosk, PIN)
        await kiosk.waits.until(lambda: entry.window is not None and entry.window.isVisible())
        assert visible_dialog(kiosk.window, "adminPinDialog") is None
        panel = panel_of(kiosk)
        assert panel.objectName() == "adminWindow"

        # Lock: the window goes and the token with it; opening again asks for the PIN again.
        lock = panel.findChild(QPushButton, "lockButton")
        assert lock is not None
        kiosk.click(lock)
        await kiosk.waits.until(lambda: entry.panel is None)
        entry.action.trigger()
        await kiosk.dialog("adminPinDialog")
        assert entry.panel is None


async def test_a_long_press_on_the_status_bar_asks_for_the_pin(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(admin_pin=PIN) as kiosk:
        status = kiosk.window.statusBar()
        kiosk.qtbot.mousePress(status, Qt.MouseButton.LeftButton, pos=status.rect().center())
        dialog = await kiosk.dialog("adminPinDialog", timeout=4000)
        kiosk.qtbot.mouseRelease(status, Qt.MouseButton.LeftButton, pos=status.rect().center())
        kiosk.answer(dialog, "cancelButton")
        await kiosk.waits.until(lambda: visible_dialog(kiosk.window, "adminPinDialog") is None)
        # A short tap does nothing.
        kiosk.qtbot.mouseClick(status, Qt.MouseButton.LeftButton, pos=status.rect().center())
        assert visible_dialog(kiosk.window, "adminPinDialog") is None and kiosk.window.admin.panel is None


async def test_too_many_wrong_pins_lock_the_check_for_a_while(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(admin_pin=PIN) as kiosk:
        kiosk.window.admin.action.trigger()
        for _ in range(5):  # the backend allows five wrong guesses, then locks the check
            await enter_pin(kiosk, "9999")
            assert await pin_error(kiosk) == "Wrong PIN"
        await enter_pin(kiosk, PIN)  # even the right PIN waits out the lockout
        await kiosk.waits.until(lambda: "Too many wrong PINs" in (kiosk_pin_error_text(kiosk) or ""))
        assert re.fullmatch(r"Too many wrong PINs\. Try again in \d+ s\.", kiosk_pin_error_text(kiosk) or "")
        assert kiosk.window.admin.panel is None


async def test_a_first_start_with_no_pin_set_shows_the_generated_one_once(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(admin_pin=None) as kiosk:
        message = kiosk.app.pin_message
        assert message is not None and message.isVisible()
        match = re.fullmatch(r"The admin PIN of this kiosk is (\d{6})", message.text())
        assert match, message.text()
        message.accept()
        panel = await unlock(kiosk, match[1])
        assert panel.isVisible()
    async with start_kiosk(admin_pin=None) as kiosk:  # the same data directory: shown no more
        assert kiosk.app.pin_message is None
        await unlock(kiosk, match[1])


async def test_a_guesser_locking_the_check_keeps_the_window_out_briefly_only(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(admin_pin=PIN, admin_pin_lockout_s=3600, admin_pin_window_lockout_s=1) as kiosk:
        link = kiosk.app.services.link  # type: ignore[union-attr]
        guesser = AdminApi(link.url, link.kiosk_token)  # the kiosk token alone, not the window
        try:
            for _ in range(5):
                with pytest.raises(Exception, match="Wrong PIN"):
                    await guesser.unlock("9999")
            with pytest.raises(Exception, match="Try again in 3600 s"):
                await guesser.unlock(PIN)
        finally:
            await guesser.close()

        kiosk.window.admin.action.trigger()
        await enter_pin(kiosk, PIN)
        await kiosk.waits.until(lambda: "Try again in 1 s" in (kiosk_pin_error_text(kiosk) or ""))
        await asyncio.sleep(1.1)
        await enter_pin(kiosk, PIN)
        entry = kiosk.window.admin
        await kiosk.waits.until(lambda: entry.window is not None and entry.window.isVisible())


def kiosk_pin_error_text(kiosk: Kiosk) -> str | None:
    dialog = visible_dialog(kiosk.window, "adminPinDialog")
    label = dialog.findChild(QLabel, "pinError") if dialog else None
    return label.text() if label is not None and label.isVisible() else None


async def test_admin_calls_need_the_pin_not_just_the_kiosk_token(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(admin_pin=PIN) as kiosk:
        api = AdminApi(kiosk.api.base_url, kiosk.app.services.link.kiosk_token)  # type: ignore[union-attr]
        try:
            with pytest.raises(Locked):
                await api.active_sessions()
            await api.unlock(PIN)
            assert (await api.active_sessions()).total == 0
            api.lock()
            with pytest.raises(Locked):
                await api.stats(DayRange.today())
        finally:
            await api.close()


# ---- live sessions and a session's history ------------------------------------------------------


async def test_an_interrupted_payment_is_live_in_the_table_then_its_full_history_shows(
    start_kiosk: StartKiosk,
) -> None:
    async with start_kiosk(admin_pin=PIN) as kiosk:
        await kiosk.fault("timeout")
        await kiosk.checkout()
        await kiosk.pay_by_card()
        timeout_dialog = await kiosk.dialog("timeoutDialog")
        session_id = kiosk.session_id

        panel = await unlock(kiosk)
        active = panel.active
        await kiosk.waits.until(lambda: active.row_of(session_id) is not None)
        row = active.row_of(session_id)
        assert row is not None
        shown = [active.proxy.index(row, column).data() for column in range(8)]
        assert shown[1:6] == ["#1", "₹80.00", "Visa •4242", "INTERRUPTED (TIMEOUT)", "1/3"]

        # A tap on the row opens the session's history.
        table = active.table
        kiosk.qtbot.mouseClick(
            table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(active.proxy.index(row, 1)).center()
        )
        await kiosk.waits.until(lambda: panel.history.history is not None)
        assert panel.tabs.currentIndex() == 1
        assert fact(panel, "status") == "INTERRUPTED (TIMEOUT)"
        assert panel.history.cancel_button.isEnabled()

        # The customer retries and pays; the open history follows the session to its end.
        await kiosk.fault("none")
        kiosk.answer(timeout_dialog, "retryButton")
        await kiosk.receipt()
        await kiosk.waits.until(lambda: fact(panel, "status") == "COMPLETED", timeout=8000)

        session = await kiosk.api.session(session_id, history=True)
        assert session.gateway_charge_id
        assert fact(panel, "chargeId") == session.gateway_charge_id
        assert (fact(panel, "interruptions"), fact(panel, "lastReason")) == ("1", "TIMEOUT")
        assert fact(panel, "attempts") == "2 of 3" and fact(panel, "amount") == "₹80.00"
        kinds = panel.history.event_kinds()
        assert kinds[0] == "created" and kinds[-1] == "completed"
        assert is_subsequence(["created", "attempt", "interrupted", "resumed", "completed"], kinds), kinds
        assert kinds == [e.kind for e in session.events or []]
        rows = panel.history.event_rows()
        interrupted = rows[kinds.index("interrupted")]
        assert interrupted[0] == "Interrupted" and interrupted[1].startswith("TIMEOUT")
        assert rows[-1][2] == "COMPLETED" and interrupted[2] == "INTERRUPTED"
        assert not panel.history.cancel_button.isEnabled()  # nothing to do on a finished payment

        # It has left the live table, and today's figures count it with its interruption.
        await kiosk.waits.until(lambda: active.row_of(session_id) is None)
        chart = panel.today.chart
        await kiosk.waits.until(lambda: chart.values().get(OUTCOMES_TITLE, {}).get("Completed") == 1)
        assert chart.values()[REASONS_TITLE] == {"TIMEOUT": 1}


async def test_a_session_opens_by_its_pasted_id(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(admin_pin=PIN) as kiosk:
        await kiosk.checkout(("filter-coffee", 1))
        await kiosk.pay_by_card()
        await kiosk.receipt()
        session_id = kiosk.session_id
        panel = await unlock(kiosk)
        panel.tabs.setCurrentIndex(1)
        history = panel.history

        kiosk.qtbot.keyClicks(history.lookup, "not-a-session")
        kiosk.click(history.lookup_button)
        await kiosk.waits.until(history.lookup_error.isVisible)
        assert history.lookup_error.text().startswith("That is not a session id")

        history.lookup.clear()
        kiosk.qtbot.keyClicks(history.lookup, "0" * 32)
        kiosk.qtbot.keyClick(history.lookup, Qt.Key.Key_Return)
        await kiosk.waits.until(lambda: history.lookup_error.text() == "No payment session with this id.")

        history.lookup.clear()
        kiosk.qtbot.keyClicks(history.lookup, f"  {session_id.upper()} ")  # as pasted from a receipt
        kiosk.click(history.lookup_button)
        await kiosk.waits.until(lambda: history.history is not None)
        assert history.title.text() == f"Session {session_id}"
        assert history.event_kinds() == ["created", "attempt", "completed"]
        assert fact(panel, "chargeId") == (await kiosk.api.session(session_id)).gateway_charge_id
        assert fact(panel, "amount") == "₹55.00" and not history.lookup_error.isVisible()


# ---- operator actions ---------------------------------------------------------------------------


async def test_operator_actions_need_a_reason_and_are_recorded_in_the_history(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(admin_pin=PIN) as kiosk:
        session_id = await new_session(kiosk)  # a session nobody is paying: stuck at INITIATED
        panel = await unlock(kiosk)
        await kiosk.waits.until(lambda: panel.active.row_of(session_id) is not None)
        panel.open_session(session_id)
        await kiosk.waits.until(lambda: panel.history.history is not None)

        # Check with the gateway now, with a reason.
        kiosk.click(panel.history.reconcile_button)
        dialog = await kiosk.dialog("reasonDialog")
        kiosk.qtbot.keyClicks(dialog.findChild(QLineEdit, "reasonEdit"), "customer says the card was charged")
        kiosk.answer(dialog, "confirmButton")
        await kiosk.waits.until(lambda: "operator_reconcile" in panel.history.event_kinds())

        # Cancel: an empty reason is refused and the dialog stays.
        kiosk.click(panel.history.cancel_button)
        dialog = await kiosk.dialog("reasonDialog")
        kiosk.answer(dialog, "confirmButton")
        error = dialog.findChild(QLabel, "reasonError")
        assert error is not None and error.isVisible() and dialog.isVisible()
        kiosk.qtbot.keyClicks(dialog.findChild(QLineEdit, "reasonEdit"), "   ")
        kiosk.answer(dialog, "confirmButton")
        assert dialog.isVisible()
        kiosk.qtbot.keyClicks(dialog.findChild(QLineEdit, "reasonEdit"), "customer walked away")
        kiosk.answer(dialog, "confirmButton")
        await kiosk.waits.until(lambda: fact(panel, "status") == "CANCELLED")

        rows = panel.history.event_rows()
        kinds = panel.history.event_kinds()
        assert kinds[0] == "created" and kinds[-1] == "cancelled"
        reconcile = rows[kinds.index("operator_reconcile")]
        assert reconcile[1] == "operator: customer says the card was charged"
        assert rows[-1] == ("Cancelled", "operator: customer walked away", "CANCELLED")
        assert reconcile[2] == ""  # asking the gateway did not move the session
        assert (await kiosk.api.session(session_id)).status == "CANCELLED"
        await kiosk.waits.until(lambda: panel.active.row_of(session_id) is None)
        assert not panel.history.cancel_button.isEnabled()
        assert panel.notice.text() == "Payment cancelled."


# ---- today at a glance --------------------------------------------------------------------------


async def test_today_at_a_glance_counts_outcomes_and_draws_them(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(admin_pin=PIN) as kiosk:
        await kiosk.checkout(("masala-chai", 1), ("veg-sandwich", 1))
        await kiosk.pay_by_card()
        await kiosk.receipt()
        declined = await new_session(kiosk, {"water-1l": 1})
        await kiosk.api.pay(declined, card(DECLINED_CARD))
        cancelled = await new_session(kiosk, {"samosa-2": 1})
        await kiosk.api.cancel(cancelled, "changed their mind")

        panel = await unlock(kiosk)
        today = panel.today
        await kiosk.waits.until(lambda: today.glance is not None and today.glance.outcomes["Declined"] == 1)
        assert today.glance is not None
        assert today.glance.outcomes == {"Completed": 1, "Declined": 1, "Cancelled": 1, "Expired": 0, "Failed": 0}
        assert today.glance.taken == {"INR": 16000}
        assert today.taken.text() == "₹160.00"
        assert today.glance.sessions == 3
        assert today.chart.values() == {
            OUTCOMES_TITLE: {"Completed": 1, "Declined": 1, "Cancelled": 1, "Expired": 0, "Failed": 0},
            REASONS_TITLE: {},
        }
        picture = today.chart.grab()
        assert not picture.isNull() and picture.width() > 300 and today.chart.paint_count > 0


# ---- offline payments ---------------------------------------------------------------------------


async def test_offline_payments_show_waiting_then_the_loss_and_forward_now(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(admin_pin=PIN, offline_enabled=True) as kiosk:
        await kiosk.fault("offline")
        await kiosk.checkout()
        await kiosk.pay_by_card(DECLINED_CARD)
        await kiosk.stage(Stage.OFFLINE_ACCEPTED)
        session_id = kiosk.session_id

        panel = await unlock(kiosk)
        panel.tabs.setCurrentIndex(2)
        offline = panel.offline
        await kiosk.waits.until(lambda: [p.session_id for p in offline.payments] == [session_id])
        assert offline.table.item(0, 6).text() == "waiting"
        assert offline.table.item(0, 5).text() == "not yet"
        assert offline.summary.text().startswith("1 waiting to be forwarded (₹80.00)")

        await kiosk.fault("none")
        kiosk.click(offline.forward_button)
        await kiosk.waits.until(lambda: panel.notice.text().startswith("Forward"))
        await kiosk.waits.until(lambda: bool(offline.payments) and offline.payments[0].outcome == "DECLINED")
        assert offline.payments[0].loss and offline.payments[0].forwarded_at is not None
        assert offline.highlight_of(0) == LOSS_BACKGROUND
        assert offline.table.item(0, 8).text() == "Loss: declined after it was accepted"
        assert "1 lost" in offline.summary.text()


def test_offline_rows_near_the_age_limit_and_losses_are_highlighted(qtbot: Any) -> None:
    now = datetime.now(UTC)

    def payment(session: str, **extra: Any) -> OfflinePayment:
        return OfflinePayment(
            session_id=session * 32, order_id=1, amount_minor=4000, currency="INR", method="card",
            card_last4="4242", status="OFFLINE_ACCEPTED", accepted_at=now - timedelta(hours=20), **extra
        )

    view = OfflineView()
    qtbot.addWidget(view)
    view.show_offline(
        OfflinePayments(
            payments=[
                payment("a", near_age_limit=True),
                payment("b", outcome="DECLINED", loss=True, forwarded_at=now),
                payment("c", outcome="COMPLETED", forwarded_at=now),
            ],
            waiting=1,
            waiting_total_minor=4000,
        )
    )
    assert [view.highlight_of(row) for row in range(3)] == [NEAR_LIMIT_BACKGROUND, LOSS_BACKGROUND, None]
    assert view.table.item(0, 8).text() == "Near the age limit: forward now"


# ---- exports ------------------------------------------------------------------------------------


async def export_to(kiosk: Kiosk, panel: AdminWindow, fmt: str, target: Path) -> ExportResult:
    async def choose(_request: ExportRequest) -> Path:
        return target

    panel.choose_export_path = choose
    panel.exports.set_format(fmt)
    exporter = kiosk.window.admin.panel.exporter  # type: ignore[union-attr]
    args = await kiosk.waits.signal(
        exporter.finished, lambda: kiosk.click(panel.exports.export_button), timeout=10000
    )
    return args[0]


async def test_each_export_format_is_written_where_the_operator_chose_and_parses_back(
    start_kiosk: StartKiosk, tmp_path: Path
) -> None:
    async with start_kiosk(admin_pin=PIN) as kiosk:
        await kiosk.checkout()
        await kiosk.pay_by_card()
        await kiosk.receipt()
        completed = kiosk.session_id
        cancelled = await new_session(kiosk, {"water-1l": 2})
        await kiosk.api.cancel(cancelled, "changed their mind")
        charge = (await kiosk.api.session(completed)).gateway_charge_id

        panel = await unlock(kiosk)
        panel.tabs.setCurrentIndex(3)
        exports = panel.exports
        assert exports.from_date.date().toPython() == date.today() == exports.to_date.date().toPython()

        result = await export_to(kiosk, panel, "csv", tmp_path / "sessions.csv")
        with (tmp_path / "sessions.csv").open(newline="", encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
        assert {r["sessionId"]: r["status"] for r in rows} == {completed: "COMPLETED", cancelled: "CANCELLED"}
        paid = next(r for r in rows if r["sessionId"] == completed)
        assert (paid["amount"], paid["amountMinor"], paid["gatewayChargeId"]) == ("80.00", "8000", charge)
        assert result.rows == 2 and exports.progress.format() == "Done"
        assert "2 sessions" in exports.message.text()

        await export_to(kiosk, panel, "json", tmp_path / "sessions.json")
        document = json.loads((tmp_path / "sessions.json").read_text(encoding="utf-8"))
        assert document["total"] == 2
        assert [s["sessionId"] for s in document["sessions"]] == [completed, cancelled]

        result = await export_to(kiosk, panel, "pdf", tmp_path / "sessions.pdf")
        data = (tmp_path / "sessions.pdf").read_bytes()
        assert data.startswith(b"%PDF") and result.size == len(data) and result.rows is None
        text = pdf_text(data)
        for expected in ("SmartCart - payment sessions", "Sessions by outcome", "COMPLETED", "CANCELLED",
                         completed, cancelled, "2 sessions listed."):
            assert expected in text, expected

        # The status filter narrows the export.
        exports.status.setCurrentIndex(exports.status.findData("COMPLETED"))
        result = await export_to(kiosk, panel, "csv", tmp_path / "completed.csv")
        with (tmp_path / "completed.csv").open(newline="", encoding="utf-8") as file:
            assert [r["sessionId"] for r in csv.DictReader(file)] == [completed]
        assert result.rows == 1
        assert not list(tmp_path.glob("*.part"))


class SlowExportApi:
    """Stands in for AdminApi: the stats say 3 sessions; the export sends one row, then stalls."""

    def __init__(self) -> None:
        self.rows_sent = asyncio.Event()

    async def stats(self, days: DayRange, kiosk: str | None = None) -> Stats:
        return Stats(
            sessions=3, interruptions=0, by_method=[], by_reason=[],
            by_status=[Total(key="COMPLETED", currency="INR", sessions=3, amount_minor=1)],
            taken=[], taken_by_method=[], not_yet_collected=[],
        )

    @asynccontextmanager
    async def export(
        self, fmt: str, days: DayRange, statuses: Sequence[str], kiosk: str | None = None
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"sessionId,status\r\n"
            yield b"a,COMPLETED\r\n"
            self.rows_sent.set()
            await asyncio.Event().wait()  # the rest never comes
            yield b""

        yield chunks()


async def test_a_cancelled_export_stops_and_leaves_no_file(waits: Waits, tmp_path: Path) -> None:
    api = SlowExportApi()
    exporter = Exporter(api)  # type: ignore[arg-type]
    progress: list[tuple[int, int]] = []
    exporter.progress.connect(lambda done, expected: progress.append((done, expected)))
    cancelled: list[bool] = []
    exporter.cancelled.connect(lambda: cancelled.append(True))
    target = tmp_path / "big.csv"
    try:
        task = exporter.start(ExportRequest("csv", DayRange.today()), target)
        assert task is not None and exporter.busy
        await waits.until(lambda: progress[-1:] == [(1, 3)])  # one of the three sessions so far
        assert partial_path(target).exists() and not target.exists()
        exporter.cancel()
        await waits.until(lambda: cancelled == [True] and task.done())
        assert not target.exists() and not partial_path(target).exists() and not exporter.busy
    finally:
        await exporter.stop()


async def test_a_file_is_written_off_the_loop_and_moved_into_place_when_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from smartcart_desktop.admin import file_sink

    threads: dict[str, str] = {}
    real_replace = file_sink.os.replace

    def replace(source: Path, target: Path) -> None:
        threads["replace"] = threading.current_thread().name
        assert source == partial_path(target) and source.stat().st_size == 5000
        real_replace(source, target)

    monkeypatch.setattr(file_sink.os, "replace", replace)

    async def chunks() -> AsyncIterator[bytes]:
        for index in range(5):
            yield bytes([index]) * 1000

    size = await save_stream(chunks(), tmp_path / "out.bin", lambda _chunk: threads.setdefault(
        "progress", threading.current_thread().name))
    assert size == 5000 and (tmp_path / "out.bin").read_bytes()[1000:2000] == b"\x01" * 1000
    assert threads["progress"] == threading.main_thread().name  # progress is reported on the loop…
    assert threads["replace"].startswith("file-sink")  # …the file work happens on its own thread
    assert not partial_path(tmp_path / "out.bin").exists()


# ---- the sessions table -------------------------------------------------------------------------


def make_session(session_id: str, amount_minor: int, minutes_old: float) -> Session:
    created = datetime.now(UTC) - timedelta(minutes=minutes_old)
    return Session.model_validate(
        {
            "sessionId": session_id * 32, "orderId": 1, "status": "INTERRUPTED", "attempts": 1,
            "maxAttempts": 3, "canResume": True, "needsPaymentDetails": False,
            "lastInterruptionReason": "NETWORK_ERROR", "amountMinor": amount_minor, "currency": "INR",
            "method": "upi", "upiId": "asha@okbank", "createdAt": created.isoformat(),
            "updatedAt": created.isoformat(), "expiresAt": (created + timedelta(minutes=15)).isoformat(),
        }
    )


def test_the_sessions_table_sorts_numbers_as_numbers_and_updates_in_place(qtbot: Any) -> None:
    model = ActiveSessionsModel()
    proxy = SessionsProxy(model)
    model.set_sessions([make_session("a", 9000, 1), make_session("b", 100000, 5), make_session("c", 25000, 14.5)])
    proxy.sort(AMOUNT, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, AMOUNT).data() for r in range(3)] == ["₹90.00", "₹250.00", "₹1,000.00"]
    assert proxy.index(0, AMOUNT).data(SORT_ROLE) == 9000
    assert proxy.index(2, 4).data() == "INTERRUPTED (NETWORK_ERROR)"
    assert proxy.index(0, 3).data() == "UPI asha@okbank"

    inserted: list[int] = []
    removed: list[int] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append(last - first + 1))
    model.rowsRemoved.connect(lambda _parent, first, last: removed.append(last - first + 1))
    model.set_sessions([make_session("b", 100000, 5), make_session("c", 25000, 14.9), make_session("d", 500, 0)])
    assert (inserted, removed) == ([1], [1])  # "a" went, "d" came, the rest stayed where they were
    assert [proxy.index(r, AMOUNT).data() for r in range(3)] == ["₹5.00", "₹250.00", "₹1,000.00"]
    expiring = model.index(model.session_ids().index("c" * 32), 7)
    assert re.fullmatch(r"\d s", expiring.data())  # 6 s left, give or take the clock
    assert expiring.data(Qt.ItemDataRole.ForegroundRole) is not None  # red: about to expire
    assert model.index(model.session_ids().index("d" * 32), 7).data(Qt.ItemDataRole.ForegroundRole) is None


# ---- the kiosk's day ----------------------------------------------------------------------------


def test_a_day_range_is_the_kiosks_local_day(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    day = DayRange(date(2026, 11, 26), date(2026, 11, 27))
    try:
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
        assert day.query() == {"from": "2026-11-26", "to": "2026-11-27"}  # the backend's UTC days
        monkeypatch.setenv("TZ", "Asia/Kolkata")
        time.tzset()
        assert day.query() == {"from": "2026-11-26T00:00:00.000+05:30", "to": "2026-11-27T23:59:59.999+05:30"}
    finally:
        monkeypatch.undo()
        time.tzset()
    with pytest.raises(ValueError):
        DayRange(date(2026, 11, 27), date(2026, 11, 26))
