"""Refunds over the real API against the real simulator: full, partial, never more than was
taken, one refund per Idempotency-Key, and exactly one at the gateway's ledger whatever is lost
on the way (a reply, the backend process itself)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from backend import app_keys
from tests.backend.api import ADMIN_TOKEN, CASH, Api, eventually
from tests.backend.conftest import AppFactory


async def paid(kiosk: Api, *, cash: bool = False) -> dict[str, Any]:
    session_id = await kiosk.session(await kiosk.order(("masala-chai", 2)))
    if cash:
        await kiosk.ok("POST", f"/api/payments/session/{session_id}/complete", CASH)
    else:
        await kiosk.pay(session_id)
    return await kiosk.wait_for(session_id, "COMPLETED")


async def refund(admin: Api, session_id: str, amount: int, key: str | None = None,
                 reason: str = "item not dispensed") -> Any:
    headers = {"Idempotency-Key": key or uuid.uuid4().hex}
    return await admin.call("POST", f"/api/payments/session/{session_id}/refund",
                            {"amountMinor": amount, "reason": reason}, headers=headers)


async def gateway_refunds(http: aiohttp.ClientSession, gateway_url: str, charge_id: str) -> list[dict[str, Any]]:
    async with http.get(gateway_url + "/v1/refunds") as reply:
        return [r for r in (await reply.json())["refunds"] if r["chargeId"] == charge_id]


async def ledger_charge(http: aiohttp.ClientSession, gateway_url: str, charge_id: str) -> dict[str, Any]:
    async with http.get(gateway_url + "/v1/charges") as reply:
        return next(c for c in (await reply.json())["charges"] if c["id"] == charge_id)


async def started(start_app: AppFactory) -> tuple[Api, Api, web.Application]:
    kiosk, app, client = await start_app()
    return kiosk, Api(client.session, kiosk.base, token=ADMIN_TOKEN), app


async def test_a_full_refund_marks_the_charge_refunded_at_the_gateway(start_app: AppFactory) -> None:
    kiosk, admin, app = await started(start_app)
    session = await paid(kiosk)
    reply = await refund(admin, session["sessionId"], session["amountMinor"])
    assert reply.status == 200, reply.body
    assert (reply.body["status"], reply.body["refundableMinor"]) == ("succeeded", 0)
    gateway = app[app_keys.GATEWAY_URL]
    charge = await ledger_charge(admin.http, gateway, session["gatewayChargeId"])
    assert (charge["status"], charge["refundedMinor"]) == ("refunded", session["amountMinor"])
    after = await kiosk.get(session["sessionId"])
    assert after["status"] == "COMPLETED"
    assert [e["kind"] for e in after["events"]][-2:] == ["refund_requested", "refunded"]


async def test_partial_refunds_add_up_and_the_rest_is_refused(start_app: AppFactory) -> None:
    kiosk, admin, app = await started(start_app)
    session = await paid(kiosk)
    amount = session["amountMinor"]
    first = await refund(admin, session["sessionId"], 1000)
    assert (first.status, first.body["refundableMinor"]) == (200, amount - 1000)
    too_much = await refund(admin, session["sessionId"], amount - 999)
    assert too_much.status == 409
    assert (too_much.body["code"], too_much.body["refundableMinor"]) == ("refund_exceeds_taken", amount - 1000)
    rest = await refund(admin, session["sessionId"], amount - 1000)
    assert rest.status == 200
    gateway = app[app_keys.GATEWAY_URL]
    found = await gateway_refunds(admin.http, gateway, session["gatewayChargeId"])
    assert sorted(r["amountMinor"] for r in found) == sorted([1000, amount - 1000])


async def test_the_same_key_gives_the_same_refund_and_another_body_is_refused(start_app: AppFactory) -> None:
    kiosk, admin, app = await started(start_app)
    session = await paid(kiosk)
    first, again = [await refund(admin, session["sessionId"], 500, key="dialog-1") for _ in range(2)]
    assert first.body["refundId"] == again.body["refundId"]
    assert (first.body["replayed"], again.body["replayed"]) == (False, True)
    other = await refund(admin, session["sessionId"], 600, key="dialog-1")
    assert (other.status, other.body["code"]) == (422, "idempotency_key_reused")
    found = await gateway_refunds(admin.http, app[app_keys.GATEWAY_URL], session["gatewayChargeId"])
    assert [r["amountMinor"] for r in found] == [500]


async def test_bad_refund_requests_change_nothing(start_app: AppFactory) -> None:
    kiosk, admin, _ = await started(start_app)
    session = await paid(kiosk)
    path = f"/api/payments/session/{session['sessionId']}/refund"
    no_key = await admin.call("POST", path, {"amountMinor": 100, "reason": "broken"})
    assert (no_key.status, no_key.body["code"]) == (400, "idempotency_key_required")
    zero = await refund(admin, session["sessionId"], 0)
    assert (zero.status, zero.body["code"]) == (400, "invalid_input")
    as_kiosk = await kiosk.call("POST", path, {"amountMinor": 100, "reason": "broken"},
                                headers={"Idempotency-Key": "k1"})
    assert as_kiosk.status == 403
    open_one = await kiosk.session()
    not_done = await refund(admin, open_one, 100)
    assert (not_done.status, not_done.body["status"]) == (409, "INITIATED")
    listed = await admin.ok("GET", f"/api/payments/session/{session['sessionId']}/refunds")
    assert listed["refunds"] == []


async def test_a_cash_refund_comes_out_of_the_drawer_without_the_gateway(start_app: AppFactory) -> None:
    kiosk, admin, _ = await started(start_app)
    session = await paid(kiosk, cash=True)
    await kiosk.faults("offline")  # a cash refund never needs the gateway
    reply = await refund(admin, session["sessionId"], 2000)
    assert (reply.status, reply.body["status"], reply.body["method"]) == (200, "succeeded", "cash")
    events = (await kiosk.get(session["sessionId"]))["events"]
    assert events[-1]["kind"] == "refunded" and "cash drawer" in events[-1]["detail"]


async def test_a_lost_reply_leaves_the_refund_pending_and_a_retry_finishes_it_once(start_app: AppFactory) -> None:
    kiosk, app, client = await start_app(reconcile_max_s=3600)  # no recovery pass in between
    admin = Api(client.session, kiosk.base, token=ADMIN_TOKEN)
    session = await paid(kiosk)
    await kiosk.faults("reply_lost")  # the gateway refunds; the backend never hears it
    lost = await refund(admin, session["sessionId"], 700, key="k-lost")
    assert (lost.status, lost.body["status"]) == (202, "pending")
    # Pending holds its amount: nothing more than the rest can be refunded meanwhile.
    over = await refund(admin, session["sessionId"], session["amountMinor"] - 699)
    assert over.status == 409
    await kiosk.faults("none")
    again = await refund(admin, session["sessionId"], 700, key="k-lost")
    assert (again.status, again.body["status"], again.body["refundId"]) == (200, "succeeded", lost.body["refundId"])
    found = await gateway_refunds(admin.http, app[app_keys.GATEWAY_URL], session["gatewayChargeId"])
    assert [(r["id"], r["amountMinor"]) for r in found] == [(again.body["gatewayRefundId"], 700)]


async def test_the_recovery_pass_finishes_a_pending_refund_by_itself(start_app: AppFactory) -> None:
    kiosk, app, client = await start_app()
    admin = Api(client.session, kiosk.base, token=ADMIN_TOKEN)
    session = await paid(kiosk)
    await kiosk.faults("reply_lost")
    lost = await refund(admin, session["sessionId"], 700)
    assert lost.body["status"] == "pending"
    await kiosk.faults("none")
    path = f"/api/payments/session/{session['sessionId']}/refunds"
    listed = await eventually(lambda: admin.ok("GET", path),
                              lambda body: body["refunds"][0]["status"] == "succeeded", what="refund finished")
    found = await gateway_refunds(admin.http, app[app_keys.GATEWAY_URL], session["gatewayChargeId"])
    assert [r["id"] for r in found] == [listed["refunds"][0]["gatewayRefundId"]]


async def test_concurrent_refunds_in_one_process_never_exceed_the_payment(start_app: AppFactory) -> None:
    kiosk, admin, app = await started(start_app)
    session = await paid(kiosk)
    share = session["amountMinor"] // 3 + 1  # three fit only twice
    replies = await asyncio.gather(*(refund(admin, session["sessionId"], share) for _ in range(6)))
    assert sorted(r.status for r in replies) == [200, 200, 409, 409, 409, 409]
    found = await gateway_refunds(admin.http, app[app_keys.GATEWAY_URL], session["gatewayChargeId"])
    assert sum(r["amountMinor"] for r in found) == 2 * share <= session["amountMinor"]


@pytest.mark.parametrize("body", [{"amountMinor": 1}, {"chargeId": "ch_1", "idempotencyKey": "k", "amountMinor": 1}])
async def test_the_simulator_refuses_a_refund_that_names_no_single_charge(start_app: AppFactory,
                                                                          body: dict[str, Any]) -> None:
    _, app, client = await start_app()
    async with client.session.post(app[app_keys.GATEWAY_URL] + "/v1/refunds", json=body,
                                   headers={"Idempotency-Key": "r1"}) as reply:
        assert (reply.status, (await reply.json())["code"]) == (400, "invalid_request")


async def test_the_simulator_replays_a_key_refuses_another_body_and_an_over_refund(start_app: AppFactory) -> None:
    kiosk, app, client = await start_app()
    session = await paid(kiosk)
    url = app[app_keys.GATEWAY_URL] + "/v1/refunds"

    async def post(key: str, amount: int, charge: str | None = None) -> tuple[int, Any, str | None]:
        body = {"chargeId": charge or session["gatewayChargeId"], "amountMinor": amount}
        async with client.session.post(url, json=body, headers={"Idempotency-Key": key}) as reply:
            return reply.status, await reply.json(), reply.headers.get("Idempotent-Replayed")

    first, again = await post("r1", 1000), await post("r1", 1000)
    assert (first[0], again[0], again[1]["id"], again[2]) == (200, 200, first[1]["id"], "true")
    assert (await post("r1", 1001))[:2][0] == 422
    over = await post("r2", session["amountMinor"] - 999)
    assert (over[0], over[1]["code"]) == (409, "refund_exceeds_charge")
    assert (await post("r3", 1, charge="ch_0"))[0] == 404
    charge = await ledger_charge(client.session, app[app_keys.GATEWAY_URL], session["gatewayChargeId"])
    assert (charge["status"], charge["refundedMinor"]) == ("succeeded", 1000)


async def test_exports_show_what_was_refunded_and_count_it_out_of_the_money_taken(start_app: AppFactory) -> None:
    kiosk, admin, _ = await started(start_app)
    session = await paid(kiosk)
    await refund(admin, session["sessionId"], 1500)
    document = await admin.ok("GET", "/api/payments/sessions/export?format=json")
    (row,) = document["sessions"]
    assert (row["refundedMinor"], row["refunded"]) == (1500, "15.00")
    assert document["moneyTaken"][0]["amountMinor"] == session["amountMinor"] - 1500
