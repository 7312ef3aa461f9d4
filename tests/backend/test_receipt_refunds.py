"""A reprinted receipt after refunds (issue 15, item 2): the receipt lists each refund that gave
money back, with its amount and date, and the net paid; the PDF copy prints the same, and the
PDF export's list of sessions says what each one had refunded."""

from __future__ import annotations

import re
from typing import Any

from tests.backend.api import ADMIN_TOKEN, Api
from tests.backend.conftest import AppFactory
from tests.backend.test_refunds import paid, refund, started
from tests.backend.test_totals import pdf_strings


async def receipt_pdf(api: Api, session_id: str) -> list[str]:
    async with api.http.get(f"{api.base}/api/payments/session/{session_id}/receipt", params={"format": "pdf"},
                            headers={"Authorization": f"Bearer {api.token}"}) as reply:
        assert (reply.status, reply.content_type) == (200, "application/pdf")
        return pdf_strings(await reply.read())


async def partly_refunded(start_app: AppFactory) -> tuple[Api, Api, dict[str, Any]]:
    kiosk, admin, _ = await started(start_app)
    session = await paid(kiosk)  # 2 × masala chai: INR 80.00 by card
    for amount in (3000, 1000):
        reply = await refund(admin, session["sessionId"], amount)
        assert (reply.status, reply.body["status"]) == (200, "succeeded"), reply.body
    return kiosk, admin, session


async def test_the_receipt_after_partial_refunds_lists_them_and_the_net_paid(start_app: AppFactory) -> None:
    kiosk, _, session = await partly_refunded(start_app)
    receipt = await kiosk.ok("GET", f"/api/payments/session/{session['sessionId']}/receipt")
    assert [r["amountMinor"] for r in receipt["refunds"]] == [3000, 1000]
    assert (receipt["totalMinor"], receipt["refundedMinor"], receipt["netPaidMinor"]) == (8000, 4000, 4000)
    assert all(re.fullmatch(r"\d\d [A-Z][a-z]{2} \d{4}, \d\d:\d\d", r["refundedAtText"]) for r in receipt["refunds"])
    assert receipt["refunds"][0]["refundedAt"] >= receipt["issuedAt"]

    strings = await receipt_pdf(kiosk, session["sessionId"])
    refunds = [s for s in strings if s.startswith("Refunded ")]
    assert refunds == [f"Refunded {r['refundedAtText']}" for r in receipt["refunds"]]
    after_total = strings[strings.index("Total"):]
    assert after_total[:8] == ["Total", "INR 80.00", refunds[0], "-INR 30.00", refunds[1], "-INR 10.00",
                               "Net paid", "INR 40.00"]


async def test_a_receipt_with_no_refund_has_no_refund_lines(start_app: AppFactory) -> None:
    kiosk, _, _ = await started(start_app)
    session = await paid(kiosk)
    receipt = await kiosk.ok("GET", f"/api/payments/session/{session['sessionId']}/receipt")
    assert (receipt["refunds"], receipt["refundedMinor"], receipt["netPaidMinor"]) == ([], 0, 8000)
    strings = await receipt_pdf(kiosk, session["sessionId"])
    assert "Net paid" not in strings and not any(s.startswith("Refunded") for s in strings)


async def test_the_pdf_export_lists_what_each_session_had_refunded(start_app: AppFactory) -> None:
    kiosk, admin, refunded = await partly_refunded(start_app)
    untouched = await paid(kiosk)
    async with admin.http.get(admin.base + "/api/payments/sessions/export", params={"format": "pdf"},
                              headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as reply:
        assert reply.status == 200, await reply.text()
        strings = pdf_strings(await reply.read())
    listed = strings[strings.index("Sessions (oldest first)"):]
    assert "Refunded" in listed  # the column's heading
    row = listed[listed.index(refunded["sessionId"]):listed.index(untouched["sessionId"])]
    assert row[row.index("INR 80.00") + 1] == "INR 40.00"  # the amount, then what was refunded of it
    rest = listed[listed.index(untouched["sessionId"]):]
    assert rest[rest.index("INR 80.00") + 1] == "1/3"  # nothing refunded: the cell is empty
