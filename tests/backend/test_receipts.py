"""The receipt a shop hands out: invoice numbers per financial year, GST lines, JSON and PDF."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from backend.receipts.tax import split_inclusive
from backend.settings import Settings, invalid_settings_message
from tests.backend.api import ADMIN_TOKEN, Api
from tests.backend.conftest import MovableClock
from tests.pdf_text import pdf_text

SHOP = {
    "shop_name": "Chai Point Koramangala",
    "shop_address": "80 Feet Road | Bengaluru 560034",
    "shop_gstin": "29ABCDE1234F1ZW",
}
IST = ZoneInfo("Asia/Kolkata")


async def _paid_in_cash(api: Api, *items: tuple[str, int]) -> dict:
    session_id = await api.session(await api.order(*items))
    assert (await api.cash(session_id)).status == 200
    return await api.get(session_id, history=False)


def _clock_at(moment: datetime) -> MovableClock:
    clock = MovableClock()
    clock.jump(moment.timestamp() - clock() / 1000)
    return clock


async def test_invoice_numbers_are_consecutive_and_start_again_on_1_april(start_app):
    clock = _clock_at(datetime(2027, 3, 31, 23, 50, tzinfo=IST))  # ten minutes for the March payments
    api, _, _ = await start_app(clock=clock)
    unpaid = await api.get(await api.session(), history=False)
    assert unpaid["invoiceNumber"] is None
    march = [(await _paid_in_cash(api))["invoiceNumber"] for _ in range(3)]
    clock.jump(600)  # past midnight of 1 April 2027 in Bengaluru (still 31 March in UTC)
    april = [(await _paid_in_cash(api))["invoiceNumber"] for _ in range(2)]
    assert march == ["SC/2627/000001", "SC/2627/000002", "SC/2627/000003"]
    assert april == ["SC/2728/000001", "SC/2728/000002"]


async def test_card_and_upi_payments_get_the_next_numbers(api: Api):
    cash = (await _paid_in_cash(api))["invoiceNumber"]
    card = await api.session()
    assert (await api.pay(card)).status == 202
    upi = await api.session()
    await api.action(upi, "pay", {"method": "upi", "upiId": "asha@okbank"})
    numbers = {(await api.wait_for(s, "COMPLETED"))["invoiceNumber"] for s in (card, upi)}
    serials = sorted(int(n.rsplit("/", 1)[1]) for n in {cash, *numbers})
    assert serials == [1, 2, 3]


async def test_a_declined_payment_takes_no_number(api: Api):
    declined = await api.session()
    await api.pay(declined, {"number": "4000000000000002", "holder": "A", "expiry": "12/39", "cvv": "123"})
    assert (await api.wait_for(declined, "DECLINED"))["invoiceNumber"] is None
    assert (await _paid_in_cash(api))["invoiceNumber"].endswith("/000001")


async def test_the_receipt_names_the_shop_items_tax_and_payment_and_no_internals(start_app):
    api, _, _ = await start_app(**SHOP, tax_rate_percent="5", tax_rates="veg-sandwich=12")
    session_id = await api.session(await api.order(("masala-chai", 2), ("veg-sandwich", 1)))
    await api.pay(session_id)
    session = await api.wait_for(session_id, "COMPLETED")
    receipt = await api.ok("GET", f"/api/payments/session/{session_id}/receipt")

    assert (receipt["title"], receipt["shopName"], receipt["gstin"]) == (
        "Tax invoice", "Chai Point Koramangala", "29ABCDE1234F1ZW")
    assert receipt["shopAddress"] == ["80 Feet Road", "Bengaluru 560034"]
    assert receipt["invoiceNumber"] == session["invoiceNumber"]
    assert [(line["name"], line["quantity"], line["totalMinor"], line["tax"]) for line in receipt["lines"]] == [
        ("Masala Chai", 2, 8000, {"ratePercent": "5", "taxableMinor": 7620, "cgstMinor": 190, "sgstMinor": 190}),
        ("Veg Sandwich", 1, 12000, {"ratePercent": "12", "taxableMinor": 10714, "cgstMinor": 643, "sgstMinor": 643}),
    ]
    assert (receipt["taxableMinor"], receipt["cgstMinor"], receipt["sgstMinor"], receipt["totalMinor"]) == (
        18334, 833, 833, 20000)
    assert (receipt["paidWith"], receipt["cardLast4"]) == ("Visa card ending 4242", "4242")
    assert receipt["gatewayReference"] == session["gatewayChargeId"] is not None
    assert receipt["issuedAt"].endswith("+05:30")
    text = str(receipt)
    for internal in ("attempt", "nterruption", "duration", session_id):
        assert internal not in text


async def test_the_pdf_copy_carries_the_same_receipt(start_app):
    api, _, _ = await start_app(**SHOP, tax_rate_percent="5")
    session = await _paid_in_cash(api, ("masala-chai", 3))
    reply = await api.http.get(
        f"{api.base}/api/payments/session/{session['sessionId']}/receipt?format=pdf",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert (reply.status, reply.content_type) == (200, "application/pdf")
    text = pdf_text(await reply.read())
    for expected in ("Chai Point Koramangala", "GSTIN 29ABCDE1234F1ZW", session["invoiceNumber"],
                     "INR 120.00", "CGST", "INR 2.86", "Cash"):
        assert expected in text, expected
    assert session["sessionId"] not in text


async def test_an_unpaid_session_has_no_receipt_and_bad_requests_change_nothing(api: Api):
    session_id = await api.session()
    refused = await api.call("GET", f"/api/payments/session/{session_id}/receipt")
    assert (refused.status, refused.body["code"], refused.body["status"]) == (409, "no_receipt", "INITIATED")
    unknown = await api.call("GET", f"/api/payments/session/{'0' * 32}/receipt")
    assert (unknown.status, unknown.body["code"]) == (404, "session_not_found")
    bad_format = await api.call("GET", f"/api/payments/session/{session_id}/receipt?format=docx")
    assert (bad_format.status, bad_format.body["code"]) == (400, "invalid_input")
    no_token = await api.call("GET", f"/api/payments/session/{session_id}/receipt", token="wrong")
    assert no_token.status == 401
    assert (await api.get(session_id, history=False))["status"] == "INITIATED"


@pytest.mark.parametrize(("total", "rate"), [(8000, "5"), (12000, "12"), (1, "18"), (99999, "28"), (4000, "0")])
def test_a_tax_split_adds_up_to_the_line_and_cgst_equals_sgst(total: int, rate: str):
    split = split_inclusive(total, Decimal(rate))
    assert split.taxable_minor + split.cgst_minor + split.sgst_minor == total
    assert split.cgst_minor == split.sgst_minor
    # The taxable value at the rate gives back the tax within the half-paisa of rounding.
    assert abs(split.taxable_minor * Decimal(rate) / 200 - split.cgst_minor) <= Decimal("0.5") + Decimal(rate) / 200


@pytest.mark.parametrize(("setting", "value", "says"), [
    ("shop_gstin", "29ABCDE1234F1ZX", "check character"),
    ("shop_gstin", "29ABCDE1234F1Z", "15 characters"),
    ("shop_gstin", "00ABCDE1234F1ZW", "state code"),
    ("shop_time_zone", "Asia/Bangalore", "no time zone"),
    ("invoice_prefix", "SHOP1", "capital letters"),
    ("tax_rates", "masala-chai", "product-id=rate"),
    ("tax_rate_percent", "50", "less than or equal to 40"),
])
def test_bad_shop_settings_stop_the_start_with_what_to_fix(setting: str, value: str, says: str):
    with pytest.raises(ValidationError) as refused:
        Settings(**{setting: value})
    message = invalid_settings_message(refused.value)
    assert f"SMARTCART_{setting.upper()}" in message and says in message


async def test_an_offline_payment_gets_its_invoice_number_when_forwarded(start_app):
    api, _, _ = await start_app(offline_enabled=True, **SHOP)
    await api.faults("offline")
    session_id = await api.session()
    await api.pay(session_id)
    await api.wait_for(session_id, "OFFLINE_ACCEPTED")
    provisional = await api.ok("GET", f"/api/payments/session/{session_id}/receipt")
    assert (provisional["offline"], provisional["invoiceNumber"]) == (True, None)
    assert provisional["title"].startswith("Provisional")

    await api.faults("none")
    forwarded = await api.wait_for(session_id, "COMPLETED")
    final = await api.ok("GET", f"/api/payments/session/{session_id}/receipt")
    assert final["invoiceNumber"] == forwarded["invoiceNumber"] is not None
    assert (final["title"], final["offline"]) == ("Tax invoice", False)


async def test_the_admin_finds_a_payment_by_the_invoice_number_on_its_receipt(api: Api):
    paid = await _paid_in_cash(api)
    await _paid_in_cash(api)  # another one, not to be found
    number = paid["invoiceNumber"]
    found = await api.ok("GET", f"/api/payments/sessions?q={number.lower()}", token=ADMIN_TOKEN)
    assert [s["sessionId"] for s in found["sessions"]] == [paid["sessionId"]]
