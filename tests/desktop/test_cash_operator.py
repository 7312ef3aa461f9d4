"""Cash needs the operator (issue 13): the PIN and the amount received on an on-screen keypad, the
change shown; a wrong PIN is said inline and nothing completes; the right one completes it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from smartcart_desktop.checkout import messages
from smartcart_desktop.checkout.state import FlowState, Stage
from smartcart_desktop.ui.screens.payment_screen import PaymentScreen
from tests.desktop.conftest import OPERATOR_PIN, StartKiosk
from tests.desktop.fakes import session


def cash_form(qtbot) -> PaymentScreen:  # type: ignore[no-untyped-def]
    screen = PaymentScreen()
    qtbot.addWidget(screen)
    screen.show()
    screen.show_state(FlowState(stage=Stage.DETAILS, session=session(), payment_methods=("upi_qr", "cash")))
    qtbot.mouseClick(screen.method_buttons["cash"], Qt.MouseButton.LeftButton)
    return screen


def tap(qtbot, screen: PaymentScreen, keys: str) -> None:  # type: ignore[no-untyped-def]
    for key in keys:
        qtbot.mouseClick(screen.cash.keypad.keys[key], Qt.MouseButton.LeftButton)


def test_the_keypad_types_the_pin_then_the_amount_and_shows_the_change(qtbot) -> None:  # type: ignore[no-untyped-def]
    screen = cash_form(qtbot)
    cash = screen.cash
    qtbot.mouseClick(cash.pin, Qt.MouseButton.LeftButton)
    tap(qtbot, screen, "2468")
    assert cash.pin.text() == "2468" and cash.pin.echoMode() == cash.pin.EchoMode.Password
    assert not screen.pay_button.isEnabled()  # no amount yet
    qtbot.mouseClick(cash.amount, Qt.MouseButton.LeftButton)
    tap(qtbot, screen, "5")
    assert cash.change_label.text() == "Still due: ₹75.00" and not screen.pay_button.isEnabled()
    tap(qtbot, screen, "00")
    assert cash.amount.text() == "500" and cash.change_label.text() == "Change: ₹420.00"
    requested: list[tuple[int, str]] = []
    screen.cash_requested.connect(lambda amount, pin: requested.append((amount, pin)))
    qtbot.mouseClick(screen.pay_button, Qt.MouseButton.LeftButton)
    assert requested == [(50_000, "2468")]


def test_no_pin_no_confirm(qtbot) -> None:  # type: ignore[no-untyped-def]
    screen = cash_form(qtbot)
    qtbot.mouseClick(screen.cash.amount, Qt.MouseButton.LeftButton)
    tap(qtbot, screen, "100")
    assert screen.cash.change_label.text() == "Change: ₹20.00"
    assert not screen.pay_button.isEnabled()


def test_leaving_the_form_wipes_the_pin(qtbot) -> None:  # type: ignore[no-untyped-def]
    screen = cash_form(qtbot)
    qtbot.mouseClick(screen.cash.pin, Qt.MouseButton.LeftButton)
    tap(qtbot, screen, "2468")
    screen.show_state(FlowState(stage=Stage.CART))
    assert screen.cash.pin.text() == "" and screen.cash.amount.text() == ""


async def test_a_wrong_pin_is_said_inline_and_nothing_completes(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        await kiosk.checkout(("mango-lassi", 1))
        screen = kiosk.window.payment_screen
        kiosk.enter_cash("100", pin="1111")
        kiosk.click(screen.pay_button)
        await kiosk.waits.until(lambda: screen.cash.pin_error.text() == messages.WRONG_OPERATOR_PIN)
        assert kiosk.flow.state.stage is Stage.DETAILS and kiosk.window.stack.currentWidget() is screen
        assert screen.cash.pin.text() == "" and screen.cash.amount.text() == "100"  # only the PIN again
        assert (await kiosk.api.session(kiosk.session_id)).status == "INITIATED"
        kiosk.qtbot.mouseClick(screen.cash.pin, Qt.MouseButton.LeftButton)
        kiosk.tap_keys(OPERATOR_PIN)
        kiosk.click(screen.pay_button)
        receipt = await kiosk.receipt()
        assert receipt["paid-with"] == "Cash: received ₹100.00, change ₹10.00"
        assert screen.cash.pin_error.text() == ""


async def test_the_right_pin_completes_the_cash_payment(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        await kiosk.checkout(("mango-lassi", 1))
        kiosk.enter_cash("100")
        kiosk.click(kiosk.window.payment_screen.pay_button)
        receipt = await kiosk.receipt()
        assert receipt["paid-with"] == "Cash: received ₹100.00, change ₹10.00"
        assert (await kiosk.api.session(kiosk.session_id)).status == "COMPLETED"
