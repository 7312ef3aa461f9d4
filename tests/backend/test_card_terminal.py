"""Card on a terminal through the HTTP API: the customer taps at the simulator's terminal; the
kiosk never sees the card. Cancel racing an approval ends charged-and-shown or refunded."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.backend.api import Api
from tests.backend.conftest import MovableClock
from tests.backend.test_payments import charges_for, standing

FAST = {"provider_poll_s": 0.02, "terminal_id": "LANE-7"}


async def terminal_session(api: Api) -> tuple[str, dict[str, Any]]:
    session_id = await api.session()
    reply = await api.pay_by(session_id, "card_present")
    assert reply.status == 202, reply.body
    waiting = await api.wait_until(session_id, lambda s: s["terminal"] is not None, what="the terminal prompt")
    return session_id, waiting


async def test_the_session_names_the_terminal_it_waits_on(start_app):
    api, _, _ = await start_app(**FAST)
    _, session = await terminal_session(api)
    assert session["terminal"]["terminalId"] == "LANE-7" and session["terminal"]["expiresAt"] > 0
    assert session["status"] == "PROCESSING" and session["upiQr"] is None


async def test_an_approved_card_completes_with_one_charge(start_app):
    api, app, _ = await start_app(**FAST)
    session_id, _ = await terminal_session(api)
    await api.customer(session_id, "pay")
    session = await api.wait_for(session_id, "COMPLETED")
    charges = await charges_for(api, app, session_id)
    assert [c["id"] for c in standing(charges)] == [session["gatewayChargeId"]]
    assert charges[0]["sourceType"] == "terminal"


async def test_a_declined_card_declines_the_session(start_app):
    api, app, _ = await start_app(**FAST)
    session_id, _ = await terminal_session(api)
    await api.customer(session_id, "decline")
    session = await api.wait_for(session_id, "DECLINED")
    assert session["declineCode"] == "card_declined"
    assert standing(await charges_for(api, app, session_id)) == []


async def test_walking_away_from_the_terminal_expires_it(start_app):
    clock = MovableClock()  # the terminal's time runs out when the test says, not under CI load
    api, app, _ = await start_app(clock, **FAST, terminal_ttl_s=60)
    session_id, _ = await terminal_session(api)
    await api.customer(session_id, "walk_away")
    clock.advance(61)
    await api.wait_for(session_id, "EXPIRED")
    assert standing(await charges_for(api, app, session_id)) == []


async def test_an_approval_landing_as_the_cancel_arrives_is_refunded(start_app):
    api, app, _ = await start_app(**FAST)
    session_id, _ = await terminal_session(api)
    await api.customer(session_id, "pay_after_close")
    await api.action(session_id, "cancel", {"reason": "customer changed their mind"})
    session = await api.wait_for(session_id, "CANCELLED")
    assert "refunded" in [e["kind"] for e in session["events"]]
    assert [c["status"] for c in await charges_for(api, app, session_id)] == ["voided"]


async def test_a_cancel_racing_an_approval_is_never_unknown(start_app):
    api, app, _ = await start_app(**FAST)
    session_id, _ = await terminal_session(api)
    await asyncio.gather(api.customer(session_id, "pay"), api.action(session_id, "cancel", {"reason": "race"}))
    session = await api.wait_for(session_id, {"COMPLETED", "CANCELLED"}, settled=True)
    stands = standing(await charges_for(api, app, session_id))
    if session["status"] == "COMPLETED":
        assert [c["id"] for c in stands] == [session["gatewayChargeId"]]  # charged, and shown as paid
    else:
        assert stands == []  # cancelled: the approval was refunded


async def test_a_kiosk_without_a_terminal_refuses_card_present(start_app):
    api, _, _ = await start_app(payment_methods="upi_qr,cash")
    session_id = await api.session()
    reply = await api.pay_by(session_id, "card_present")
    assert (reply.status, reply.body["code"]) == (400, "method_not_offered")
    assert (await api.get(session_id))["status"] == "INITIATED"
    config = await api.ok("GET", "/api/config")
    assert config["paymentMethods"] == ["upi_qr", "cash", "card", "upi"]  # tester mode adds typed entry
