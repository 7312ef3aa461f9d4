"""The receipt a customer takes away, built here and nowhere else: the window shows it, the
printer prints it and the PDF copies it, all from this one record.

It carries what a shop hands out (GST Rule 46 for a tax invoice: the supplier's name, address and
GSTIN, a consecutive invoice number, the date, each item with its taxable value and tax, the total)
and how it was paid (method, card last 4 or UPI id, the gateway's reference); on a reprint after
refunds, each refund that gave money back (amount, date) and what stays paid. None of the
payment's internals: no attempts, interruptions, durations or session id; those are the admin's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from backend.db import refunds as refund_rows
from backend.db.sessions import reads
from backend.errors import Conflict
from backend.exports.money_taken import REFUNDED
from backend.payments.records import OrderRecord, SessionRecord
from backend.receipts.tax import TaxSplit, split_inclusive
from backend.refunds.records import RefundRecord
from backend.shop import repo as orders_repo
from backend.shop.identity import ShopSettings
from smartcart_contract.money import format_money
from smartcart_contract.states import Status

TAX_INVOICE = "Tax invoice"
RECEIPT = "Receipt"
# Accepted offline: the goods are handed over, the bank has not confirmed, no invoice number yet.
PROVISIONAL = "Provisional receipt - payment accepted offline"
# Which of the three titles, as a code: a client in another language names it in its own words
# (the kiosk window: ui/screens/result_screen.py); `title` is the English text the PDF prints.
TitleKind = Literal["tax_invoice", "receipt", "provisional"]
TITLE_KINDS: dict[str, TitleKind] = {TAX_INVOICE: "tax_invoice", RECEIPT: "receipt", PROVISIONAL: "provisional"}

_RECEIPTED = (Status.COMPLETED, Status.OFFLINE_ACCEPTED)
_METHODS = {"card": "Card", "upi": "UPI", "cash": "Cash", "upi_qr": "UPI (QR)", "card_present": "Card on terminal"}
_BRANDS = {"visa": "Visa card", "mastercard": "Mastercard", "amex": "Amex card", "rupay": "RuPay card"}


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    name: str
    quantity: int
    unit_price_minor: int
    total_minor: int
    tax: TaxSplit | None


@dataclass(frozen=True, slots=True)
class ReceiptRefund:
    amount_minor: int
    refunded_at: datetime  # when the gateway (or the drawer) gave it back, in the shop's time zone

    @property
    def refunded_at_text(self) -> str:
        return self.refunded_at.strftime("%d %b %Y, %H:%M")


@dataclass(frozen=True, slots=True)
class ReceiptDocument:
    title: str
    title_kind: TitleKind
    shop_name: str
    shop_address: tuple[str, ...]
    gstin: str | None
    invoice_number: str | None
    order_id: int
    issued_at: datetime  # in the shop's time zone
    lines: tuple[ReceiptLine, ...]
    currency: str
    total_minor: int
    method: str | None
    # "Visa card ending 4242", "UPI asha@okicici", "Cash": the English text the PDF and the
    # printer show. The kiosk window makes its own, in the customer's language, from the structured
    # fields (method, card_brand, card_last4, upi_id, cash_*): paid_with_text in
    # smartcart_desktop/ui/screens/result_screen.py, which must say the same in English.
    paid_with: str
    card_brand: str | None
    card_last4: str | None
    upi_id: str | None
    cash_received_minor: int | None
    cash_change_minor: int | None
    gateway_reference: str | None
    offline: bool
    # Refunds that gave money back, oldest first; pending and failed ones gave nothing (money_taken.py).
    refunds: tuple[ReceiptRefund, ...] = ()

    @property
    def refunded_minor(self) -> int:
        return sum(r.amount_minor for r in self.refunds)

    @property
    def net_paid_minor(self) -> int:
        """What the customer paid and did not get back."""
        return self.total_minor - self.refunded_minor

    @property
    def taxed(self) -> bool:
        return any(line.tax is not None for line in self.lines)

    @property
    def taxable_minor(self) -> int:
        return sum(line.tax.taxable_minor if line.tax else line.total_minor for line in self.lines)

    @property
    def cgst_minor(self) -> int:
        return sum(line.tax.cgst_minor for line in self.lines if line.tax)

    @property
    def sgst_minor(self) -> int:
        return sum(line.tax.sgst_minor for line in self.lines if line.tax)

    @property
    def issued_at_text(self) -> str:
        return self.issued_at.strftime("%d %b %Y, %H:%M")


def read_receipt(conn: Connection, session_id: str, shop: ShopSettings, *, kiosk: str | None = None) -> ReceiptDocument:
    """The receipt of a paid (or accepted offline) session, from one read of session and order;
    `kiosk`: the kiosk asking, to whom another kiosk's session is not found."""
    session = reads.get(conn, session_id, kiosk_id=kiosk)
    if session.status not in _RECEIPTED:
        raise Conflict(
            f"A {session.status} session has no receipt: only a paid one has.",
            code="no_receipt",
            status=session.status,
        )
    refunds = refund_rows.of_session(conn, session_id) if session.status is Status.COMPLETED else []
    return build_receipt(session, orders_repo.get(conn, session.order_id), shop, refunds)


