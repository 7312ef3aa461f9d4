"""Store-and-forward as the kiosk shows it (issue 6): a payment accepted offline ends on a
receipt marked as such and releases the cart; the status bar tells Online / Offline and how
many payments wait to be sent; over the offline limit the customer can pay cash instead.

The real window, embedded backend (offline acceptance on) and gateway simulator, with the
`offline` fault cutting the link to the gateway.
"""

from __future__ import annotations

from typing import Any

from smartcart_desktop.app.options import LaunchOptions
from smartcart_desktop.checkout import messages
from smartcart_desktop.checkout.state import Stage
from tests.desktop.conftest import Kiosk, StartKiosk, dialog_text, visible_dialog
from tests.desktop.fakes import FakeApi, session
from tests.desktop.test_checkout_flow import running_flow

OFFLINE: dict[str, Any] = {"offline_enabled": True}


async def status_reads(kiosk: Kiosk, gateway: str, pending: str, timeout: int = 5000) -> None:
    status = kiosk.window.status
    await kiosk.waits.until(
        lambda: status.gateway.text() == gateway and status.pending.text() == pending and status.pending.isVisible(),
        timeout,
    )


async def test_an_offline_payment_ends_on_an_offline_receipt_and_is_sent_later(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(**OFFLINE) as kiosk:
        await status_reads(kiosk, "● Online", "0 waiting to send")
        await kiosk.fault("offline")
        await kiosk.checkout(("masala-chai", 2))
        order_id = kiosk.flow.state.order.order_id if kiosk.flow.state.order else None
        await kiosk.pay_by_card()
        await kiosk.stage(Stage.OFFLINE_ACCEPTED, timeout=3000)  # at once: no retries, no countdown
        assert visible_dialog(kiosk.window, "networkDialog") is None
        receipt = await kiosk.receipt()
        result = kiosk.window.result_screen
        assert result.headline.text() == messages.ACCEPTED_OFFLINE.text
        assert receipt["status"] == messages.OFFLINE_MARK
        assert receipt["status"] == "Accepted offline — will be sent when the connection returns"
        assert receipt["paid-with"] == "Visa card ending 4242" and receipt["total"] == "₹80.00"
        assert receipt["date"] and receipt["order"] == f"#{order_id}"
        session_id = kiosk.session_id
        assert (await kiosk.api.session(session_id)).status == "OFFLINE_ACCEPTED"
        assert order_id is not None and (await kiosk.api.order(order_id)).status == "RELEASED"
        await status_reads(kiosk, "✖ Offline", "1 waiting to send")
        assert kiosk.window.status.pending.property("health") == "warn"
        assert not kiosk.flow.watching  # the customer is done: no more polling of this one

        # The cart is released: "New order" starts over with a new order.
        kiosk.click(result.new_order_button)
        await kiosk.stage(Stage.CART)
        assert kiosk.app.services is not None and kiosk.app.services.cart.lines() == {}
        assert kiosk.window.cart_screen.notice.isHidden()

        await kiosk.fault("none")  # the forwarder sends it once the gateway answers again
        await status_reads(kiosk, "● Online", "0 waiting to send", timeout=8000)
        assert (await kiosk.api.session(session_id)).status == "COMPLETED"
        assert (await kiosk.api.order(order_id)).paid

        await kiosk.checkout(("masala-chai", 2))
        assert kiosk.flow.state.order is not None and kiosk.flow.state.order.order_id != order_id


async def test_a_upi_payment_accepted_offline_shows_the_upi_id(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(**OFFLINE) as kiosk:
        await kiosk.fault("offline")
        await kiosk.checkout(("water-1l", 1))
        screen = kiosk.window.payment_screen
        kiosk.click(screen.method_buttons["upi"])
        kiosk.qtbot.keyClicks(screen.upi.edit, "asha@okbank")
        await kiosk.waits.until(screen.pay_button.isEnabled)
        kiosk.click(screen.pay_button)
        receipt = await kiosk.receipt()
        assert receipt["paid-with"] == "UPI asha@okbank"
        assert receipt["status"] == messages.OFFLINE_MARK


async def test_over_the_offline_limit_the_customer_pays_cash_instead(start_kiosk: StartKiosk) -> None:
    # ₹50.00 is the most accepted offline; the chai costs ₹80.00. No automatic retry meanwhile.
    async with start_kiosk(**OFFLINE, offline_max_payment_minor=5000, retry_delay_s=60) as kiosk:
        await kiosk.fault("offline")
        await kiosk.checkout(("masala-chai", 2))
        await kiosk.pay_by_card()
        dialog = await kiosk.dialog("offline_refusedDialog")
        assert dialog_text(dialog) == "Payments over INR 50.00 cannot be accepted while offline."
        assert dialog_text(dialog, "detail").startswith(
            "The bank cannot be reached (attempt 1/3). You can cancel this card or UPI payment and pay in cash"
        )
        refused_id = kiosk.session_id
        refused = await kiosk.api.session(refused_id)
        assert (refused.status, refused.last_interruption_reason) == ("INTERRUPTED", "NETWORK_ERROR")
        assert refused.offline_refusal == "Payments over INR 50.00 cannot be accepted while offline."

        kiosk.answer(dialog, "pay_cashButton")
        screen = kiosk.window.payment_screen
        await kiosk.waits.until(lambda: kiosk.flow.state.stage is Stage.DETAILS and kiosk.session_id != refused_id)
        assert screen.method() == "cash" and screen.title.text() == "Payment"
        assert (await kiosk.api.session(refused_id)).status == "CANCELLED"
        fresh = kiosk.flow.state.session
        assert fresh is not None and fresh.order_id == refused.order_id and fresh.status == "INITIATED"

        kiosk.enter_cash("100")
        kiosk.click(screen.pay_button)
        receipt = await kiosk.receipt()
        assert receipt["paid-with"] == "Cash: received ₹100.00, change ₹20.00"
        assert "status" not in receipt  # a cash payment is not an offline one
        assert (await kiosk.api.order(refused.order_id)).paid  # while the gateway is still away
        assert (await kiosk.api.session(kiosk.session_id)).status == "COMPLETED"


async def test_cancel_on_the_offline_refusal_returns_to_the_cart(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(**OFFLINE, offline_max_payment_minor=5000, retry_delay_s=60) as kiosk:
        await kiosk.fault("offline")
        await kiosk.checkout(("masala-chai", 2))
        await kiosk.pay_by_card()
        session_id = kiosk.session_id
        kiosk.answer(await kiosk.dialog("offline_refusedDialog"), "cancelButton")
        await kiosk.waits.until(lambda: kiosk.window.cart_screen.notice.text() == messages.CANCELLED)
        assert (await kiosk.api.session(session_id)).status == "CANCELLED"
        assert kiosk.app.services is not None and kiosk.app.services.cart.lines() == {"masala-chai": 2}


async def test_the_status_bar_is_refreshed_as_soon_as_a_payment_ends(start_kiosk: StartKiosk) -> None:
    # Health is polled only once a minute here: only the refresh after the payment can fix it.
    options = LaunchOptions(tester=True, poll_interval_s=0.05, health_interval_s=60)
    async with start_kiosk(options, retry_delay_s=60) as kiosk:
        health = kiosk.app.services.health if kiosk.app.services else None
        assert health is not None
        await kiosk.fault("offline")
        await kiosk.checkout()
        await kiosk.pay_by_card()
        dialog = await kiosk.dialog("networkDialog")
        health.refresh()  # the periodic poll that happened to run during the outage
        await kiosk.waits.until(lambda: kiosk.window.status.gateway.text() == "✖ Offline")
        await kiosk.fault("none")
        kiosk.answer(dialog, "retryButton")
        await kiosk.receipt()
        await kiosk.waits.until(lambda: kiosk.window.status.gateway.text() == "● Online", timeout=3000)


async def test_offline_acceptance_is_a_result_for_the_flow(waits: Any) -> None:
    api = FakeApi(session("INITIATED"), session("OFFLINE_ACCEPTED", attempts=1, method="card"))
    async with running_flow(api) as flow:
        finished: list[str] = []
        flow.session_finished.connect(finished.append)
        await flow.checkout({"masala-chai": 1})
        await waits.until(lambda: flow.state.receipt is not None)
        assert flow.state.stage is Stage.OFFLINE_ACCEPTED and flow.state.receipt.offline
        assert finished == [flow.state.session_id]
        await flow.until_idle()  # returns: nothing more to wait for
        await waits.until(lambda: not flow.watching)
