"""Payment prompts (issue 14, items 1 and 2): shown inside the kiosk window, so the tester panel
and the admin window stay usable while one is up; each message said in one place, in a look of
its own; no stale error on the next cart.

Taps go to the window (QTest on its QWindow), as the window system delivers them: a window
blocked by a modal dialog drops them, as it would a finger's. (QTest on a widget hands the
event to the widget directly, past any modal dialog.)
"""

from __future__ import annotations

import time

import qasync
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QLineEdit, QPushButton, QWidget

from smartcart_desktop.app.options import LaunchOptions
from smartcart_desktop.checkout.state import Stage
from tests.desktop.conftest import DECLINED_CARD, OPERATOR_PIN, Kiosk, StartKiosk, dialog_text

PIN = "1357"


async def tap(widget: QWidget, at: QPoint | None = None) -> None:
    """A click delivered through the top-level window, where modality is enforced. Run from a
    plain Qt callback: QTest processes events after a window event (see conftest's Waits)."""
    window = widget.window().windowHandle()
    assert window is not None and widget.isVisible()
    point = widget.mapTo(widget.window(), at if at is not None else widget.rect().center())
    await qasync.asyncWrap(
        lambda: QTest.mouseClick(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    )


async def switch_from_the_dock(kiosk: Kiosk, mode: str) -> None:
    dock = kiosk.window.tester_dock
    assert dock is not None
    button = dock.mode_buttons[mode]
    await kiosk.waits.until(button.isEnabled)
    await tap(button)
    health = kiosk.app.services.health if kiosk.app.services else None
    assert health is not None
    await kiosk.waits.until(lambda: health.view.fault_mode == mode)


async def open_admin(kiosk: Kiosk) -> None:
    kiosk.window.admin.action.trigger()
    pin = await kiosk.dialog("adminPinDialog")
    edit, unlock = pin.findChild(QLineEdit, "pinEdit"), pin.findChild(QPushButton, "unlockButton")
    assert edit is not None and unlock is not None
    kiosk.qtbot.keyClicks(edit, PIN)
    await kiosk.waits.until(unlock.isEnabled)
    kiosk.click(unlock)
    await kiosk.waits.until(lambda: kiosk.window.admin.window is not None and kiosk.window.admin.window.isVisible())


async def timeout_prompt(kiosk: Kiosk) -> QDialog:
    await switch_from_the_dock(kiosk, "timeout")
    await kiosk.checkout()
    await kiosk.pay_by_card()
    return await kiosk.dialog("timeoutDialog")


async def test_the_tester_clears_the_fault_while_the_timeout_prompt_shows(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        prompt = await timeout_prompt(kiosk)
        assert not prompt.isWindow()  # on the processing screen, not a window over it
        await switch_from_the_dock(kiosk, "none")  # a click on the dock while the prompt is up
        assert prompt.isVisible()
        kiosk.answer(prompt, "retryButton")
        receipt = await kiosk.receipt()
        assert receipt["total"] == "₹80.00"


async def test_the_admin_window_stays_usable_while_the_timeout_prompt_shows(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(admin_pin=PIN) as kiosk:
        prompt = await timeout_prompt(kiosk)
        await open_admin(kiosk)
        admin = kiosk.window.admin.window
        assert admin is not None and prompt.isVisible()
        bar = admin.tabs.tabBar()
        # The next tab: on a small screen the bar scrolls, and a far tab may lie outside it.
        await tap(bar, bar.tabRect(1).center())
        await kiosk.waits.until(lambda: admin.tabs.currentIndex() == 1)
        assert prompt.isVisible()


async def test_escape_answers_the_inline_prompt_with_cancel(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        prompt = await timeout_prompt(kiosk)
        await kiosk.waits.until(prompt.hasFocus)  # it takes the focus when it appears
        await switch_from_the_dock(kiosk, "none")
        prompt.setFocus()
        kiosk.qtbot.keyClick(kiosk.window.focusWidget(), Qt.Key.Key_Escape)
        await kiosk.waits.until(lambda: kiosk.window.cart_screen.notice.text() == "Payment cancelled")


async def test_the_prompt_replaces_the_screens_headline_and_cancel(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        prompt = await timeout_prompt(kiosk)
        screen = kiosk.window.processing_screen
        assert dialog_text(prompt) == "Payment timeout (attempt 1/3). You can retry or cancel."
        assert not screen.cancel_button.isVisible() and not screen.headline.isVisible()
        await switch_from_the_dock(kiosk, "none")
        kiosk.answer(prompt, "retryButton")
        await kiosk.receipt()


def text_colour(widget: QPushButton | QDialog, name: str) -> QColor:
    from PySide6.QtWidgets import QLabel

    label = widget.findChild(QLabel, name)
    assert label is not None
    return label.palette().color(label.foregroundRole())


async def test_a_decline_is_said_once_on_the_result_screen_not_in_green(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        await kiosk.checkout()
        await kiosk.pay_by_card(DECLINED_CARD)
        await kiosk.stage(Stage.DECLINED)
        result = kiosk.window.result_screen
        assert kiosk.window.stack.currentWidget() is result
        assert not [d for d in kiosk.window.findChildren(QDialog) if d.isVisible()]  # no second copy
        assert result.headline.text() == "The card was declined by the bank."
        assert result.headline_icon.kind is not None and result.headline_icon.kind.value == "failure"
        colour = result.headline.palette().color(result.headline.foregroundRole())
        assert colour.red() > 150 and colour.green() < 80, colour.name()  # red, not the success green
        assert result.another_button.isVisible() and result.back_button.isVisible()
        kiosk.click(result.another_button)  # one tap to the next step
        await kiosk.stage(Stage.DETAILS)


async def test_a_success_headline_is_green(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        await kiosk.checkout()
        await kiosk.pay_by_card()
        await kiosk.receipt()
        headline = kiosk.window.result_screen.headline
        colour = headline.palette().color(headline.foregroundRole())
        assert colour.green() > colour.red(), colour.name()


async def test_no_stale_error_on_the_next_empty_cart(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        await kiosk.checkout()
        await kiosk.pay_by_card()
        await kiosk.receipt()
        await kiosk.flow.pay_cash(10_000, OPERATOR_PIN)  # an action that fails on the way: the backend refuses it
        assert kiosk.flow.state.error
        kiosk.click(kiosk.window.result_screen.new_order_button)
        await kiosk.stage(Stage.CART)
        assert kiosk.window.cart_screen.summary.text() == "Your cart is empty."
        assert not kiosk.window.cart_screen.error.isVisible()


async def test_a_retry_the_backend_overtook_shows_where_the_payment_stands(start_kiosk: StartKiosk) -> None:
    """The customer taps Retry just as the backend has moved the payment on by itself (its own
    retry, here started through the API): no error, and not the old "attempt 1/3" question again."""
    async with start_kiosk(gateway_timeout_s=3) as kiosk:
        await kiosk.fault("timeout")
        await kiosk.checkout()
        await kiosk.pay_by_card()
        await kiosk.dialog("timeoutDialog", timeout=10_000)
        first = kiosk.window.prompts.dialog
        assert first is not None
        first_serial = first.prompt.serial
        errors: list[str] = []
        asked: set[tuple[int, tuple[int, int]]] = set()  # (attempts, serial) of each question published
        kiosk.flow.error.connect(errors.append)
        kiosk.flow.state_changed.connect(
            lambda state: state.prompt and asked.add((state.prompt.session.attempts, state.prompt.serial))
        )
        await kiosk.api.resume(kiosk.session_id)  # attempt 2 starts without the window
        await kiosk.flow.retry()  # what the tap on Retry asks for, a moment late
        await kiosk.waits.until(lambda: kiosk.flow.state.session is not None
                                and kiosk.flow.state.session.attempts == 2)
        await kiosk.dialog("timeoutDialog", timeout=10_000)  # attempt 2 timed out as well
        assert errors == []
        old_question = {(1, serial) for attempts, serial in asked if attempts == 1}
        assert old_question <= {(1, first_serial)}, asked  # the first question, never asked anew


async def test_retry_while_the_bank_is_still_unreachable_says_so(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(retry_delay_s=60) as kiosk:
        await kiosk.fault("offline")
        await kiosk.checkout()
        await kiosk.pay_by_card()
        first = await kiosk.dialog("networkDialog")
        assert dialog_text(first) == "Network error detected (attempt 1/3). Would you like to retry?"
        kiosk.answer(first, "retryButton")
        await kiosk.waits.until(lambda: (kiosk.window.prompts.dialog is not None
                                         and kiosk.window.prompts.dialog.prompt.session.attempts == 2))
        again = await kiosk.dialog("networkDialog")
        assert dialog_text(again) == "The bank still cannot be reached (attempt 2/3). Would you like to retry?"


async def test_cancel_is_answered_within_seconds_while_the_gateway_is_unreachable(start_kiosk: StartKiosk) -> None:
    options = LaunchOptions(tester=True, poll_interval_s=0.05, health_interval_s=0.1, cancel_answer_s=1.0)
    async with start_kiosk(options) as kiosk:
        await kiosk.fault("timeout")  # the charge reaches the gateway, its outcome unknown
        await kiosk.checkout()
        await kiosk.pay_by_card()
        prompt = await kiosk.dialog("timeoutDialog")
        session_id = kiosk.session_id
        await kiosk.fault("offline")  # now the void cannot reach it either
        kiosk.answer(prompt, "cancelButton")
        await kiosk.stage(Stage.CANCELLING)
        started = time.monotonic()
        await kiosk.stage(Stage.CART, timeout=4000)
        assert time.monotonic() - started < 3
        notice = kiosk.window.cart_screen.notice
        assert notice.isVisible() and "if anything was taken it will be refunded automatically" in notice.text()
        assert kiosk.app.services and kiosk.app.services.cart.lines() == {"masala-chai": 2}  # to pay again
        assert (await kiosk.admin.session(session_id)).settling_to == "CANCELLED"  # the backend goes on
