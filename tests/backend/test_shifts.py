"""Shifts over the real API: open with a float, close with a count, and the Z report's figures,
checked against the gateway simulator's own ledger."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from backend import app_keys
from tests.backend.api import ADMIN_TOKEN, CASH, Api
from tests.backend.conftest import AppFactory, MovableClock
from tests.pdf_text import pdf_text

CHAI, COFFEE, SANDWICH = 4000, 5500, 12000


@dataclass
class Till:
    kiosk: Api
    admin: Api
    app: web.Application

    async def cash(self, product: str, quantity: int = 1) -> dict[str, Any]:
        sid = await self.kiosk.session(await self.kiosk.order((product, quantity)))
        await self.kiosk.ok("POST", f"/api/payments/session/{sid}/complete", CASH)
        return await self.kiosk.get(sid)

    async def card(self, product: str, quantity: int = 1) -> dict[str, Any]:
        sid = await self.kiosk.session(await self.kiosk.order((product, quantity)))
        await self.kiosk.pay(sid)
        return await self.kiosk.wait_for(sid, "COMPLETED")

    async def upi(self, product: str, quantity: int = 1) -> dict[str, Any]:
        sid = await self.kiosk.session(await self.kiosk.order((product, quantity)))
        await self.kiosk.action(sid, "pay", {"method": "upi", "upiId": "asha@okbank"})
        return await self.kiosk.wait_for(sid, "COMPLETED")

    async def refund(self, session: dict[str, Any], amount: int) -> dict[str, Any]:
        return await self.admin.ok("POST", f"/api/payments/session/{session['sessionId']}/refund",
                                   {"amountMinor": amount, "reason": "not dispensed"},
                                   headers={"Idempotency-Key": uuid.uuid4().hex})

    async def ledger(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        base = self.app[app_keys.GATEWAY_URL]
        async with self.admin.http.get(base + "/v1/charges") as charges, \
                self.admin.http.get(base + "/v1/refunds") as refunds:
            return (await charges.json())["charges"], (await refunds.json())["refunds"]


async def till(start_app: AppFactory, **overrides: Any) -> Till:
    kiosk, app, client = await start_app(**overrides)
    return Till(kiosk, Api(client.session, kiosk.base, token=ADMIN_TOKEN), app)


async def test_one_shift_at_a_time_and_bad_input_changes_nothing(start_app: AppFactory) -> None:
    t = await till(start_app)
    assert (await t.admin.call("GET", "/api/shifts/current")).status == 404
    assert (await t.admin.call("POST", "/api/shifts/open", {"openingFloatMinor": -1})).status == 400
    assert (await t.kiosk.call("POST", "/api/shifts/open", {"openingFloatMinor": 1})).status == 403
    opened = await t.admin.ok("POST", "/api/shifts/open", {"openingFloatMinor": 50000})
    again = await t.admin.call("POST", "/api/shifts/open", {"openingFloatMinor": 1})
    assert (again.status, again.body["code"]) == (409, "shift_open")
    current = await t.admin.ok("GET", "/api/shifts/current")
    assert (current["shiftId"], current["openingFloatMinor"], current["report"]["final"]) == (
        opened["shiftId"], 50000, False)
    closed = await t.admin.ok("POST", "/api/shifts/current/close", {"countedCashMinor": 50000, "note": "quiet"})
    assert (closed["status"], closed["report"]["differenceMinor"]) == ("closed", 0)
    assert (await t.admin.call("POST", "/api/shifts/current/close", {"countedCashMinor": 1})).status == 404
    assert (await t.admin.call("GET", "/api/shifts/current")).status == 404


async def test_the_z_report_of_a_busy_shift_adds_up_and_matches_the_gateway(start_app: AppFactory) -> None:
    t = await till(start_app)
    await t.admin.ok("POST", "/api/shifts/open", {"openingFloatMinor": 50000})
    chai = await t.cash("masala-chai", 2)            # 8000 cash
    coffee = await t.card("filter-coffee", 2)        # 11000 card
    sandwich = await t.upi("veg-sandwich")           # 12000 UPI
    await t.refund(coffee, 3000)
    await t.refund(chai, 4000)                       # out of the drawer
    closed = await t.admin.ok("POST", "/api/shifts/current/close", {"countedCashMinor": 53500, "note": "short"})
    z = closed["report"]
    lines = {m["method"]: (m["payments"], m["takenMinor"], m["refunds"], m["refundedMinor"]) for m in z["methods"]}
    assert lines == {"cash": (1, 2 * CHAI, 1, 4000), "card": (1, 2 * COFFEE, 1, 3000), "upi": (1, SANDWICH, 0, 0)}
    assert z["expectedCashMinor"] == 50000 + 2 * CHAI - 4000
    assert (z["countedCashMinor"], z["differenceMinor"]) == (53500, 53500 - 54000)
    assert z["netMinor"] == 2 * CHAI + 2 * COFFEE + SANDWICH - 7000

    charges, refunds = await t.ledger()
    standing = {c["id"]: c for c in charges if c["status"] in ("succeeded", "refunded")}
    assert {coffee["gatewayChargeId"], sandwich["gatewayChargeId"]} == set(standing)
    assert sum(c["amountMinor"] for c in standing.values()) == lines["card"][1] + lines["upi"][1]
    assert sum(r["amountMinor"] for r in refunds) == lines["card"][3]
    rec = z["reconciliation"]
    assert (rec["checked"], rec["matchedCharges"], rec["matchedRefunds"], rec["mismatches"]) == (True, 2, 1, [])
    assert z["unsettled"] == []


async def test_a_charge_the_kiosk_never_recorded_is_listed_as_a_mismatch(start_app: AppFactory) -> None:
    t = await till(start_app)
    await t.admin.ok("POST", "/api/shifts/open", {"openingFloatMinor": 0})
    await t.card("masala-chai")
    stray = {"amountMinor": 999, "currency": "INR",
             "source": {"type": "card", "number": "4242424242424242", "expiry": "12/39", "cvv": "123"}}
    async with t.admin.http.post(t.app[app_keys.GATEWAY_URL] + "/v1/charges", json=stray,
                                 headers={"Idempotency-Key": "stray-1"}) as reply:
        charge = await reply.json()
    z = (await t.admin.ok("POST", "/api/shifts/current/close", {"countedCashMinor": 0}))["report"]
    assert z["reconciliation"]["matchedCharges"] == 1
    assert [(m["kind"], m["chargeId"], m["amountMinor"]) for m in z["reconciliation"]["mismatches"]] == [
        ("charge_without_completed_session", charge["id"], 999)]


async def test_a_closed_shift_keeps_its_report_in_every_format(start_app: AppFactory) -> None:
    t = await till(start_app)
    shift = await t.admin.ok("POST", "/api/shifts/open", {"openingFloatMinor": 10000})
    await t.cash("water-1l")
    closed = await t.admin.ok("POST", "/api/shifts/current/close", {"countedCashMinor": 11000})
    await t.cash("water-1l")  # after the close: in no report of this shift
    path = f"/api/shifts/{shift['shiftId']}/report"
    assert await t.admin.ok("GET", path) == closed["report"]
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with t.admin.http.get(t.admin.base + path, params={"format": "csv"}, headers=headers) as reply:
        rows = list(csv.reader(io.StringIO(await reply.text())))
    assert ["drawer", "expected", "INR", "", "120.00", "", "", ""] in rows
    async with t.admin.http.get(t.admin.base + path, params={"format": "pdf"}, headers=headers) as reply:
        assert reply.content_type == "application/pdf"
        text = pdf_text(await reply.read())
    assert "Z report, shift" in text and "INR 120.00" in text and "everything matches" in text
    assert (await t.admin.call("GET", "/api/shifts/999/report")).status == 404


async def test_a_clock_set_back_during_the_shift_does_not_undo_its_refunds(start_app: AppFactory) -> None:
    clock = MovableClock()
    t = await till(start_app, clock=clock)
    await t.admin.ok("POST", "/api/shifts/open", {"openingFloatMinor": 10000})
    chai = await t.cash("masala-chai")
    clock.jump(-7200)  # NTP or an operator sets the clock two hours back
    await t.refund(chai, 1000)
    z = (await t.admin.ok("POST", "/api/shifts/current/close", {"countedCashMinor": 13000}))["report"]
    assert z["until"] >= z["openedAt"]
    assert z["clockJumpMs"] < -7_000_000
    assert (z["cashTakenMinor"], z["cashRefundedMinor"], z["expectedCashMinor"]) == (CHAI, 1000, 13000)


async def test_racing_opens_and_closes_leave_one_shift_closed_once(start_app: AppFactory) -> None:
    t = await till(start_app)
    opens = await asyncio.gather(*(t.admin.call("POST", "/api/shifts/open", {"openingFloatMinor": n}) for n in range(4)))
    assert sorted(r.status for r in opens) == [201, 409, 409, 409]
    closes = await asyncio.gather(
        *(t.admin.call("POST", "/api/shifts/current/close", {"countedCashMinor": n}) for n in range(3)))
    done = [r for r in closes if r.status == 200]
    assert len(done) == 1 and all(r.status in (404, 409) for r in closes if r.status != 200)
    (opened,) = [r.body for r in opens if r.status == 201]
    report = await t.admin.ok("GET", f"/api/shifts/{opened['shiftId']}/report")
    assert report["countedCashMinor"] == done[0].body["countedCashMinor"]
