"""Money taken, defined once (backend/exports/money_taken.py), is the same figure in the PDF
summary, the JSON export and the overview's stats for the same period, on both databases; and
declined, cancelled, failed and open sessions, and one accepted offline, are never in it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from smartcart_contract.money import format_money
from tests.backend.api import ADMIN_TOKEN, CASH, DECLINED_CARD, Api
from tests.backend.conftest import AppFactory
from tests.pdf_text import pdf_text


def pdf_strings(data: bytes) -> list[str]:
    """The PDF's text pieces in drawing order: fpdf2 writes one `(…) Tj` per cell or text, on a
    line of its own (balanced parentheses inside stay unescaped)."""
    return [m[1] for line in pdf_text(data).splitlines() if (m := re.search(r"\((.*)\) Tj", line))]


BY_METHOD = "Money taken by method (completed payments, less refunds)"


def section(strings: list[str], heading: str, until: str) -> list[str]:
    start = strings.index(heading)
    return strings[start + 1 : strings.index(until, start)]


@pytest.mark.slow
async def test_the_pdf_json_and_overview_agree_on_the_money_taken(start_app: AppFactory) -> None:
    kiosk, _, client = await start_app(offline_enabled=True, max_attempts=2)
    admin = Api(client.session, kiosk.base, token=ADMIN_TOKEN)
    first = await kiosk.session(await kiosk.order(("masala-chai", 2)))
    await kiosk.ok("POST", f"/api/payments/session/{first}/complete", CASH)
    card = await kiosk.session(await kiosk.order(("filter-coffee", 1)))
    await kiosk.pay(card)
    declined = await kiosk.session(await kiosk.order(("veg-sandwich", 3)))
    await kiosk.pay(declined, DECLINED_CARD)
    cancelled = await kiosk.session(await kiosk.order(("samosa-2", 4)))
    await kiosk.action(cancelled, "cancel", {"reason": "customer left"})
    await kiosk.session(await kiosk.order(("water-1l", 5)))  # open: nothing taken yet
    await kiosk.wait_for(card, "COMPLETED")
    await kiosk.wait_for(declined, "DECLINED")
    await kiosk.faults("http_error")
    failed = await kiosk.session(await kiosk.order(("veg-sandwich", 5)))
    await kiosk.pay(failed)
    await kiosk.wait_until(failed, lambda s: s["settlingTo"] == "FAILED_MAX_RETRIES")
    await kiosk.faults("none")  # the gateway confirms no charge stands
    await kiosk.wait_for(failed, "FAILED_MAX_RETRIES")
    offline = await kiosk.session(await kiosk.order(("filter-coffee", 2)))
    await kiosk.faults("offline")  # stays on: the payment waits to be forwarded
    await kiosk.pay(offline)
    await kiosk.wait_for(offline, "OFFLINE_ACCEPTED")

    sessions = {sid: await kiosk.get(sid) for sid in (first, card, declined, cancelled, failed, offline)}
    taken = sessions[first]["amountMinor"] + sessions[card]["amountMinor"]
    pending = sessions[offline]["amountMinor"]
    asked = sum(s["amountMinor"] for s in sessions.values())
    span: dict[str, Any] = {"from": sessions[first]["createdAt"], "to": sessions[offline]["updatedAt"]}

    stats = await admin.ok("GET", "/api/payments/stats?" + "&".join(f"{k}={v}" for k, v in span.items()))
    assert stats["taken"] == [{"key": None, "currency": "INR", "sessions": 2, "amountMinor": taken}]
    assert {t["key"]: t["amountMinor"] for t in stats["takenByMethod"]} == {
        "cash": sessions[first]["amountMinor"], "card": sessions[card]["amountMinor"]}
    assert [(t["sessions"], t["amountMinor"]) for t in stats["notYetCollected"]] == [(1, pending)]
    assert sum(t["amountMinor"] for t in stats["byStatus"]) > asked > taken  # the open one asks too

    async with admin.http.get(admin.base + "/api/payments/sessions/export",
                              params={**span, "format": "pdf"},
                              headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as reply:
        assert reply.status == 200
        strings = pdf_strings(await reply.read())
    money = format_money(taken, "INR", symbol=False)
    assert f"Money taken: {money} (2 completed payments)" in strings
    assert f"Accepted offline, not yet collected: {format_money(pending, 'INR', symbol=False)} (1 payment) " \
           "- not in the money taken until the gateway accepts it" in strings
    by_method = section(strings, BY_METHOD, "Sessions by outcome (amounts asked, not taken)")
    assert by_method[-6:] == ["All", "INR", "2", money, format_money(0, "INR", symbol=False), money]
    assert "declined" not in " ".join(by_method).lower()
    by_outcome = section(strings, "Sessions by outcome (amounts asked, not taken)", "Interruptions by reason")
    # The outcomes' "All" row counts sessions and adds up no money.
    all_row = by_outcome[by_outcome.index("All"):]
    assert all_row == ["All", "INR", str(len(sessions) + 1)]

    document = await admin.ok("GET", "/api/payments/sessions/export?" + "&".join(
        f"{k}={v}" for k, v in {**span, "format": "json"}.items()))
    assert [(t["currency"], t["sessions"], t["amountMinor"]) for t in document["moneyTaken"]] == [("INR", 2, taken)]


async def test_the_pdf_the_overview_and_the_z_report_agree_on_money_taken_less_refunds(start_app: AppFactory) -> None:
    kiosk, _, client = await start_app()
    admin = Api(client.session, kiosk.base, token=ADMIN_TOKEN)
    await admin.ok("POST", "/api/shifts/open", {"openingFloatMinor": 20000})
    cash = await kiosk.session(await kiosk.order(("masala-chai", 3)))
    await kiosk.ok("POST", f"/api/payments/session/{cash}/complete", CASH)
    card = await kiosk.session(await kiosk.order(("paneer-roll", 2)))
    await kiosk.pay(card)
    declined = await kiosk.session(await kiosk.order(("veg-sandwich", 1)))
    await kiosk.pay(declined, DECLINED_CARD)
    await kiosk.wait_for(card, "COMPLETED")
    await kiosk.wait_for(declined, "DECLINED")
    for session_id, amount in ((card, 4900), (cash, 1500), (card, 100)):
        await admin.ok("POST", f"/api/payments/session/{session_id}/refund", {"amountMinor": amount, "reason": "short"},
                       headers={"Idempotency-Key": f"{session_id[:8]}{amount}"})
    z = (await admin.ok("POST", "/api/shifts/current/close", {"countedCashMinor": 30000}))["report"]
    net = 3 * 4000 + 2 * 14900 - 4900 - 1500 - 100

    span = {"from": z["openedAt"], "to": z["until"]}
    stats = await admin.ok("GET", "/api/payments/stats?" + "&".join(f"{k}={v}" for k, v in span.items()))
    async with admin.http.get(admin.base + "/api/payments/sessions/export", params={**span, "format": "pdf"},
                              headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as reply:
        strings = pdf_strings(await reply.read())
    money = format_money(net, "INR", symbol=False)
    assert z["netMinor"] == net
    assert stats["taken"] == [{"key": None, "currency": "INR", "sessions": 2, "amountMinor": net}]
    assert f"Money taken: {money} (2 completed payments, less 3 refunds of INR 65.00)" in strings
    assert section(strings, BY_METHOD, "Sessions by outcome (amounts asked, not taken)")[-1] == money
    assert {t["key"]: t["amountMinor"] for t in stats["takenByMethod"]} == {
        m["method"]: m["netMinor"] for m in z["methods"]}
