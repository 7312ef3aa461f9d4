"""The receipt as ESC/POS bytes, and naming the kiosk's printer in one setting."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from escpos.printer import Dummy

from smartcart_desktop.__main__ import parse_options
from smartcart_desktop.api.models import ReceiptDocument
from smartcart_desktop.printing.escpos_receipt import COLUMNS, write_receipt
from smartcart_desktop.printing.printer_target import BadPrinterTarget, PrinterTarget


def _receipt(**changes: object) -> ReceiptDocument:
    fields: dict[str, object] = {
        "title": "Tax invoice", "shop_name": "Chai Point", "shop_address": ["80 Feet Road", "Bengaluru"],
        "gstin": "29ABCDE1234F1ZW", "invoice_number": "SC/2627/000042", "order_id": 9,
        "issued_at": datetime(2026, 12, 1, 15, 40, tzinfo=UTC), "issued_at_text": "01 Dec 2026, 21:10",
        "lines": [{"name": "Masala Chai", "quantity": 2, "unit_price_minor": 4000, "total_minor": 8000,
                   "tax": {"rate_percent": "5", "taxable_minor": 7620, "cgst_minor": 190, "sgst_minor": 190}}],
        "currency": "INR", "taxable_minor": 7620, "cgst_minor": 190, "sgst_minor": 190, "total_minor": 8000,
        "method": "upi", "paid_with": "UPI asha@okbank", "upi_id": "asha@okbank", "gateway_reference": "ch_7f3a",
    }
    return ReceiptDocument.model_validate({**fields, **changes})


def _printed(receipt: ReceiptDocument) -> bytes:
    printer = Dummy()  # keeps the bytes a real printer would get
    write_receipt(printer, receipt)
    data: bytes = printer.output
    return data


def test_the_escpos_bytes_carry_the_shop_invoice_tax_total_and_reference() -> None:
    data = _printed(_receipt())
    for expected in (b"Chai Point", b"GSTIN 29ABCDE1234F1ZW", b"SC/2627/000042", b"01 Dec 2026, 21:10",
                     b"CGST", b"INR 1.90", b"TOTAL", b"INR 80.00", b"UPI asha@okbank", b"ch_7f3a"):
        assert expected in data, expected
    printed = [re.sub(rb"\x1b[\s\S]{2}", b"", line) for line in data.split(b"\n")]  # ESC x n: settings
    assert max(len(line) for line in printed) == COLUMNS  # right-aligned amounts end at the roll's edge
    assert data.endswith(b"\x1dV\x00")


def test_an_untaxed_offline_receipt_has_no_tax_lines_and_says_it_is_unconfirmed() -> None:
    lines = [{"name": "Water", "quantity": 1, "unit_price_minor": 2000, "total_minor": 2000}]
    data = _printed(_receipt(gstin=None, invoice_number=None, lines=lines, offline=True, title="Receipt"))
    assert b"CGST" not in data and b"Invoice no." not in data and b"GSTIN" not in data
    assert b"not yet confirmed by the bank" in data


@pytest.mark.parametrize(("spec", "target"), [
    ("network:192.168.1.50", PrinterTarget("network", host="192.168.1.50", port=9100)),
    ("network:printer.local:9101", PrinterTarget("network", host="printer.local", port=9101)),
    ("usb:04b8:0e15", PrinterTarget("usb", vendor=0x04B8, product=0x0E15)),
    ("file:/dev/usb/lp0", PrinterTarget("file", path="/dev/usb/lp0")),
])
def test_a_printer_is_named_in_one_setting(spec: str, target: PrinterTarget) -> None:
    assert PrinterTarget.parse(spec) == target
    assert parse_options(["--receipt-printer", spec]).receipt_printer == target


@pytest.mark.parametrize("spec", ["lp0", "network:", "network:host:port", "usb:04b8", "usb:zz:01", "file:"])
def test_a_printer_setting_that_names_none_is_refused(spec: str) -> None:
    with pytest.raises(BadPrinterTarget, match="names no printer"):
        PrinterTarget.parse(spec)
