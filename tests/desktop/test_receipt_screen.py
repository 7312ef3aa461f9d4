"""The receipt screen: the backend's receipt document, printed on the kiosk's ESC/POS printer,
and back to the cart by itself after the pause (issue 14, item 6)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel

from smartcart_desktop.app.backend_link import StartupError
from smartcart_desktop.app.startup import embedded_settings
from smartcart_desktop.checkout.state import Stage
from smartcart_desktop.printing.printer_target import PrinterTarget
from tests.desktop.conftest import FAST_OPTIONS, Kiosk, StartKiosk

SHOP = {
    "shop_name": "Chai Point Koramangala",
    "shop_address": "80 Feet Road | Bengaluru 560034",
    "shop_gstin": "29ABCDE1234F1ZW",
    "tax_rate_percent": "5",
}


def _with_printer(path: Path, **changes: object) -> object:
    return dataclasses.replace(FAST_OPTIONS, receipt_printer=PrinterTarget("file", path=str(path)), **changes)


async def _paid(kiosk: Kiosk) -> dict[str, str]:
    await kiosk.checkout(("masala-chai", 2))
    await kiosk.pay_by_card()
    return await kiosk.receipt()


def _screen_text(kiosk: Kiosk) -> str:
    return "\n".join(label.text() for label in kiosk.window.result_screen.findChildren(QLabel) if label.isVisible())


async def test_the_receipt_shows_shop_invoice_tax_and_bank_reference_and_no_internals(start_kiosk: StartKiosk):
    async with start_kiosk(**SHOP) as kiosk:
        receipt = await _paid(kiosk)
        session = kiosk.session
        assert receipt["shop"] == "Chai Point Koramangala"
        assert receipt["address"] == "80 Feet Road\nBengaluru 560034"
        assert (receipt["gstin"], receipt["title"]) == ("GSTIN 29ABCDE1234F1ZW", "Tax invoice")
        assert receipt["invoice-no"] == session.invoice_number and receipt["invoice-no"].startswith("SC/")
        assert receipt["items"] == "2 × Masala Chai   ₹80.00   (GST 5%)"
        assert (receipt["taxable-value"], receipt["cgst"], receipt["sgst"]) == ("₹76.20", "₹1.90", "₹1.90")
        assert (receipt["total"], receipt["paid-with"]) == ("₹80.00", "Visa card ending 4242")
        assert receipt["bank-reference"] == session.gateway_charge_id
        shown = _screen_text(kiosk) + kiosk.window.status.session.text()
        for internal in (session.session_id, "ttempt", "nterruption", "uration"):
            assert internal not in shown


async def test_print_sends_the_receipt_to_the_printer_as_escpos(start_kiosk: StartKiosk, tmp_path: Path):
    # A file stands in for the printer's device node: no physical printer here.
    printed = tmp_path / "printer.bin"
    async with start_kiosk(_with_printer(printed), **SHOP) as kiosk:
        await _paid(kiosk)
        screen = kiosk.window.result_screen
        assert not printed.exists()  # nothing prints before the tap
        kiosk.click(screen.print_button)
        await kiosk.waits.until(lambda: screen.print_status.text() == "Receipt printed.")
        data = printed.read_bytes()
        for expected in (b"Chai Point Koramangala", kiosk.session.invoice_number.encode(), b"TOTAL",
                         b"INR 80.00", b"CGST", b"GSTIN 29ABCDE1234F1ZW"):
            assert expected in data, expected
        assert data.endswith(b"\x1dV\x00")  # and the paper is cut


async def test_auto_print_prints_each_receipt_once_without_a_tap(start_kiosk: StartKiosk, tmp_path: Path):
    printed = tmp_path / "printer.bin"
    async with start_kiosk(_with_printer(printed, receipt_auto_print=True)) as kiosk:
        await _paid(kiosk)
        screen = kiosk.window.result_screen
        await kiosk.waits.until(lambda: screen.print_status.text() == "Receipt printed.")
        assert printed.read_bytes().count(b"\x1dV\x00") == 1


async def test_a_printer_that_fails_says_so_and_the_receipt_stays(start_kiosk: StartKiosk, tmp_path: Path):
    async with start_kiosk(_with_printer(tmp_path / "no-such-dir" / "lp0")) as kiosk:
        await _paid(kiosk)
        screen = kiosk.window.result_screen
        kiosk.click(screen.print_button)
        await kiosk.waits.until(lambda: screen.print_status.text().startswith("The receipt printer did not print"))
        assert kiosk.flow.state.stage is Stage.COMPLETED and screen.new_order_button.isVisible()


async def test_the_receipt_goes_back_to_an_empty_cart_after_the_pause(start_kiosk: StartKiosk):
    async with start_kiosk(dataclasses.replace(FAST_OPTIONS, receipt_return_s=0.3)) as kiosk:
        await _paid(kiosk)
        assert kiosk.window.result_screen.countdown.text().startswith("Back to the start in")
        await kiosk.stage(Stage.CART)
        assert kiosk.window.stack.currentWidget() is kiosk.window.cart_screen
        assert kiosk.app.services is not None and kiosk.app.services.cart.lines() == {}


async def test_new_order_goes_back_at_once(start_kiosk: StartKiosk):
    async with start_kiosk() as kiosk:  # the pause is 20 s here
        await _paid(kiosk)
        kiosk.click(kiosk.window.result_screen.new_order_button)
        assert kiosk.flow.state.stage is Stage.CART
        assert kiosk.window.stack.currentWidget() is kiosk.window.cart_screen


def test_a_kiosk_with_a_mistyped_gstin_refuses_to_start_and_says_which_setting(tmp_path: Path):
    with pytest.raises(StartupError, match=r"SMARTCART_SHOP_GSTIN: not a GSTIN: its check character"):
        embedded_settings(FAST_OPTIONS, data_dir=tmp_path, shop_gstin="29ABCDE1234F1ZX")
