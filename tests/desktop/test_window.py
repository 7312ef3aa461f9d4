"""The window's own behaviour: validation as you type, keyboard, status bar, kiosk mode."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QPushButton

from smartcart_desktop.app.options import LaunchOptions
from smartcart_desktop.checkout.state import Stage
from smartcart_desktop.ui.main_window import OPERATOR_QUIT_SHORTCUT
from tests.desktop.conftest import FAST_OPTIONS, Kiosk, StartKiosk, dialog_text, visible_dialog


async def test_card_fields_are_checked_by_the_backend_as_they_are_typed(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        await kiosk.checkout()
        screen = kiosk.window.payment_screen
        kiosk.choose("card")
        kiosk.qtbot.keyClicks(screen.number.edit, "4242 4242 4242 4241")
        await kiosk.waits.until(lambda: screen.number.problem.text() != "")
        assert screen.number.problem.text() == "Card number is not valid (check the digits)."
        assert screen.holder.problem.text() == ""  # not touched yet: no complaint
        assert not screen.pay_button.isEnabled()
        await kiosk.type_card()
        assert screen.brand.text() == "Visa" and screen.number.problem.text() == ""


async def test_upi_payment(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        await kiosk.checkout(("water-1l", 3))
        screen = kiosk.window.payment_screen
        kiosk.click(screen.method_buttons["upi"])
        kiosk.qtbot.keyClicks(screen.upi.edit, "asha")
        await kiosk.waits.until(lambda: screen.upi.problem.text() == "UPI id must look like name@bank.")
        kiosk.qtbot.keyClicks(screen.upi.edit, "@okbank")
        await kiosk.waits.until(screen.pay_button.isEnabled)
        kiosk.qtbot.keyClick(screen.upi.edit, Qt.Key.Key_Enter)
        receipt = await kiosk.receipt()
        assert receipt["paid-with"] == "UPI asha@okbank" and receipt["total"] == "₹60.00"


async def test_payment_form_shows_order_attempt_and_session(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        await kiosk.checkout(("paneer-roll", 1), ("filter-coffee", 1))
        screen = kiosk.window.payment_screen
        assert screen.order_label.text() == "Order #1"
        assert screen.amount_label.text() == "₹204.00"
        assert screen.attempt_label.text() == "Attempt 1 of 3"
        assert screen.session_label.text() == f"Session {kiosk.session_id}"


async def test_escape_cancels_the_timeout_dialog(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        await kiosk.fault("timeout")
        await kiosk.checkout()
        await kiosk.pay_by_card()
        dialog = await kiosk.dialog("timeoutDialog")
        await kiosk.fault("none")  # so the backend can void the key and finish the cancel
        kiosk.qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        await kiosk.waits.until(lambda: kiosk.window.cart_screen.notice.text() == "Payment cancelled")


async def test_processing_screen_counts_down_the_gateway_timeout(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(gateway_timeout_s=4) as kiosk:
        await kiosk.fault("timeout")
        await kiosk.checkout()
        await kiosk.pay_by_card()
        bar = kiosk.window.processing_screen.progress
        await kiosk.stage(Stage.PROCESSING)
        assert kiosk.window.processing_screen.headline.text() == "Processing payment..."
        start = bar.value()
        await kiosk.waits.until(lambda: bar.value() < start - 100)  # a tenth of the way down
        assert bar.format().endswith(" s")


async def test_status_bar_shows_gateway_session_and_fault(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        status = kiosk.window.status
        await kiosk.waits.until(lambda: status.gateway.text() == "● Online")
        assert not status.fault.isVisible() and not status.pending.isVisible()  # offline acceptance is off
        await kiosk.fault("offline")
        await kiosk.waits.until(lambda: status.fault.text() == "⚠ Fault: offline")
        await kiosk.checkout()
        assert status.session.text() == f"Session {kiosk.session_id}"
        await kiosk.pay_by_card()
        await kiosk.waits.until(lambda: status.gateway.text() == "✖ Offline")
        await kiosk.fault("none")
        await kiosk.receipt()
        await kiosk.waits.until(lambda: status.gateway.text() == "● Online")
        assert not status.fault.isVisible()


async def test_no_fault_controls_without_tester_mode(start_kiosk: StartKiosk) -> None:
    options = LaunchOptions(poll_interval_s=0.05, health_interval_s=0.05)
    async with start_kiosk(options, tester=False) as kiosk:
        await kiosk.waits.until(lambda: kiosk.app.services is not None
                                and kiosk.app.services.health.view.backend_reachable is True)
        assert kiosk.window.tester_dock is None
        assert not kiosk.window.status.fault.isVisible()


async def test_kiosk_mode_only_the_operator_can_quit_and_only_with_the_pin(start_kiosk: StartKiosk) -> None:
    options = LaunchOptions(kiosk=True, tester=True, poll_interval_s=0.05)
    async with start_kiosk(options, admin_pin="2468") as kiosk:
        window = kiosk.window
        assert window.isFullScreen()
        window.close()  # Alt+F4, the title bar: ignored for customers
        assert window.isVisible() and visible_dialog(window, "closeGuardDialog") is None
        operator = next(a for a in window.actions() if a.shortcut().toString() == OPERATOR_QUIT_SHORTCUT)
        assert isinstance(operator, QAction)
        operator.trigger()
        dialog = await kiosk.dialog("operatorQuitDialog")
        assert dialog_text(dialog) == "Admin PIN to close SmartCart"
        await _tap_pin(kiosk, dialog, "1111")
        error = dialog.findChild(QLabel, "pinError")
        assert error is not None
        await kiosk.waits.until(lambda: error.isVisible() and error.text() == "Wrong PIN")
        assert window.isVisible() and dialog.isVisible()
        await _tap_pin(kiosk, dialog, "2468")
        await kiosk.waits.until(lambda: not window.isVisible())


async def test_cancelling_the_operator_pin_keeps_the_kiosk_open(start_kiosk: StartKiosk) -> None:
    options = LaunchOptions(kiosk=True, tester=True, poll_interval_s=0.05)
    async with start_kiosk(options) as kiosk:
        operator = next(a for a in kiosk.window.actions() if a.shortcut().toString() == OPERATOR_QUIT_SHORTCUT)
        operator.trigger()
        operator.trigger()  # a second press does not stack a second question
        dialog = await kiosk.dialog("operatorQuitDialog")
        assert len([d for d in kiosk.window.findChildren(QDialog, "operatorQuitDialog") if d.isVisible()]) == 1
        kiosk.answer(dialog, "cancelButton")
        await kiosk.waits.until(lambda: not dialog.isVisible())
        assert kiosk.window.isVisible()


async def _tap_pin(kiosk: Kiosk, dialog: QDialog, pin: str) -> None:
    """On the keypad, as a kiosk without a keyboard is used."""
    button = dialog.findChild(QPushButton, "unlockButton")
    edit = dialog.findChild(QLineEdit, "pinEdit")
    assert button is not None and edit is not None and button.text() == "Close SmartCart"
    await kiosk.waits.until(lambda: not edit.isReadOnly())  # not while the last PIN is being checked
    for key in pin:
        kiosk.qtbot.mouseClick(dialog.findChild(QPushButton, f"key-{key}"), Qt.MouseButton.LeftButton)
    assert edit.text() == pin
    kiosk.click(button)


async def test_ctrl_q_closes_the_window_when_no_payment_runs(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(FAST_OPTIONS) as kiosk:
        kiosk.window.activateWindow()  # shortcuts fire in the active window only
        await kiosk.waits.until(kiosk.window.isActiveWindow)
        kiosk.qtbot.keyClick(kiosk.window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
        await kiosk.waits.until(lambda: not kiosk.window.isVisible())


async def test_leaving_the_form_wipes_the_card_without_undo(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        await kiosk.checkout()
        await kiosk.type_card()
        screen = kiosk.window.payment_screen
        kiosk.click(screen.cancel_button)
        await kiosk.stage(Stage.CART)
        for field in (screen.number, screen.cvv):
            assert field.text() == "" and not field.edit.isUndoAvailable()
