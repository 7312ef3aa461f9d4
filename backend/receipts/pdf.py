"""The receipt as a PDF: an 80 mm wide slip, the copy a customer can be mailed or the shop keep.

fpdf2 is imported when a PDF is asked for, not with the backend (it costs start-up ~0.4 s).
Core PDF fonts cover Windows-1252 only, so amounts are written "INR 40.00", not with "₹".
Built off the event loop (the caller runs it in a thread).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from backend.receipts.document import ReceiptDocument
from smartcart_contract.money import format_money

if TYPE_CHECKING:
    from fpdf import FPDF

_FONT = "Helvetica"
_WIDTH_MM = 80
_MARGIN_MM = 5
_ROW_MM = 4.4


def receipt_pdf(receipt: ReceiptDocument) -> bytes:
    from fpdf import FPDF

    rows = 16 + len(receipt.shop_address) + len(receipt.lines) * (3 if receipt.taxed else 2)
    rows += len(receipt.refunds) + 1 if receipt.refunds else 0
    pdf = FPDF(unit="mm", format=(_WIDTH_MM, rows * _ROW_MM + 2 * _MARGIN_MM))
    pdf.core_fonts_encoding = "cp1252"
    pdf.set_margins(_MARGIN_MM, _MARGIN_MM, _MARGIN_MM)
    pdf.set_auto_page_break(True, margin=_MARGIN_MM)
    pdf.set_title(f"{receipt.title} {receipt.invoice_number or ''}".strip())
    pdf.add_page()
    _header(pdf, receipt)
    _items(pdf, receipt)
    _totals(pdf, receipt)
    _payment(pdf, receipt)
    return bytes(pdf.output())


def _text(value: object) -> str:
    return str(value).encode("cp1252", "replace").decode("cp1252")


def _money(receipt: ReceiptDocument, minor: int) -> str:
    return format_money(minor, receipt.currency, symbol=False)


def _line(pdf: FPDF, text: str, *, style: str = "", size: float = 8, align: str = "L") -> None:
    pdf.set_font(_FONT, style, size)
    pdf.multi_cell(0, _ROW_MM, _text(text), align=align, new_x="LMARGIN", new_y="NEXT")


def _pair(pdf: FPDF, left: str, right: str, *, style: str = "", size: float = 8) -> None:
    pdf.set_font(_FONT, style, size)
    width = pdf.w - 2 * _MARGIN_MM
    pdf.cell(width * 0.62, _ROW_MM, _text(left))
    pdf.cell(width * 0.38, _ROW_MM, _text(right), align="R", new_x="LMARGIN", new_y="NEXT")


def _rule(pdf: FPDF) -> None:
    pdf.ln(1)
    pdf.line(_MARGIN_MM, pdf.get_y(), pdf.w - _MARGIN_MM, pdf.get_y())
    pdf.ln(1.5)


def _header(pdf: FPDF, receipt: ReceiptDocument) -> None:
    _line(pdf, receipt.shop_name, style="B", size=11, align="C")
    for address in receipt.shop_address:
        _line(pdf, address, align="C")
    if receipt.gstin:
        _line(pdf, f"GSTIN {receipt.gstin}", align="C")
    _rule(pdf)
    _line(pdf, receipt.title, style="B", size=9, align="C")
    if receipt.invoice_number:
        _pair(pdf, "Invoice no.", receipt.invoice_number)
    _pair(pdf, "Date", receipt.issued_at_text)
    _pair(pdf, "Order", f"#{receipt.order_id}")
    _rule(pdf)


def _items(pdf: FPDF, receipt: ReceiptDocument) -> None:
    for line in receipt.lines:
        _pair(pdf, line.name, _money(receipt, line.total_minor), style="B")
        _pair(pdf, f"  {line.quantity} x {_money(receipt, line.unit_price_minor)}", "", size=7)
        if line.tax is not None:
            rate = f"{line.tax.rate_percent.normalize():f}"
            _pair(pdf, f"  Taxable {_money(receipt, line.tax.taxable_minor)}, GST {rate}%", "", size=7)
    _rule(pdf)


def _totals(pdf: FPDF, receipt: ReceiptDocument) -> None:
    if receipt.taxed:
        _pair(pdf, "Taxable value", _money(receipt, receipt.taxable_minor))
        _pair(pdf, "CGST", _money(receipt, receipt.cgst_minor))
        _pair(pdf, "SGST", _money(receipt, receipt.sgst_minor))
    _pair(pdf, "Total", _money(receipt, receipt.total_minor), style="B", size=10)
    for refund in receipt.refunds:
        _pair(pdf, f"Refunded {refund.refunded_at_text}", "-" + _money(receipt, refund.amount_minor))
    if receipt.refunds:
        _pair(pdf, "Net paid", _money(receipt, receipt.net_paid_minor), style="B", size=10)
    _rule(pdf)


def _payment(pdf: FPDF, receipt: ReceiptDocument) -> None:
    _pair(pdf, "Paid with", receipt.paid_with)
    if receipt.gateway_reference:
        _pair(pdf, "Bank reference", receipt.gateway_reference)
    if receipt.offline:
        _line(pdf, "Accepted offline: the bank has not confirmed this payment yet.", size=7)
    pdf.ln(2)
    _line(pdf, "Thank you for shopping with us.", size=8, align="C")
