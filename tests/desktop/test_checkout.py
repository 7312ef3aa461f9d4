"""The seed's checklist, end to end: the real window against the real embedded backend
and gateway simulator, with faults switched through `PUT /api/dev/faults`."""

from __future__ import annotations

import pytest

from smartcart_desktop.api.errors import AuthError
from smartcart_desktop.checkout import messages
from smartcart_desktop.checkout.state import Stage
from tests.desktop.conftest import (
    DECLINED_CARD,
    StartKiosk,
    dialog_text,
    visible_dialog,
)


async def test_successful_payment(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        headlines: list[str] = []
        headline = kiosk.window.result_screen.headline
        kiosk.flow.state_changed.connect(lambda _state: headlines.append(headline.text()))
        await kiosk.checkout(("masala-chai", 2))
        await kiosk.pay_by_card()
        receipt = await kiosk.receipt()
        assert messages.SUBMITTED.text in headlines  # shown until the order reads as paid
        assert kiosk.window.result_screen.headline.text() == messages.COMPLETED.text
        assert receipt["total"] == "₹80.00"
        assert receipt["paid-with"] == "Visa card ending 4242"
        assert (await kiosk.api.session(kiosk.session_id)).status == "COMPLETED"


async def test_timeout_interruption_and_retry(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        await kiosk.fault("timeout")
        await kiosk.checkout()
        await kiosk.pay_by_card()
        dialog = await kiosk.dialog("timeoutDialog")
        assert dialog_text(dialog) == "Payment timeout (attempt 1/3). You can retry or cancel."
        await kiosk.fault("none")
        kiosk.answer(dialog, "retryButton")
        await kiosk.receipt()
        assert kiosk.session.attempts == 2


async def test_network_error_retry_now(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(retry_delay_s=60) as kiosk:  # no automatic retry during this test
        await kiosk.fault("offline")
        await kiosk.checkout()
        await kiosk.pay_by_card()
        dialog = await kiosk.dialog("networkDialog")
        assert dialog_text(dialog) == "Network error detected (attempt 1/3). Would you like to retry?"
        assert dialog_text(dialog, "detail").startswith("Retrying automatically in ")
        await kiosk.fault("none")
        kiosk.answer(dialog, "retryButton")
        await kiosk.receipt()
        assert kiosk.session.attempts == 2


async def test_network_error_recovers_by_automatic_retry(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(retry_delay_s=1.0) as kiosk:
        await kiosk.fault("offline")
        await kiosk.checkout()
        await kiosk.pay_by_card()
        await kiosk.dialog("networkDialog")
        await kiosk.fault("none")
        await kiosk.receipt()  # nobody touched the dialog: the backend retried by itself
        assert visible_dialog(kiosk.window, "networkDialog") is None


async def test_max_retries_exceeded(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        await kiosk.fault("offline")
        await kiosk.checkout(("veg-sandwich", 1))
        await kiosk.pay_by_card()
        await kiosk.stage(Stage.FAILED, timeout=8000)
        result = kiosk.window.result_screen
        assert result.headline.text() == "Maximum retry attempts exceeded."
        assert (await kiosk.api.session(kiosk.session_id)).status == "FAILED_MAX_RETRIES"
        kiosk.click(result.back_button)
        await kiosk.stage(Stage.CART)
        assert kiosk.app.services and kiosk.app.services.cart.lines() == {"veg-sandwich": 1}


async def test_close_warning_no_keeps_the_payment_running(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(gateway_timeout_s=10) as kiosk:
        await kiosk.fault("timeout")
        await kiosk.checkout()
        await kiosk.pay_by_card()
        kiosk.window.close()
        dialog = await kiosk.dialog("closeGuardDialog")
        assert dialog_text(dialog) == "Payment is in progress. Are you sure you want to leave?"
        kiosk.answer(dialog, "stayButton")
        await kiosk.waits.until(lambda: visible_dialog(kiosk.window, "closeGuardDialog") is None)
        assert kiosk.window.isVisible()
        session = await kiosk.api.session(kiosk.session_id)
        assert session.status == "PROCESSING" and session.last_interruption_reason is None


async def test_close_warning_yes_records_app_closed(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(gateway_timeout_s=10) as kiosk:
        await kiosk.fault("timeout")
        await kiosk.checkout()
        await kiosk.pay_by_card()
        session_id = kiosk.session_id
        kiosk.window.close()
        kiosk.answer(await kiosk.dialog("closeGuardDialog"), "leaveButton")
        await kiosk.waits.until(lambda: not kiosk.window.isVisible())
        session = await kiosk.admin.session(session_id)
        assert session.status == "INTERRUPTED" and session.last_interruption_reason == "APP_CLOSED"
        assert session.can_resume


async def test_cancel_during_payment(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(gateway_timeout_s=5) as kiosk:
        await kiosk.fault("latency", latency_ms=1500)  # the charge is in flight, then the void
        await kiosk.checkout(("samosa-2", 1))
        await kiosk.pay_by_card()
        await kiosk.stage(Stage.PROCESSING)
        kiosk.click(kiosk.window.processing_screen.cancel_button)
        await kiosk.stage(Stage.CANCELLING)
        assert kiosk.window.processing_screen.headline.text() == "Cancelling…"
        await kiosk.stage(Stage.CART, timeout=8000)
        assert kiosk.window.cart_screen.notice.text() == messages.CANCELLED
        assert kiosk.app.services and kiosk.app.services.cart.lines() == {"samosa-2": 1}


async def test_cancel_before_paying_returns_to_the_cart(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        await kiosk.checkout()
        kiosk.click(kiosk.window.payment_screen.cancel_button)
        await kiosk.stage(Stage.CART)
        assert kiosk.window.cart_screen.notice.isVisible()
        assert kiosk.window.cart_screen.notice.text() == "Payment cancelled"


async def test_session_summary(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        await kiosk.fault("timeout")
        await kiosk.checkout()
        await kiosk.pay_by_card()
        dialog = await kiosk.dialog("timeoutDialog")
        await kiosk.fault("none")
        kiosk.answer(dialog, "retryButton")
        await kiosk.receipt()
        summary = await kiosk.api.summary(kiosk.session_id)
        assert (summary.status, summary.attempts, summary.max_attempts) == ("COMPLETED", 2, 3)
        assert (summary.interruptions, summary.last_interruption_reason) == (1, "TIMEOUT")
        assert summary.duration_seconds > 1.0 and not summary.can_resume
        assert (kiosk.session.interruptions, kiosk.session.last_interruption_reason) == (1, "TIMEOUT")


async def test_active_sessions_need_the_admin_token(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        await kiosk.fault("timeout")
        await kiosk.checkout()
        await kiosk.pay_by_card()
        await kiosk.dialog("timeoutDialog")
        active = await kiosk.admin.active_sessions()
        assert [(s.session_id, s.status) for s in active.sessions] == [(kiosk.session_id, "INTERRUPTED")]
        with pytest.raises(AuthError):
            await kiosk.api.active_sessions()  # the kiosk's own token is not enough


async def test_decline_offers_another_method(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        await kiosk.checkout()
        await kiosk.pay_by_card(DECLINED_CARD)
        await kiosk.stage(Stage.DECLINED)
        result = kiosk.window.result_screen
        assert result.headline.text() == "The card was declined by the bank."
        declined_session = kiosk.session_id
        kiosk.click(result.another_button)
        await kiosk.stage(Stage.DETAILS)
        assert kiosk.session_id != declined_session
        await kiosk.pay_by_card()
        await kiosk.receipt()


async def test_cash_payment_confirmed_by_the_operator(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        await kiosk.checkout(("mango-lassi", 1))
        screen = kiosk.window.payment_screen
        kiosk.enter_cash("100")
        assert screen.cash.change_label.text() == "Change: ₹10.00"
        kiosk.click(screen.pay_button)
        receipt = await kiosk.receipt()
        assert receipt["paid-with"] == "Cash: received ₹100.00, change ₹10.00"
