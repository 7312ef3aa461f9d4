"""The payment form (issues 13 and 14): it offers the methods the backend lists; the typed card
number is grouped in fours as typed with the cursor where it was; after Pay the keyboard focus
goes to the next screen's button, never into the tester panel beside it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from smartcart_desktop.checkout.state import FlowState, Stage
from smartcart_desktop.ui.grouped_digits import regroup
from smartcart_desktop.ui.screens.payment_screen import PaymentScreen
from tests.desktop.conftest import GOOD_CARD, Kiosk, StartKiosk
from tests.desktop.fakes import session


def form(qtbot, methods: tuple[str, ...] = ("upi_qr", "card_present", "cash", "card", "upi")) -> PaymentScreen:  # type: ignore[no-untyped-def]
    screen = PaymentScreen()
    qtbot.addWidget(screen)
    screen.show()
    screen.show_state(FlowState(stage=Stage.DETAILS, session=session(), payment_methods=methods))
    return screen


def shown_methods(screen: PaymentScreen) -> list[str]:
    return [key for key, button in screen.method_buttons.items() if button.isVisibleTo(screen)]


# ---- which methods -------------------------------------------------------------------------------


def test_a_kiosk_offers_qr_terminal_and_cash_and_starts_on_the_first(qtbot) -> None:  # type: ignore[no-untyped-def]
    screen = form(qtbot, ("upi_qr", "card_present", "cash"))
    assert shown_methods(screen) == ["upi_qr", "card_present", "cash"]
    assert [screen.method_buttons[m].text() for m in shown_methods(screen)] == [
        "UPI (scan QR)", "Card on terminal", "Cash (operator)"
    ]
    assert screen.method() == "upi_qr"
    assert screen.pay_button.isEnabled() and screen.pay_button.text() == "Show QR code · ₹80.00"
    assert not screen.number.isVisibleTo(screen)  # no typed card outside tester mode


def test_tester_mode_adds_the_typed_forms(qtbot) -> None:  # type: ignore[no-untyped-def]
    screen = form(qtbot)
    assert shown_methods(screen) == ["upi_qr", "card_present", "cash", "card", "upi"]
    qtbot.mouseClick(screen.method_buttons["card"], Qt.MouseButton.LeftButton)
    assert screen.number.isVisibleTo(screen) and not screen.pay_button.isEnabled()


# ---- the card number grouped in fours ------------------------------------------------------------


def test_digits_are_grouped_and_the_cursor_stays_between_the_same_digits() -> None:
    assert regroup("", "42424", 5) == ("4242 4", 6)
    assert regroup("4242 4242", "42942 4242", 3) == ("4294 2424 2", 3)  # typed in the middle
    assert regroup("4242 4", "42424", 4) == ("4244", 3)  # a backspace over the space takes the 2
    assert regroup("", "4242424242424242", 16) == ("4242 4242 4242 4242", 19)  # pasted


def test_the_card_number_is_grouped_as_typed(qtbot) -> None:  # type: ignore[no-untyped-def]
    screen = form(qtbot)
    qtbot.mouseClick(screen.method_buttons["card"], Qt.MouseButton.LeftButton)
    edit = screen.number.edit
    qtbot.keyClicks(edit, "4242424242424242")
    assert edit.text() == "4242 4242 4242 4242" and edit.cursorPosition() == 19
    edit.setCursorPosition(5)  # after "4242 "
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    assert edit.text() == "4244 2424 2424 242" and edit.cursorPosition() == 3
    qtbot.keyClicks(edit, "2")
    assert edit.text() == "4242 4242 4242 4242" and edit.cursorPosition() == 4  # after the 2 again
    qtbot.keyClick(edit, Qt.Key.Key_End)
    qtbot.keyClicks(edit, "999")  # up to 19 digits
    assert edit.text() == "4242 4242 4242 4242 999"


# ---- where the focus goes after Pay --------------------------------------------------------------


def in_dock(kiosk: Kiosk, widget: QWidget | None) -> bool:
    dock = kiosk.window.tester_dock
    return widget is not None and dock is not None and (widget is dock or dock.isAncestorOf(widget))


def on_its_button(screen: QWidget, focused: QWidget | None) -> bool:
    """The focus is on the screen's own main button, or held by the screen itself while that
    button is disabled: not on a method button or a field it happened to be next to."""
    if focused is screen:
        return True
    target = getattr(screen, "focus_target", None)
    expected = target() if callable(target) else None
    if expected is not None:
        return focused is expected
    return isinstance(focused, QPushButton) and screen.isAncestorOf(focused)


async def test_after_pay_the_focus_is_on_the_next_screen_not_the_tester_panel(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(gateway_delay_s=0.3) as kiosk:
        window = kiosk.window
        window.activateWindow()  # focus moves only in the active window
        await kiosk.waits.until(window.isActiveWindow)
        await kiosk.checkout()
        await kiosk.type_card(GOOD_CARD)
        pay = window.payment_screen.pay_button
        pay.setFocus()
        await kiosk.waits.until(pay.hasFocus)
        seen: list[tuple[QWidget, QWidget | None]] = []
        kiosk.flow.state_changed.connect(lambda _state: seen.append((window.stack.currentWidget(), QApplication.focusWidget())))
        kiosk.click(pay)
        await kiosk.receipt()
        assert seen and not any(in_dock(kiosk, focused) for _screen, focused in seen)
        wrong = [(screen.objectName(), focused and focused.objectName()) for screen, focused in seen
                 if not on_its_button(screen, focused)]
        assert not wrong, wrong
        assert QApplication.focusWidget() is window.result_screen.new_order_button
