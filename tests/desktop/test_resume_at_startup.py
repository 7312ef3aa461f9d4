"""A payment left unfinished (window closed, process killed) is offered again at start-up."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, update

from backend.db.tables import PaymentSession
from smartcart_desktop.checkout.state import Stage
from tests.desktop.conftest import StartKiosk, dialog_text


async def leave_payment_in_flight(start_kiosk: StartKiosk) -> str:
    """Pay with the gateway hanging, then leave through the close guard."""
    async with start_kiosk(gateway_timeout_s=10) as kiosk:
        await kiosk.fault("timeout")
        await kiosk.checkout(("masala-chai", 2))
        await kiosk.pay_by_card()
        session_id = kiosk.session_id
        kiosk.window.close()
        kiosk.answer(await kiosk.dialog("closeGuardDialog"), "leaveButton")
        await kiosk.waits.until(lambda: not kiosk.window.isVisible())
        return session_id


def pretend_the_process_died(data_dir: Path, session_id: str) -> None:
    """What SIGKILL mid-attempt leaves behind: the row still says PROCESSING."""
    engine = create_engine(f"sqlite:///{data_dir / 'kiosk.db'}")
    with engine.begin() as conn:
        conn.execute(
            update(PaymentSession).where(PaymentSession.id == session_id).values(status="PROCESSING")
        )
    engine.dispose()


async def test_resume_after_the_window_was_closed(start_kiosk: StartKiosk) -> None:
    session_id = await leave_payment_in_flight(start_kiosk)
    async with start_kiosk() as kiosk:
        dialog = await kiosk.dialog("resumeOfferDialog")
        assert dialog_text(dialog) == "An unfinished payment for order #1 (₹80.00) was found."
        kiosk.answer(dialog, "resumeButton")
        await kiosk.stage(Stage.DETAILS)  # this process no longer holds the card details
        assert kiosk.session_id == session_id
        assert kiosk.window.payment_screen.title.text() == "Resume payment"
        await kiosk.pay_by_card()
        await kiosk.receipt()
        assert kiosk.session.attempts == 2
        assert (kiosk.session.interruptions, kiosk.session.last_interruption_reason) == (1, "APP_CLOSED")


async def test_resume_after_a_crash(start_kiosk: StartKiosk, tmp_path: Path) -> None:
    session_id = await leave_payment_in_flight(start_kiosk)
    pretend_the_process_died(tmp_path, session_id)
    async with start_kiosk() as kiosk:
        kiosk.answer(await kiosk.dialog("resumeOfferDialog"), "resumeButton")
        await kiosk.stage(Stage.DETAILS)
        session = kiosk.flow.state.session
        assert session is not None and session.last_interruption_reason == "CRASH_RECOVERED"
        await kiosk.pay_by_card()
        await kiosk.receipt()


async def test_cancel_an_unfinished_payment_at_startup(start_kiosk: StartKiosk) -> None:
    session_id = await leave_payment_in_flight(start_kiosk)
    async with start_kiosk() as kiosk:
        kiosk.answer(await kiosk.dialog("resumeOfferDialog"), "discardButton")
        await kiosk.waits.until(lambda: kiosk.window.cart_screen.notice.text() == "Payment cancelled")
        assert (await kiosk.api.session(session_id)).status == "CANCELLED"
