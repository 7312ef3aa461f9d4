"""Card on the terminal (issue 13): the kiosk says "Tap, insert or swipe on the terminal" with the
amount and the terminal's id; the card never touches the screen. Approve, decline and cancel
each end as the customer expects.
"""

from __future__ import annotations

from datetime import UTC, datetime

from smartcart_desktop.api.models import Terminal
from smartcart_desktop.checkout import messages
from smartcart_desktop.checkout.state import FlowState, Stage
from smartcart_desktop.tester import dock as tester_dock
from smartcart_desktop.ui.screens.terminal_screen import TerminalScreen
from tests.desktop.conftest import Kiosk, StartKiosk
from tests.desktop.fakes import session


def on_terminal(expires_in_s: float = 120, *, now: float = 1_000_000.0) -> FlowState:
    terminal = Terminal(terminal_id="T7", expires_at=datetime.fromtimestamp(now + expires_in_s, UTC))
    waiting = session("PROCESSING", attempts=1, method="card_present", terminal=terminal)
    return FlowState(stage=Stage.ON_TERMINAL, session=waiting)


def test_the_prompt_names_the_amount_and_the_terminal(qtbot) -> None:  # type: ignore[no-untyped-def]
    clock = [1_000_000.0]
    screen = TerminalScreen(clock=lambda: clock[0])
    qtbot.addWidget(screen)
    screen.show_state(on_terminal(expires_in_s=95))
    assert screen.headline.text() == "Tap, insert or swipe on the terminal"
    assert screen.amount.text() == "₹80.00" and screen.terminal_label.text() == "Terminal T7"
    assert screen.countdown_label.text() == "The terminal waits 1:35"
    clock[0] += 96
    screen.countdown.tick()
    assert screen.detail.text() == messages.TERMINAL_EXPIRED


def test_the_terminal_screen_fits_800_by_600(qtbot) -> None:  # type: ignore[no-untyped-def]
    screen = TerminalScreen()
    qtbot.addWidget(screen)
    screen.show_state(on_terminal())
    hint = screen.minimumSizeHint()
    assert hint.width() <= 800 and hint.height() <= 560, hint


# ---- end to end ---------------------------------------------------------------------------------


def dock_of(kiosk: Kiosk) -> tester_dock.TesterDock:
    dock = kiosk.window.tester_dock
    assert dock is not None
    return dock


async def on_the_terminal(kiosk: Kiosk) -> str:
    await kiosk.checkout(("masala-chai", 2))
    kiosk.choose("card_present")
    screen = kiosk.window.payment_screen
    assert screen.pay_button.text() == "Pay ₹80.00 on the terminal"
    kiosk.click(screen.pay_button)
    await kiosk.stage(Stage.ON_TERMINAL)
    terminal = kiosk.window.terminal_screen
    assert kiosk.window.stack.currentWidget() is terminal
    assert terminal.amount.text() == "₹80.00" and terminal.terminal_label.text().startswith("Terminal ")
    await kiosk.waits.until(lambda: dock_of(kiosk).customer_buttons["pay"].isEnabled())
    return kiosk.session_id


async def test_approved_on_the_terminal_shows_the_receipt(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        session_id = await on_the_terminal(kiosk)
        kiosk.click(dock_of(kiosk).customer_buttons["pay"])
        receipt = await kiosk.receipt()
        assert receipt["total"] == "₹80.00" and "terminal" in receipt["paid-with"].lower()
        assert (await kiosk.api.session(session_id)).status == "COMPLETED"


async def test_declined_on_the_terminal_offers_another_method(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        session_id = await on_the_terminal(kiosk)
        kiosk.click(dock_of(kiosk).customer_buttons["decline"])
        await kiosk.stage(Stage.DECLINED)
        assert kiosk.window.result_screen.another_button.isVisible()
        assert (await kiosk.api.session(session_id)).status == "DECLINED"


async def test_cancel_on_the_terminal_screen_cancels_it(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        session_id = await on_the_terminal(kiosk)
        kiosk.click(kiosk.window.terminal_screen.cancel_button)
        await kiosk.stage(Stage.CART, timeout=8000)
        assert kiosk.window.cart_screen.notice.text() == messages.CANCELLED
        assert (await kiosk.api.session(session_id)).status == "CANCELLED"
