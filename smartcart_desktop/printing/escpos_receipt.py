"""The receipt document as ESC/POS commands: what an 80 mm thermal printer prints.

Written through python-escpos onto any of its printers (network, USB, file, or the Dummy that
keeps the bytes). Amounts are written "INR 40.00": printer code pages have no "₹".
"""

from __future__ import annotations

from typing import Any

from smartcart_contract.money import format_money
from smartcart_desktop.api.models import ReceiptDocument

COLUMNS = 42  # font A on an 80 mm roll


def write_receipt(printer: Any, receipt: ReceiptDocument, *, columns: int = COLUMNS) -> None:
    """`printer`: an escpos.escpos.Escpos (untyped library, hence Any)."""

    def money(minor: int) -> str:
        return format_money(minor, receipt.currency, symbol=False)

    def pair(left: str, right: str) -> None:
        room = columns - len(right) - 1
        printer.textln(f"{left[:room]:<{room}} {right}")

    def rule() -> None:
        printer.textln("-" * columns)

    printer.set(align="center", bold=True, double_height=True, double_width=True)
    printer.textln(receipt.shop_name)
    printer.set(align="center", normal_textsize=True)
    for line in receipt.shop_address:
        printer.textln(line)
    if receipt.gstin:
        printer.textln(f"GSTIN {receipt.gstin}")
    printer.set(align="center", bold=True)
    printer.textln(receipt.title)
    printer.set(align="left", bold=False, normal_textsize=True)
    rule()
    if receipt.invoice_number:
        pair("Invoice no.", receipt.invoice_number)
    pair("Date", receipt.issued_at_text)
    pair("Order", f"#{receipt.order_id}")
    rule()
    for item in receipt.lines:
        pair(item.name, money(item.total_minor))
        printer.textln(f"  {item.quantity} x {money(item.unit_price_minor)}")
        if item.tax is not None:
            printer.textln(f"  taxable {money(item.tax.taxable_minor)}, GST {item.tax.rate_percent}%")
    rule()
    if receipt.taxed:
        pair("Taxable value", money(receipt.taxable_minor))
        pair("CGST", money(receipt.cgst_minor))
        pair("SGST", money(receipt.sgst_minor))
    printer.set(bold=True)
    pair("TOTAL", money(receipt.total_minor))
    printer.set(bold=False)
    pair("Paid with", receipt.paid_with)
    if receipt.gateway_reference:
        pair("Bank ref.", receipt.gateway_reference)
    if receipt.offline:
        printer.textln("Accepted offline: not yet confirmed by the bank.")
    printer.set(align="center")
    printer.textln("Thank you!")
    printer.cut()
