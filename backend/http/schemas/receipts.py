"""The receipt as the API gives it (backend/receipts/document.py builds it)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from backend.http.schemas.common import RequestModel, ResponseModel
from backend.receipts.document import ReceiptDocument, ReceiptLine, ReceiptRefund, TitleKind


class TaxOut(ResponseModel):
    rate_percent: str = Field(description='the GST rate, e.g. "5" (CGST and SGST are half each)')
    taxable_minor: int
    cgst_minor: int
    sgst_minor: int


class ReceiptLineOut(ResponseModel):
    name: str
    quantity: int
    unit_price_minor: int
    total_minor: int
    tax: TaxOut | None

    @classmethod
    def of(cls, line: ReceiptLine) -> ReceiptLineOut:
        tax = line.tax
        return cls(
            name=line.name,
            quantity=line.quantity,
            unit_price_minor=line.unit_price_minor,
            total_minor=line.total_minor,
            tax=None
            if tax is None
            else TaxOut(
                rate_percent=f"{tax.rate_percent.normalize():f}",
                taxable_minor=tax.taxable_minor,
                cgst_minor=tax.cgst_minor,
                sgst_minor=tax.sgst_minor,
            ),
        )


class ReceiptRefundOut(ResponseModel):
    amount_minor: int
    refunded_at: str = Field(description="ISO 8601 in the shop's time zone")
    refunded_at_text: str = Field(description='as printed: "01 Dec 2026, 21:40"')

    @classmethod
    def of(cls, refund: ReceiptRefund) -> ReceiptRefundOut:
        return cls(amount_minor=refund.amount_minor, refunded_at=refund.refunded_at.isoformat(timespec="seconds"),
                   refunded_at_text=refund.refunded_at_text)


class ReceiptOut(ResponseModel):
    title: str = Field(description='"Tax invoice" (a GSTIN is set), "Receipt", or provisional (offline), in English')
    title_kind: TitleKind = Field(
        description="which title, as a code: a client in another language names it in its own words")
    shop_name: str
    shop_address: list[str]
    gstin: str | None
    invoice_number: str | None = Field(description="null only while a payment accepted offline is not forwarded")
    order_id: int
    issued_at: str = Field(description="ISO 8601 in the shop's time zone")
    issued_at_text: str = Field(description='as printed: "01 Dec 2026, 21:10"')
    lines: list[ReceiptLineOut]
    currency: str
    taxable_minor: int
    cgst_minor: int
    sgst_minor: int
    total_minor: int
    method: str | None
    paid_with: str = Field(description='as printed, in English: "Visa card ending 4242", "UPI (QR)", '
                           '"Cash: received ₹100.00, change ₹10.00"; a client in another language makes its '
                           "own from method, card_brand, card_last4, upi_id and cash_*")
    card_brand: str | None = Field(description='"visa", "mastercard", "amex", "rupay" or null (unknown)')
    card_last4: str | None
    upi_id: str | None
    cash_received_minor: int | None = Field(description="cash only: what the operator took")
    cash_change_minor: int | None = Field(description="cash only: what the operator gave back")
    gateway_reference: str | None
    offline: bool
    refunds: list[ReceiptRefundOut] = Field(description="refunds that gave money back, oldest first")
    refunded_minor: int = Field(description="their sum")
    net_paid_minor: int = Field(description="total less refunded: what the customer paid and kept paid")

    @classmethod
    def of(cls, receipt: ReceiptDocument) -> ReceiptOut:
        return cls(
            title=receipt.title,
            title_kind=receipt.title_kind,
            shop_name=receipt.shop_name,
            shop_address=list(receipt.shop_address),
            gstin=receipt.gstin,
            invoice_number=receipt.invoice_number,
            order_id=receipt.order_id,
            issued_at=receipt.issued_at.isoformat(timespec="seconds"),
            issued_at_text=receipt.issued_at_text,
            lines=[ReceiptLineOut.of(line) for line in receipt.lines],
            currency=receipt.currency,
            taxable_minor=receipt.taxable_minor,
            cgst_minor=receipt.cgst_minor,
            sgst_minor=receipt.sgst_minor,
            total_minor=receipt.total_minor,
            method=receipt.method,
            paid_with=receipt.paid_with,
            card_brand=receipt.card_brand,
            card_last4=receipt.card_last4,
            upi_id=receipt.upi_id,
            cash_received_minor=receipt.cash_received_minor,
            cash_change_minor=receipt.cash_change_minor,
            gateway_reference=receipt.gateway_reference,
            offline=receipt.offline,
            refunds=[ReceiptRefundOut.of(r) for r in receipt.refunds],
            refunded_minor=receipt.refunded_minor,
            net_paid_minor=receipt.net_paid_minor,
        )


class ReceiptQuery(RequestModel):
    format: Literal["json", "pdf"] = Field("json", description="pdf: a printable A6-wide copy")
