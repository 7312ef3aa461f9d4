"""UPI by QR (issue 13): the window shows the QR the backend made, large, and it decodes back to
exactly the payload the API returned; the customer pays on their phone (tester mode's simulated
customer) and the receipt shows; walking away ends without a charge; Cancel closes it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from smartcart_desktop.api.models import UpiQr
from smartcart_desktop.checkout.state import FlowState, Stage
from smartcart_desktop.ui.qr_code_view import QUIET_ZONE, QrCodeView
from smartcart_desktop.ui.screens.upi_qr_screen import UpiQrScreen, upi_payee
from tests.desktop.conftest import Kiosk, StartKiosk
from tests.desktop.fakes import session
from tests.desktop.qr_reading import decoded

PAYLOAD = "upi://pay?pa=smartcart.kiosk@okicici&pn=SmartCart&am=80.00&tr=0f3a9c2e7b114d6e&cu=INR"


def waiting(payload: str = PAYLOAD, expires_in_s: float = 300, *, now: float = 1_000_000.0) -> FlowState:
    expires = datetime.fromtimestamp(now + expires_in_s, UTC)
    shown = session("PROCESSING", attempts=1, method="upi_qr", upi_qr=UpiQr(payload=payload, expires_at=expires))
    return FlowState(stage=Stage.SCAN_QR, session=shown)


def screen_at(qtbot, now: float = 1_000_000.0) -> tuple[UpiQrScreen, list[float]]:  # type: ignore[no-untyped-def]
    clock = [now]
    screen = UpiQrScreen(clock=lambda: clock[0])
    qtbot.addWidget(screen)
    screen.resize(800, 520)
    screen.show()
    return screen, clock


# ---- the screen on its own ----------------------------------------------------------------------


def test_the_qr_widget_decodes_to_its_payload(qtbot) -> None:  # type: ignore[no-untyped-def]
    view = QrCodeView()
    qtbot.addWidget(view)
    view.resize(300, 300)
    view.show_payload(PAYLOAD)
    assert decoded(view) == [PAYLOAD]
    assert view.module_px() >= 4  # big enough for a phone at arm's length


def test_the_qr_is_drawn_on_whole_pixels_with_a_quiet_zone(qtbot) -> None:  # type: ignore[no-untyped-def]
    view = QrCodeView()
    qtbot.addWidget(view)
    view.resize(333, 333)
    view.show_payload(PAYLOAD)
    image = view.grab().toImage()
    scale, side = view.module_px(), view.modules() * view.module_px()
    left = (333 - side) // 2
    # The quiet zone is white all round; the first dark module starts exactly on a module edge.
    quiet = [image.pixelColor(left + x, left + y).name() for x in range(QUIET_ZONE * scale) for y in range(side)]
    assert set(quiet) == {"#ffffff"}
    corner = left + QUIET_ZONE * scale
    assert image.pixelColor(corner, corner).name() == "#000000"
    assert image.pixelColor(corner - 1, corner).name() == "#ffffff"


def test_the_screen_shows_the_code_the_amount_the_payee_and_the_time_left(qtbot) -> None:  # type: ignore[no-untyped-def]
    screen, _clock = screen_at(qtbot)
    screen.show_state(waiting(expires_in_s=272))
    assert decoded(screen.qr) == [PAYLOAD]
    assert screen.amount.text() == "₹80.00"
    assert screen.payee.text() == "To SmartCart"
    assert screen.countdown_label.text() == "Expires in 4:32"
    assert screen.qr.width() >= 280  # large: most of an 800×600 screen's height


def test_the_countdown_ticks_to_the_backends_deadline_and_then_the_code_goes(qtbot) -> None:  # type: ignore[no-untyped-def]
    screen, clock = screen_at(qtbot)
    screen.show_state(waiting(expires_in_s=61))
    assert screen.countdown_label.text() == "Expires in 1:01"
    clock[0] += 60.5
    screen.countdown.tick()  # what the QTimer does every 250 ms
    assert screen.countdown_label.text() == "Expires in 0:01" and screen.qr.isVisible()
    clock[0] += 1
    screen.countdown.tick()
    assert screen.countdown_label.text() == "Expires in 0:00"
    assert not screen.qr.isVisible() and screen.expired_note.isVisible()  # no scan after the close


def test_the_qr_timer_really_ticks(qtbot) -> None:  # type: ignore[no-untyped-def]
    screen, clock = screen_at(qtbot)
    screen.show_state(waiting(expires_in_s=10))
    clock[0] += 5
    qtbot.waitUntil(lambda: screen.countdown_label.text() == "Expires in 0:05")


def test_a_new_qr_replaces_the_old_one(qtbot) -> None:  # type: ignore[no-untyped-def]
    screen, _clock = screen_at(qtbot)
    screen.show_state(waiting())
    other = PAYLOAD.replace("tr=0f3a9c2e7b114d6e", "tr=99aa")
    screen.show_state(waiting(other))
    assert decoded(screen.qr) == [other]


def test_the_payee_is_read_from_the_payload() -> None:
    assert upi_payee(PAYLOAD) == "SmartCart"
    assert upi_payee("upi://pay?pa=shop@okaxis&am=1.00") == "shop@okaxis"
    assert upi_payee("upi://pay?pn=Chai%20Point&pa=x@y") == "Chai Point"


def test_the_qr_screen_fits_800_by_600(qtbot) -> None:  # type: ignore[no-untyped-def]
    screen, _clock = screen_at(qtbot)
    screen.show_state(waiting())
    hint = screen.minimumSizeHint()
    assert hint.width() <= 800 and hint.height() <= 560, hint  # room for the status bar


# ---- end to end: the real backend, gateway simulator and simulated customer --------------------


async def show_qr(kiosk: Kiosk) -> str:
    await kiosk.checkout(("masala-chai", 2))
    kiosk.choose("upi_qr")
    kiosk.click(kiosk.window.payment_screen.pay_button)
    await kiosk.stage(Stage.SCAN_QR)
    session = kiosk.flow.state.session
    assert session is not None and session.upi_qr is not None
    return session.upi_qr.payload


async def test_the_qr_on_screen_is_the_one_the_api_returned(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        shown = await show_qr(kiosk)
        from_api = (await kiosk.api.session(kiosk.session_id)).upi_qr
        assert from_api is not None and from_api.payload == shown
        screen = kiosk.window.upi_qr_screen
        assert kiosk.window.stack.currentWidget() is screen
        await kiosk.waits.until(lambda: decoded(screen.qr) == [from_api.payload])
        assert "am=80.00" in shown and "cu=INR" in shown
        assert screen.amount.text() == "₹80.00" and screen.countdown_label.text().startswith("Expires in ")


async def test_paid_by_qr_on_the_customers_phone_shows_the_receipt(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        await show_qr(kiosk)
        dock = kiosk.window.tester_dock
        assert dock is not None
        kiosk.click(dock.customer_buttons["pay"])
        receipt = await kiosk.receipt()
        assert receipt["total"] == "₹80.00" and receipt["paid-with"].startswith("UPI (QR)")
        assert (await kiosk.api.session(kiosk.session_id)).status == "COMPLETED"


async def test_a_customer_who_walks_away_is_not_charged(start_kiosk: StartKiosk) -> None:
    # The QR's life, shrunk; long enough that a loaded machine still shows it before it ends.
    async with start_kiosk(upi_qr_ttl_s=3) as kiosk:
        await show_qr(kiosk)
        session_id = kiosk.session_id
        dock = kiosk.window.tester_dock
        assert dock is not None
        kiosk.click(dock.customer_buttons["walk_away"])
        await kiosk.stage(Stage.EXPIRED, timeout=10_000)  # the QR's time ran out, unpaid
        result = kiosk.window.result_screen
        assert kiosk.window.stack.currentWidget() is result and kiosk.flow.state.receipt is None
        assert result.headline.text() == "This payment session expired."
        assert (await kiosk.api.session(session_id)).status == "EXPIRED"


async def test_cancel_on_the_qr_screen_closes_it(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        await show_qr(kiosk)
        session_id = kiosk.session_id
        kiosk.click(kiosk.window.upi_qr_screen.cancel_button)
        await kiosk.stage(Stage.CART, timeout=8000)
        assert kiosk.window.cart_screen.notice.text() == "Payment cancelled"
        assert (await kiosk.api.session(session_id)).status == "CANCELLED"