def build_receipt(
    session: SessionRecord, order: OrderRecord, shop: ShopSettings, refunds: list[RefundRecord] | None = None
) -> ReceiptDocument:
    offline = session.status is Status.OFFLINE_ACCEPTED
    zone = ZoneInfo(shop.shop_time_zone)
    at_ms = session.finished_at_ms or session.updated_at_ms
    title = PROVISIONAL if offline else TAX_INVOICE if shop.shop_gstin else RECEIPT
    return ReceiptDocument(
        title=title,
        title_kind=TITLE_KINDS[title],
        shop_name=shop.shop_name,
        shop_address=tuple(shop.address_lines()),
        gstin=shop.shop_gstin,
        invoice_number=session.invoice_number,
        order_id=order.id,
        issued_at=datetime.fromtimestamp(at_ms / 1000, tz=zone),
        lines=tuple(
            ReceiptLine(
                name=item.name,
                quantity=item.quantity,
                unit_price_minor=item.unit_price_minor,
                total_minor=item.line_total_minor,
                tax=_tax(item.line_total_minor, shop.tax_rate_of(item.product_id)),
            )
            for item in order.items
        ),
        currency=session.currency,
        total_minor=session.amount_minor,
        method=session.method,
        paid_with=_paid_with(session),
        card_brand=session.card_brand,
        card_last4=session.card_last4,
        upi_id=session.upi_id,
        cash_received_minor=session.cash_received_minor if session.method == "cash" else None,
        cash_change_minor=session.cash_change_minor if session.method == "cash" else None,
        gateway_reference=session.gateway_charge_id,
        offline=offline,
        refunds=tuple(
            ReceiptRefund(
                amount_minor=r.amount_minor,
                refunded_at=datetime.fromtimestamp((r.finished_at_ms or r.created_at_ms) / 1000, tz=zone),
            )
            for r in refunds or ()
            if r.status.value in REFUNDED
        ),
    )


def _tax(line_total_minor: int, rate: Decimal | None) -> TaxSplit | None:
    return None if rate is None else split_inclusive(line_total_minor, rate)


def _paid_with(session: SessionRecord) -> str:
    """For the PDF and the printer only (English). The kiosk window's rule, in the customer's
    language, is paid_with_text in smartcart_desktop/ui/screens/result_screen.py: change one, change
    the other (tests/desktop/test_receipt_language.py compares them)."""
    if session.method == "card":
        brand = _BRANDS.get(session.card_brand or "", "Card")
        return f"{brand} ending {session.card_last4}" if session.card_last4 else brand
    if session.method == "upi" and session.upi_id:
        return f"UPI {session.upi_id}"
    if session.method == "card_present" and session.card_last4:
        brand = _BRANDS.get(session.card_brand or "", "Card")
        return f"{brand} ending {session.card_last4} (terminal)"
    if session.method == "cash" and session.cash_received_minor is not None:
        change = session.cash_change_minor or 0
        return (
            f"Cash: received {format_money(session.cash_received_minor, session.currency)}, "
            f"change {format_money(change, session.currency)}"
        )
    return _METHODS.get(session.method or "", (session.method or "—").upper())
