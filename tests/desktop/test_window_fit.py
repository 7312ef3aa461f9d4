"""Every main screen fits an 800×600 screen (issue 14, item 3): the kiosk window never needs more
than the screen, whatever it shows; long content scrolls inside its screen instead.

A top-level window grows to its layout's minimum size, so the invariant is the window's
minimumSizeHint with each screen at its fullest (a long order, a resume hint and an error on
the form, a prompt with every detail line, a long receipt). The screens are the real window's,
shown states built from the backend's models. Each is measured while it is the current page:
a hidden page's size changes reach the window only once it is shown, as in use.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QSize
from PySide6.QtWidgets import QApplication, QWidget

from smartcart_desktop.api.models import Order, OrderItem, ReceiptDocument, ReceiptLine, ReceiptTax, Terminal, UpiQr
from smartcart_desktop.app.options import LaunchOptions
from smartcart_desktop.checkout.state import FlowState, Prompt, PromptKind, Receipt, Stage
from smartcart_desktop.printing.printer_target import PrinterTarget
from smartcart_desktop.ui.dialogs import PromptDialog
from smartcart_desktop.ui.language import HINDI
from smartcart_desktop.ui.main_window import MainWindow
from tests.desktop.conftest import Kiosk, StartKiosk
from tests.desktop.fakes import session

SMALL = QSize(800, 600)
# No tester panel: a customer's kiosk; with a printer, so that the receipt has its Print button.
PRINTER = PrinterTarget("file", path="/dev/null")
OPTIONS = LaunchOptions(poll_interval_s=0.05, health_interval_s=0.1, receipt_printer=PRINTER)
KIOSK = LaunchOptions(kiosk=True, poll_interval_s=0.05, health_interval_s=0.1, receipt_printer=PRINTER)


def fits(size: QSize, screen: QSize = SMALL) -> bool:
    return size.width() <= screen.width() and size.height() <= screen.height()


def long_order() -> Order:
    items = [
        OrderItem(product_id=f"p{n}", name=f"Item number {n}", unit_price_minor=1000, quantity=2, line_total_minor=2000)
        for n in range(14)
    ]
    return Order(order_id=9, status="PAID", total_minor=28_000, currency="INR", items=items,
                 created_at=datetime.now(UTC))


def long_receipt(order: Order) -> ReceiptDocument:
    """Every line taxed, every optional part present: the tallest receipt."""
    lines = [
        ReceiptLine(name=item.name, quantity=item.quantity, unit_price_minor=item.unit_price_minor,
                    total_minor=item.line_total_minor,
                    tax=ReceiptTax(rate_percent="18", taxable_minor=1694, cgst_minor=153, sgst_minor=153))
        for item in order.items
    ]
    return ReceiptDocument(
        title="Tax invoice", title_kind="tax_invoice", shop_name="SmartCart Demo Store with a rather long shop name",
        shop_address=["Shop 12, Ground Floor, Phoenix Marketcity", "Whitefield Main Road", "Bengaluru 560048"],
        gstin="29ABCDE1234F1ZW", invoice_number="SC/2627/00001234", order_id=order.order_id,
        issued_at=datetime.now(UTC), issued_at_text="01 Dec 2026, 21:10", lines=lines, currency="INR",
        taxable_minor=23_716, cgst_minor=2142, sgst_minor=2142, total_minor=order.total_minor, method="card",
        paid_with="Mastercard ending 4444", card_brand="mastercard",
        card_last4="4444", gateway_reference="ch_" + "f" * 24, offline=True,
    )


def receipt_state(stage: Stage, status: str) -> FlowState:
    paid = session(status, method="card", card_brand="visa", card_last4="4242", attempts=2, interruptions=1,
                   finished_at=datetime.now(UTC))
    order = long_order()
    return FlowState(stage=stage, session=paid, receipt=Receipt(order, paid, long_receipt(order)))


def fullest_prompt() -> Prompt:
    stuck = session("INTERRUPTED", attempts=1, can_resume=True, last_interruption_reason="NETWORK_ERROR",
                    outcome_unknown=True, next_retry_at=datetime.now(UTC),
                    offline_refusal="Payments over INR 50.00 cannot be accepted while offline.")
    return Prompt(kind=PromptKind.OFFLINE_REFUSED, session=stuck, serial=(1, 0))


def shown(window: MainWindow, screen: QWidget) -> QSize:
    """Make `screen` the current page, lay the window out as the event loop would (only the
    layout requests: nothing else may run inside the test's coroutine); the window's minimum."""
    window.stack.setCurrentWidget(screen)
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    return window.minimumSizeHint()


def qr_state() -> FlowState:
    payload = "upi://pay?pa=smartcart.kiosk@okicici&pn=SmartCart%20Kiosk%20Koramangala&am=28000.00&tr=" + "f" * 32
    waiting = session("PROCESSING", attempts=1, upi_qr=UpiQr(payload=payload, expires_at=datetime.now(UTC)))
    return FlowState(stage=Stage.SCAN_QR, session=waiting)


def terminal_state() -> FlowState:
    waiting = session("PROCESSING", attempts=1, terminal=Terminal(terminal_id="T" * 32, expires_at=datetime.now(UTC)))
    return FlowState(stage=Stage.ON_TERMINAL, session=waiting)


def screens(window: MainWindow) -> tuple[QWidget, ...]:
    return (window.cart_screen, window.payment_screen, window.processing_screen, window.result_screen,
            window.upi_qr_screen, window.terminal_screen)


async def fill_every_screen(kiosk: Kiosk) -> MainWindow:
    """Each screen at its fullest."""
    window = kiosk.window
    await kiosk.fill_cart(*((p.id, 3) for p in kiosk.app.services.cart.products))  # type: ignore[union-attr]
    error = "The backend did not answer in time. " * 3
    window.cart_screen.show_state(FlowState(notice="Payment cancelled", error=error))
    resuming = session("INTERRUPTED", attempts=1, can_resume=True, needs_payment_details=True)
    window.payment_screen.show_state(FlowState(stage=Stage.DETAILS, session=resuming, error=error))
    window.upi_qr_screen.show_state(qr_state())
    window.terminal_screen.show_state(terminal_state())
    window.processing_screen.show_state(FlowState(stage=Stage.INTERRUPTED, session=fullest_prompt().session))
    window.processing_screen.host_prompt(PromptDialog(window.processing_screen, fullest_prompt()))
    window.result_screen.show_state(receipt_state(Stage.OFFLINE_ACCEPTED, "OFFLINE_ACCEPTED"))
    return window


async def test_every_main_screen_fits_800_by_600(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(OPTIONS, tester=False) as kiosk:
        window = await fill_every_screen(kiosk)
        for screen in screens(window):
            needed = shown(window, screen)
            assert fits(needed), (screen.__class__.__name__, needed)
            assert fits(window.size(), window.screen().availableGeometry().size()), window.size()


async def test_every_main_screen_fits_800_by_600_in_hindi(start_kiosk: StartKiosk) -> None:
    """Hindi sentences run longer than the English ones: the same fullest screens, translated."""
    async with start_kiosk(OPTIONS, tester=False) as kiosk:
        window = kiosk.window
        window.language.switch(HINDI)
        await kiosk.waits.until(lambda: window.cart_screen.checkout_button.text() != "Checkout")
        await fill_every_screen(kiosk)
        assert window.payment_screen.title.text() != "Resume payment"  # filled in Hindi
        for screen in screens(window):
            needed = shown(window, screen)
            assert fits(needed), (screen.__class__.__name__, needed)
        for method in ("upi_qr", "card_present", "cash"):
            window.payment_screen.method_buttons[method].click()
            assert fits(shown(window, window.payment_screen)), method


async def test_each_stage_of_the_result_and_processing_screens_fits(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(OPTIONS, tester=False) as kiosk:
        window = kiosk.window
        for stage, status in ((Stage.COMPLETED, "COMPLETED"), (Stage.DECLINED, "DECLINED"),
                              (Stage.FAILED, "FAILED_MAX_RETRIES"), (Stage.EXPIRED, "EXPIRED")):
            window.result_screen.show_state(receipt_state(stage, status))
            assert fits(shown(window, window.result_screen)), stage
        for stage in (Stage.PROCESSING, Stage.CANCELLING, Stage.SETTLING):
            window.processing_screen.show_state(
                FlowState(stage=stage, session=session("PROCESSING", attempts=1), attempt_started=0.0)
            )
            assert fits(shown(window, window.processing_screen)), stage


async def test_the_kiosk_window_stays_the_size_of_the_screen(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(KIOSK, tester=False) as kiosk:
        window = kiosk.window
        screen = window.screen().geometry().size()
        await kiosk.waits.until(lambda: window.size() == screen)
        await fill_every_screen(kiosk)
        for page in screens(window):
            assert fits(shown(window, page), screen) and window.size() == screen, page.__class__.__name__


async def test_every_payment_method_fits_even_with_all_five_offered(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(OPTIONS, tester=False) as kiosk:
        window, form = kiosk.window, kiosk.window.payment_screen
        methods = ("upi_qr", "card_present", "cash", "card", "upi")  # tester mode's list
        form.show_state(FlowState(stage=Stage.DETAILS, session=session(), payment_methods=methods,
                                  operator_pin_error="Too many wrong PINs. Try again in 5 minutes. " * 2))
        for method in methods:
            form.method_buttons[method].click()
            assert form.method() == method
            assert fits(shown(window, form)), (method, window.minimumSizeHint())


async def test_the_normal_window_opens_within_the_screen(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(OPTIONS, tester=False) as kiosk:
        window = kiosk.window
        available = window.screen().availableGeometry().size()
        assert fits(window.frameGeometry().size(), available), (window.frameGeometry(), available)


async def test_the_tester_panel_floats_rather_than_push_the_window_past_a_small_screen(
    start_kiosk: StartKiosk,
) -> None:
    async with start_kiosk(LaunchOptions(tester=True, kiosk=True, poll_interval_s=0.05)) as kiosk:
        window, dock = kiosk.window, kiosk.window.tester_dock
        assert dock is not None
        screen = window.screen().geometry().size()
        await fill_every_screen(kiosk)
        for page in screens(window):
            assert fits(shown(window, page), screen), page.__class__.__name__
        assert dock.isFloating() and dock.isVisible()
