"""Screenshots of the real window for docs/, taken under Xvfb with a window manager:

    xvfb-run -a -s "-screen 0 1280x800x24" sh -c \
        'openbox & QT_QPA_PLATFORM=xcb .venv/bin/python scripts/screenshots.py'
    xvfb-run -a -s "-screen 0 800x600x24" sh -c \
        'openbox & QT_QPA_PLATFORM=xcb .venv/bin/python scripts/screenshots.py --kiosk --size 800x600'

Starts the kiosk with its embedded backend in tester mode (a throw-away data directory),
drives one checkout through a timeout and a network error to a receipt, then a declined card,
then the ways an Indian kiosk takes money: the UPI QR, the card terminal prompt and the
operator's cash keypad; and saves each step. Without options: a 1200×760 window, docs/<step>.png. `--kiosk` (full
screen) and `--size WxH` (the Xvfb screen's size): docs/<step>-WxH.png.

`--language hi`: the customer taps "हिन्दी" on the cart and pays in Hindi: the cart, the payment
methods, the cash keypad, the terminal, the card form, a timeout (processing, its prompt, the cart
after Cancel), a network error, a declined card, the UPI QR and its receipt, as
docs/<step>-hi[-WxH].png.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QPushButton, QWidget

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smartcart_desktop.app.application import KioskApp  # noqa: E402
from smartcart_desktop.app.options import LaunchOptions  # noqa: E402
from smartcart_desktop.checkout.state import Stage  # noqa: E402
from smartcart_desktop.printing.printer_target import PrinterTarget  # noqa: E402
from smartcart_desktop.ui.screens.payment_screen import PaymentScreen  # noqa: E402

DOCS = ROOT / "docs"
SIZE = (1200, 760)
DECLINED_CARD = "4000 0000 0000 0002"
# A made-up shop (the GSTIN's check character is right, the registration is not real).
SHOP = {
    "shop_name": "SmartCart Demo Store",
    "shop_address": "Shop 4, 80 Feet Road, Koramangala | Bengaluru 560034",
    "shop_gstin": "29ABCDE1234F1ZW",
    "tax_rate_percent": "5",
    "tax_rates": "veg-sandwich=12",
}


class Shots:
    """Where the shots go and how the window is shown (the command line)."""

    def __init__(self, argv: list[str]) -> None:
        parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
        parser.add_argument("--kiosk", action="store_true", help="full screen, as on a kiosk")
        parser.add_argument("--size", help="the screen's size, WIDTHxHEIGHT: names the files *-WxH.png")
        parser.add_argument("--language", choices=("en", "hi"), default="en",
                            help="hi: the customer switches to Hindi on the cart (files *-hi*.png)")
        args = parser.parse_args(argv)
        self.kiosk: bool = args.kiosk
        self.hindi: bool = args.language == "hi"
        self.suffix = ("-hi" if self.hindi else "") + (f"-{args.size}" if args.size else "")

    def path(self, name: str) -> Path:
        return DOCS / f"{name}{self.suffix}.png"


SHOTS = Shots([])


async def until(condition: Callable[[], object], timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        await asyncio.sleep(0.05)


async def settle(seconds: float = 0.4) -> None:
    """Let X draw what Qt painted before grabbing the screen. (Never processEvents() here:
    from inside a coroutine it would step other tasks re-entrantly.)"""
    await asyncio.sleep(seconds)


def save_window(window: QWidget, name: str) -> None:
    """The window as Qt paints it (the payment prompts are part of it, not windows of their own)."""
    path = SHOTS.path(name)
    window.grab().save(str(path))
    print(f"{path.relative_to(ROOT)} ({window.width()}×{window.height()})")


async def type_test_card(form: PaymentScreen, number: str = "4242 4242 4242 4242") -> None:
    """Type a simulator's test card (always approved by default), as a customer would, until
    Pay is enabled."""
    form.method_buttons["card"].click()  # typed cards exist in tester mode only
    for field, text in ((form.number, number), (form.holder, "Asha Rao"),
                        (form.expiry, "12/39"), (form.cvv, "123")):
        QTest.keyClicks(field.edit, text)
    await until(form.pay_button.isEnabled)


def visible_dialog(window: QWidget, name: str) -> QDialog | None:
    return next((d for d in window.findChildren(QDialog, name) if d.isVisible()), None)


def press(dialog: QDialog, button: str) -> None:
    found = dialog.findChild(QPushButton, button)
    assert found is not None
    found.click()


async def shoot() -> None:
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="smartcart-shots-") as data_dir:
        kiosk = await KioskApp.start(
            LaunchOptions(kiosk=SHOTS.kiosk, tester=True, poll_interval_s=0.2, health_interval_s=0.5,
                          # a file stands in for the receipt printer: the Print button shows
                          receipt_printer=PrinterTarget("file", path=str(Path(data_dir) / "printer.bin"))),
            data_dir=Path(data_dir),
            gateway_timeout_s=4,
            retry_delay_s=30,
            gateway_delay_s=0.2,
            **SHOP,
        )
        try:
            await (drive_hindi(kiosk) if SHOTS.hindi else drive(kiosk))
        finally:
            await kiosk.shutdown()


async def drive(kiosk: KioskApp) -> None:
    assert kiosk.window is not None and kiosk.services is not None
    window, services = kiosk.window, kiosk.services
    flow, api = services.flow, services.api
    # Tester mode is only how this script makes faults happen; customers never see the panel.
    assert window.tester_dock is not None
    window.tester_dock.hide()
    if not SHOTS.kiosk and not SHOTS.suffix:
        window.resize(*SIZE)
        window.move(20, 20)
    await until(lambda: services.cart.products)

    for product, quantity in (("masala-chai", 2), ("veg-sandwich", 1), ("samosa-2", 1)):
        services.cart.set_quantity(product, quantity)
    await settle()
    save_window(window, "cart")

    window.cart_screen.checkout_button.click()
    await until(lambda: flow.state.stage is Stage.DETAILS)
    form = window.payment_screen
    await type_test_card(form)
    form.pay_button.setFocus()
    await settle()
    save_window(window, "payment-form")

    await api.set_faults("latency", latency_ms=6_000)  # the gateway answers too late: a timeout
    QTest.keyClick(form.cvv.edit, Qt.Key.Key_Return)
    await until(lambda: flow.state.stage is Stage.PROCESSING)
    await asyncio.sleep(1.3)  # part of the countdown gone
    save_window(window, "processing")

    await until(lambda: visible_dialog(window, "timeoutDialog") is not None)
    await settle()
    save_window(window, "timeout-dialog")

    await api.set_faults("offline")
    timeout_dialog = visible_dialog(window, "timeoutDialog")
    assert timeout_dialog is not None
    press(timeout_dialog, "retryButton")
    await until(lambda: visible_dialog(window, "networkDialog") is not None)
    await settle(1.2)
    save_window(window, "network-error-dialog")

    await api.set_faults("none")
    network_dialog = visible_dialog(window, "networkDialog")
    assert network_dialog is not None
    press(network_dialog, "retryButton")
    await until(lambda: flow.state.receipt is not None)
    await settle()
    save_window(window, "receipt")
    if not SHOTS.suffix:
        await save_receipt_pdf(services.link.url, services.link.kiosk_token, flow.state.session_id or "")

    window.result_screen.new_order_button.click()
    services.cart.set_quantity("mango-lassi", 1)
    await until(lambda: window.cart_screen.checkout_button.isEnabled())
    window.cart_screen.checkout_button.click()
    await until(lambda: flow.state.stage is Stage.DETAILS)
    await type_test_card(form, DECLINED_CARD)
    QTest.keyClick(form.cvv.edit, Qt.Key.Key_Return)
    await until(lambda: flow.state.stage is Stage.DECLINED)
    await settle()
    save_window(window, "declined")

    await shoot_payment_methods(kiosk)


async def drive_hindi(kiosk: KioskApp) -> None:
    """A customer who reads Hindi: the toggle on the cart, then each way to pay."""
    assert kiosk.window is not None and kiosk.services is not None
    window, services = kiosk.window, kiosk.services
    flow, api = services.flow, services.api
    assert window.tester_dock is not None
    window.tester_dock.hide()
    if not SHOTS.kiosk and "x" not in SHOTS.suffix:
        window.resize(*SIZE)
        window.move(20, 20)
    await until(lambda: services.cart.products)
    for product, quantity in (("masala-chai", 2), ("veg-sandwich", 1), ("samosa-2", 1)):
        services.cart.set_quantity(product, quantity)
    window.cart_screen.language_button.click()
    await until(lambda: window.cart_screen.checkout_button.text() != "Checkout")
    await settle()
    save_window(window, "cart")

    window.cart_screen.checkout_button.click()
    await until(lambda: flow.state.stage is Stage.DETAILS)
    form = window.payment_screen
    form.method_buttons["upi_qr"].click()
    form.pay_button.setFocus()
    await settle()
    save_window(window, "payment-methods")

    form.method_buttons["cash"].click()
    form.cash.start()
    for key in "1111":
        form.cash.keypad.keys[key].click()
    form.cash.amount.setFocus()
    form.cash.keypad.type_into(form.cash.amount)
    for key in "500":
        form.cash.keypad.keys[key].click()
    await settle()
    save_window(window, "cash-operator")

    form.method_buttons["card_present"].click()
    form.pay_button.click()
    await until(lambda: flow.state.stage is Stage.ON_TERMINAL)
    await settle(1.2)
    save_window(window, "terminal")
    window.terminal_screen.cancel_button.click()
    await until(lambda: flow.state.stage is Stage.CART)
    await settle()

    window.cart_screen.checkout_button.click()
    await until(lambda: flow.state.stage is Stage.DETAILS)
    await type_test_card(form)
    form.pay_button.setFocus()
    await settle()
    save_window(window, "payment-form")
    await api.set_faults("latency", latency_ms=6_000)  # the gateway answers too late: a timeout
    form.pay_button.click()
    await until(lambda: flow.state.stage is Stage.PROCESSING)
    await asyncio.sleep(1.3)
    save_window(window, "processing")
    await until(lambda: visible_dialog(window, "timeoutDialog") is not None)
    await api.set_faults("none")
    await settle()
    save_window(window, "timeout-dialog")
    timeout_dialog = visible_dialog(window, "timeoutDialog")
    assert timeout_dialog is not None
    press(timeout_dialog, "cancelButton")
    await until(lambda: flow.state.stage is Stage.CART)
    await settle()
    save_window(window, "cart-cancelled")

    # A timeout, then the bank unreachable on Retry: the network-error prompt; then it is paid.
    window.cart_screen.checkout_button.click()
    await until(lambda: flow.state.stage is Stage.DETAILS)
    await type_test_card(form)
    await api.set_faults("latency", latency_ms=6_000)
    form.pay_button.click()
    await until(lambda: visible_dialog(window, "timeoutDialog") is not None)
    await api.set_faults("offline")
    timeout_dialog = visible_dialog(window, "timeoutDialog")
    assert timeout_dialog is not None
    press(timeout_dialog, "retryButton")
    await until(lambda: visible_dialog(window, "networkDialog") is not None)
    await settle(1.2)
    save_window(window, "network-error-dialog")
    await api.set_faults("none")
    network_dialog = visible_dialog(window, "networkDialog")
    assert network_dialog is not None
    press(network_dialog, "retryButton")
    await until(lambda: flow.state.receipt is not None)

    # The next customer, in Hindi again: a declined card.
    window.result_screen.new_order_button.click()
    await until(lambda: flow.state.stage is Stage.CART)
    for product, quantity in (("masala-chai", 2), ("veg-sandwich", 1)):
        services.cart.set_quantity(product, quantity)
    window.cart_screen.language_button.click()
    await until(lambda: window.cart_screen.checkout_button.text() != "Checkout")
    window.cart_screen.checkout_button.click()
    await until(lambda: flow.state.stage is Stage.DETAILS)
    await type_test_card(form, DECLINED_CARD)
    form.pay_button.click()
    await until(lambda: flow.state.stage is Stage.DECLINED)
    await settle()
    save_window(window, "declined")
    window.result_screen.back_button.click()
    await until(lambda: flow.state.stage is Stage.CART)

    window.cart_screen.checkout_button.click()
    await until(lambda: flow.state.stage is Stage.DETAILS)
    form.method_buttons["upi_qr"].click()
    form.pay_button.click()
    await until(lambda: flow.state.stage is Stage.SCAN_QR)
    await settle(1.2)
    save_window(window, "upi-qr")
    await api.customer(flow.state.session_id or "", "pay")
    await until(lambda: flow.state.receipt is not None)
    await settle()
    save_window(window, "receipt")


async def checkout_again(kiosk: KioskApp, product: str = "masala-chai", quantity: int = 2) -> None:
    assert kiosk.window is not None and kiosk.services is not None
    window, flow = kiosk.window, kiosk.services.flow
    if flow.state.stage is not Stage.CART:
        flow.back_to_cart()
    kiosk.services.cart.clear()
    kiosk.services.cart.set_quantity(product, quantity)
    await until(lambda: window.cart_screen.checkout_button.isEnabled())
    window.cart_screen.checkout_button.click()
    await until(lambda: flow.state.stage is Stage.DETAILS)


async def shoot_payment_methods(kiosk: KioskApp) -> None:
    """UPI QR, card on the terminal, cash with the operator (issue 13)."""
    assert kiosk.window is not None and kiosk.services is not None
    window, flow, api = kiosk.window, kiosk.services.flow, kiosk.services.api
    form = window.payment_screen
    await checkout_again(kiosk)
    form.method_buttons["upi_qr"].click()
    form.pay_button.setFocus()
    await settle()
    save_window(window, "payment-methods")

    form.pay_button.click()
    await until(lambda: flow.state.stage is Stage.SCAN_QR)
    await settle(1.2)
    save_window(window, "upi-qr")
    await api.customer(flow.state.session_id or "", "pay")
    await until(lambda: flow.state.receipt is not None)
    await settle()
    save_window(window, "upi-qr-receipt")

    await checkout_again(kiosk, "veg-sandwich", 1)
    form.method_buttons["card_present"].click()
    form.pay_button.click()
    await until(lambda: flow.state.stage is Stage.ON_TERMINAL)
    await settle(1.2)
    save_window(window, "terminal")
    window.terminal_screen.cancel_button.click()
    await until(lambda: flow.state.stage is Stage.CART)

    await checkout_again(kiosk, "mango-lassi", 1)
    form.method_buttons["cash"].click()
    cash = form.cash
    cash.start()
    for key in "1111":
        cash.keypad.keys[key].click()
    cash.amount.setFocus()
    cash.keypad.type_into(cash.amount)
    for key in "100":
        cash.keypad.keys[key].click()
    await settle()
    save_window(window, "cash-operator")
    form.pay_button.click()  # a wrong PIN: said under the PIN, nothing completes
    await until(lambda: flow.state.operator_pin_error is not None)
    await settle()
    save_window(window, "cash-operator-wrong-pin")


async def save_receipt_pdf(base_url: str, token: str, session_id: str) -> None:
    """The PDF copy of the receipt (docs/receipt.pdf) and, where poppler's pdftocairo is
    installed, a picture of it (docs/receipt-pdf.png)."""
    import aiohttp

    url = f"{base_url}/api/payments/session/{session_id}/receipt?format=pdf"
    async with aiohttp.ClientSession() as http, http.get(url, headers={"Authorization": f"Bearer {token}"}) as reply:
        reply.raise_for_status()
        pdf = DOCS / "receipt.pdf"
        pdf.write_bytes(await reply.read())
    print(pdf.relative_to(ROOT))
    if shutil.which("pdftocairo"):
        picture = await asyncio.create_subprocess_exec(
            "pdftocairo", "-png", "-r", "200", "-singlefile", str(pdf), str(DOCS / "receipt-pdf")
        )
        await picture.wait()
        print("docs/receipt-pdf.png")


def run(shoot: Callable[[], Coroutine[Any, Any, None]]) -> int:
    """Run a screenshot coroutine on the Qt loop through qasync, as the app itself runs."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("SmartCart")
    qasync.run(shoot())
    return 0


if __name__ == "__main__":
    SHOTS = Shots(sys.argv[1:])
    sys.exit(run(shoot))
