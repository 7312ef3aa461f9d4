"""The receipt in the customer's language (issue 14, item 8): the window makes the document's
title, date and "paid with" from its structured fields, in English exactly as the backend's text
that the PDF and the printer show, in Hindi with no English left but the shop's, ids and acronyms.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from backend.http.schemas.receipts import ReceiptOut
from backend.payments.records import OrderItemRecord, OrderRecord, SessionRecord
from backend.receipts.document import build_receipt
from backend.shop.identity import ShopSettings
from smartcart_contract.states import OrderStatus, Status
from smartcart_desktop.api.models import ReceiptDocument
from smartcart_desktop.ui.language import HINDI
from smartcart_desktop.ui.screens.result_screen import issued_at_text, paid_with_text, title_text
from tests.desktop.conftest import FAST_OPTIONS, StartKiosk, receipt_texts
from tests.desktop.test_receipt_screen import SHOP

# 2026-09-01 15:40 UTC: 21:10 in Kolkata, a month whose English abbreviations differ between
# locales ("Sep"/"Sept"): the date must read as the backend's strftime does.
_AT_MS = int(datetime(2026, 9, 1, 15, 40, tzinfo=UTC).timestamp() * 1000)
_PAID = SessionRecord(
    id="s" * 32, order_id=7, status=Status.COMPLETED, idempotency_key="k", amount_minor=9000,
    currency="INR", max_attempts=3, created_at_ms=_AT_MS, updated_at_ms=_AT_MS, expires_at_ms=_AT_MS,
    finished_at_ms=_AT_MS,
)
_ORDER = OrderRecord(id=7, status=OrderStatus.PAID, currency="INR", total_minor=9000, created_at_ms=_AT_MS,
                     paid_at_ms=_AT_MS, items=(OrderItemRecord("masala-chai", "Masala Chai", 4500, 2),))
# Every branch of the rule: each brand, last 4 or not, UPI id or not, cash with change or not.
_WAYS: dict[str, dict[str, Any]] = {
    "visa": {"method": "card", "card_brand": "visa", "card_last4": "4242"},
    "mastercard": {"method": "card", "card_brand": "mastercard", "card_last4": "4444"},
    "amex": {"method": "card", "card_brand": "amex", "card_last4": "0005"},
    "rupay": {"method": "card", "card_brand": "rupay", "card_last4": "6521"},
    "unknown-brand": {"method": "card", "card_brand": "diners", "card_last4": "1111"},
    "card-no-last4": {"method": "card", "card_brand": "visa"},
    "upi-id": {"method": "upi", "upi_id": "asha@okicici"},
    "upi": {"method": "upi"},
    "upi-qr": {"method": "upi_qr"},
    "terminal": {"method": "card_present", "card_brand": "visa", "card_last4": "4242"},
    "terminal-no-last4": {"method": "card_present"},
    "cash-change": {"method": "cash", "cash_received_minor": 10_000, "cash_change_minor": 1000},
    "cash-exact": {"method": "cash", "cash_received_minor": 9000, "cash_change_minor": 0},
    "cash": {"method": "cash"},
    "other": {"method": "wallet"},
    "none": {"method": None},
}


def _document(session: SessionRecord, shop: ShopSettings) -> tuple[str, str, str, ReceiptDocument]:
    """The backend's English texts, and the document as the window receives it over the wire."""
    built = build_receipt(session, _ORDER, shop)
    wire = ReceiptOut.of(built).model_dump(mode="json", by_alias=True)
    return built.title, built.issued_at_text, built.paid_with, ReceiptDocument.model_validate(wire)


@pytest.mark.parametrize("way", _WAYS)
def test_in_english_the_window_says_what_the_backend_prints_word_for_word(way: str) -> None:
    _, _, printed, document = _document(replace(_PAID, **_WAYS[way]), ShopSettings())
    assert paid_with_text(document) == printed


@pytest.mark.parametrize(("status", "gstin"), [(Status.COMPLETED, "29ABCDE1234F1ZW"), (Status.COMPLETED, None),
                                               (Status.OFFLINE_ACCEPTED, None)])
def test_in_english_the_title_and_date_are_the_backend_s(status: Status, gstin: str | None) -> None:
    title, date, _, document = _document(replace(_PAID, status=status), ShopSettings(shop_gstin=gstin))
    assert (title_text(document), issued_at_text(document)) == (title, date)
    assert date == "01 Sep 2026, 21:10"  # in the shop's time zone, not the kiosk machine's


async def test_a_card_receipt_in_hindi_names_title_date_and_card_in_hindi(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(FAST_OPTIONS, **SHOP) as kiosk:
        await kiosk.checkout(("masala-chai", 2))
        await kiosk.pay_by_card()
        receipt = await kiosk.receipt()
        assert (receipt["title"], receipt["paid-with"]) == ("Tax invoice", "Visa card ending 4242")
        document = kiosk.flow.state.receipt.document if kiosk.flow.state.receipt else None
        assert document is not None
        assert receipt["date"] == document.issued_at_text
        kiosk.window.language.switch(HINDI)
        # The receipt is drawn again (the old labels go at the next turn of the event loop).
        await kiosk.waits.until(lambda: receipt_texts(kiosk.window).get("title") == "कर बीजक")
        hindi = receipt_texts(kiosk.window)
        assert (hindi["title"], hindi["paid-with"]) == ("कर बीजक", "वीज़ा कार्ड, अंतिम अंक 4242")
        month = ("जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर", "अक्टूबर", "नवंबर",
                 "दिसंबर")[document.issued_at.month - 1]
        assert hindi["date"] == f"{document.issued_at:%d} {month} {document.issued_at:%Y, %H:%M}"
