"""Each path of the seed's checklist against the real gateway simulator over HTTP.

Faults are real socket behaviour on the link to the gateway (tester mode's fault proxy).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import update

from backend import app_keys
from backend.db.sessions import reads
from backend.db.tables import PaymentSession
from backend.gateway.client import CardSource
from tests.backend.api import DECLINED_CARD, GOOD_CARD, Api, eventually


async def charges_for(api: Api, app: web.Application, session_id: str) -> list[dict[str, Any]]:
    """The gateway's own ledger rows for this session's idempotency key."""
    key = await app[app_keys.DATABASE].read(
        lambda conn: reads.get(conn, session_id).idempotency_key
    )
    async with api.http.get(app[app_keys.GATEWAY_URL] + "/v1/charges") as reply:
        ledger = (await reply.json())["charges"]
    return [c for c in ledger if c["idempotencyKey"] == key]


def standing(charges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in charges if c["status"] == "succeeded"]


async def test_success_charges_once(app_and_api):
    app, api = app_and_api
    session_id = await api.session()
    await api.pay(session_id)
    session = await api.wait_for(session_id, "COMPLETED")
    charges = await charges_for(api, app, session_id)
    assert [c["id"] for c in standing(charges)] == [session["gatewayChargeId"]]


async def test_timeout_then_retry_completes_with_one_charge(start_app):
    api, app, _ = await start_app(gateway_timeout_s=0.3)
    await api.faults("timeout")
    session_id = await api.session()
    await api.pay(session_id)

    interrupted = await api.wait_for(session_id, "INTERRUPTED")
    assert interrupted["lastInterruptionReason"] == "TIMEOUT"
    assert interrupted["canResume"] and not interrupted["needsPaymentDetails"]
    assert interrupted["nextRetryAt"] is None  # a timeout waits for the customer

    await api.faults("none")
    resumed = await api.action(session_id, "resume")
    assert resumed.status == 202
    assert resumed.body["message"] == "Resuming payment attempt 2/3"
    session = await api.wait_for(session_id, "COMPLETED")
    assert session["attempts"] == 2
    assert len(standing(await charges_for(api, app, session_id))) == 1


async def test_network_error_is_retried_automatically_and_completes(start_app):
    api, app, _ = await start_app(retry_delay_s=0.5)
    await api.faults("offline")
    session_id = await api.session()
    await api.pay(session_id)

    interrupted = await api.wait_for(session_id, "INTERRUPTED")
    assert interrupted["lastInterruptionReason"] == "NETWORK_ERROR"
    assert interrupted["nextRetryAt"] is not None
    await api.faults("none")

    session = await api.wait_for(session_id, "COMPLETED")
    assert session["attempts"] == 2
    assert [e["kind"] for e in session["events"]].count("retry") == 1
    assert len(standing(await charges_for(api, app, session_id))) == 1


async def test_max_retries_exceeded_when_the_gateway_stays_unreachable(app_and_api):
    app, api = app_and_api
    await api.faults("offline")
    session_id = await api.session()
    await api.pay(session_id)

    session = await api.wait_for(session_id, "FAILED_MAX_RETRIES")

    assert session["attempts"] == 3 and not session["canResume"]
    assert await charges_for(api, app, session_id) == []  # nothing ever reached the gateway


async def test_max_retries_after_gateway_errors_closes_the_key(app_and_api):
    app, api = app_and_api
    await api.faults("http_error")
    session_id = await api.session()
    await api.pay(session_id)
    # A 503 does not prove the charge was not made, and the look-up meets 503 too: no verdict yet.
    waiting = await api.wait_until(session_id, lambda s: s["settlingTo"] == "FAILED_MAX_RETRIES")
    assert waiting["status"] == "INTERRUPTED" and waiting["nextRetryAt"] is None
    await api.faults("none")

    session = await api.wait_for(session_id, "FAILED_MAX_RETRIES")

    assert session["lastInterruptionReason"] == "GATEWAY_ERROR"
    charges = await charges_for(api, app, session_id)
    assert [c["status"] for c in charges] == ["voided"]  # a late attempt under this key is refused


async def test_cancel_during_payment_leaves_no_charge_standing(start_app):
    api, app, _ = await start_app(gateway_delay_s=0.5)
    session_id = await api.session()
    await api.pay(session_id)
    await api.wait_for(session_id, "PROCESSING")

    reply = await api.action(session_id, "cancel", {"reason": "customer changed their mind"})
    assert reply.status == 202 and reply.body["settlingTo"] == "CANCELLED"

    session = await api.wait_for(session_id, "CANCELLED")
    # The attempt in flight lands at the simulator only after its delay, so an empty ledger
    # proves nothing yet: wait for the key's final entry (the charge voided, or the tombstone
    # that refuses it), then look for a charge that stands.
    charges = await eventually(lambda: charges_for(api, app, session_id), bool,
                               what="the ledger entry of the session's key")
    assert [c["status"] for c in charges] == ["voided"]
    order = await api.ok("GET", f"/api/orders/{session['orderId']}")
    assert order["status"] == "PENDING"


async def test_cancel_after_a_lost_reply_voids_the_charge_that_went_through(app_and_api):
    app, api = app_and_api
    await api.faults("reply_lost")  # the charge is made; the kiosk never hears of it
    session_id = await api.session()
    await api.pay(session_id)
    await api.wait_for(session_id, "INTERRUPTED")
    assert standing(await charges_for(api, app, session_id)) != []

    reply = await api.action(session_id, "cancel", {"reason": "customer walked away"})
    assert reply.status == 202 and reply.body["settlingTo"] == "CANCELLED"
    # The void's reply is lost too: the session waits to settle while the charge may stand.
    pending = await api.wait_until(session_id, lambda s: s["settlingTo"] == "CANCELLED")
    assert pending["status"] in ("PROCESSING", "INTERRUPTED")
    await api.faults("none")

    await api.wait_for(session_id, "CANCELLED")
    charges = await charges_for(api, app, session_id)
    assert [(c["status"], c["amountMinor"]) for c in charges] == [("voided", pending["amountMinor"])]


async def test_cancel_before_paying_needs_no_gateway(app_and_api):
    app, api = app_and_api
    session_id = await api.session()
    reply = await api.action(session_id, "cancel")
    assert (reply.status, reply.body["status"]) == (200, "CANCELLED")
    assert await charges_for(api, app, session_id) == []


async def test_cancel_while_the_gateway_is_unreachable_waits_then_settles(start_app):
    api, app, _ = await start_app(gateway_timeout_s=0.3)
    await api.faults("timeout")
    session_id = await api.session()
    await api.pay(session_id)
    await api.wait_for(session_id, "INTERRUPTED")

    reply = await api.action(session_id, "cancel")
    assert reply.status == 202
    pending = await api.wait_for(session_id, "INTERRUPTED")
    assert pending["settlingTo"] == "CANCELLED"  # the attempt may have landed: not cancelled yet

    await api.faults("none")
    await api.wait_for(session_id, "CANCELLED")
    assert standing(await charges_for(api, app, session_id)) == []


async def test_decline_ends_the_session_and_allows_another_method(app_and_api):
    _app, api = app_and_api
    order_id = await api.order()
    session_id = await api.session(order_id)
    await api.pay(session_id, DECLINED_CARD)

    session = await api.wait_for(session_id, "DECLINED")
    assert session["declineCode"] == "card_declined"
    assert (await api.ok("GET", f"/api/orders/{order_id}"))["status"] == "PENDING"
    assert await api.session(order_id) != session_id


async def test_insufficient_funds_is_a_decline_with_its_code(api):
    session_id = await api.session()
    await api.pay(session_id, {**GOOD_CARD, "number": "4000000000009995"})
    assert (await api.wait_for(session_id, "DECLINED"))["declineCode"] == "insufficient_funds"


async def test_upi_payment_completes(api):
    session_id = await api.session()
    await api.action(session_id, "pay", {"method": "upi", "upiId": "asha@okbank"})
    session = await api.wait_for(session_id, "COMPLETED")
    assert (session["method"], session["upiId"]) == ("upi", "asha@okbank")


async def test_reply_lost_ends_completed_with_exactly_one_charge(app_and_api):
    app, api = app_and_api
    await api.faults("reply_lost")
    session_id = await api.session()
    await api.pay(session_id)
    await api.wait_for(session_id, "INTERRUPTED")
    await api.faults("none")

    session = await api.wait_for(session_id, "COMPLETED")

    charges = await charges_for(api, app, session_id)
    assert len(charges) == 1 and charges[0]["id"] == session["gatewayChargeId"]
    assert any(e["kind"] == "completed" and "found at the gateway" in e["reason"] for e in session["events"])


async def test_lost_replies_never_mark_a_charged_payment_failed(app_and_api):
    app, api = app_and_api
    await api.faults("reply_lost")
    session_id = await api.session()
    await api.pay(session_id)

    # Every attempt and every look-up loses its reply: the money may be taken, so no verdict.
    stuck = await api.wait_until(session_id, lambda s: s["settlingTo"] == "FAILED_MAX_RETRIES")
    assert stuck["status"] == "INTERRUPTED"
    await api.faults("none")

    await api.wait_for(session_id, "COMPLETED")
    assert len(standing(await charges_for(api, app, session_id))) == 1


async def test_resume_after_a_restart_needs_the_details_again(start_app):
    api, _, client = await start_app(gateway_timeout_s=0.3)
    await api.faults("timeout")
    session_id = await api.session()
    await api.pay(session_id)
    await api.wait_for(session_id, "INTERRUPTED")
    await client.close()  # the kiosk process stops; the card number is gone with it

    api, app, _ = await start_app(gateway_timeout_s=0.3)
    session = await api.wait_until(session_id, lambda s: not s["outcomeUnknown"])
    assert session["canResume"] and session["needsPaymentDetails"]
    refused = await api.action(session_id, "resume")
    assert (refused.status, refused.body["code"]) == (400, "payment_details_required")

    resumed = await api.action(session_id, "resume", {"method": "card", "card": GOOD_CARD})
    assert resumed.status == 202
    await api.wait_for(session_id, "COMPLETED")
    assert len(standing(await charges_for(api, app, session_id))) == 1


async def test_resume_of_a_payment_that_went_through_answers_completed(start_app):
    api, app, _ = await start_app(gateway_timeout_s=0.3, reconcile_min_s=30, reconcile_max_s=30)
    await api.faults("reply_lost")
    session_id = await api.session()
    await api.pay(session_id)
    await api.wait_for(session_id, "INTERRUPTED")
    await api.action(session_id, "interrupt", {"reason": "APP_CLOSED"})  # stop automatic retries
    # The backend's own look-up meets the lost reply too; it tries again only after its back-off.
    await api.wait_until(session_id, lambda s: s["events"][-1]["kind"] == "lookup_failed")
    await api.faults("none")

    reply = await api.action(session_id, "resume")

    assert (reply.status, reply.body["status"]) == (200, "COMPLETED")
    assert len(await charges_for(api, app, session_id)) == 1


async def test_the_fault_log_names_the_session_of_look_ups_and_voids_too(start_app):
    api, _, _ = await start_app(gateway_timeout_s=0.3)
    await api.faults("timeout")
    session_id = await api.session()
    await api.pay(session_id)
    await api.wait_for(session_id, "INTERRUPTED")
    await api.action(session_id, "cancel")  # the void meets the fault too

    hits = (await api.ok("GET", "/api/dev/faults"))["log"]

    assert {(h["method"], h["sessionId"]) for h in hits} >= {("POST", session_id)}
    assert all(h["sessionId"] == session_id for h in hits if h["path"].startswith("/v1/charges"))


async def test_card_number_and_cvv_never_reach_a_log(start_app, caplog):
    caplog.set_level("DEBUG")
    api, _, _ = await start_app(gateway_timeout_s=0.3)
    card = {**GOOD_CARD, "number": "4000056655665556", "cvv": "737"}
    await api.faults("timeout")  # interruptions, look-ups and retries all log something
    session_id = await api.session()
    await api.pay(session_id, card)
    await api.wait_for(session_id, "INTERRUPTED")
    await api.faults("none")
    await api.action(session_id, "resume")
    await api.wait_for(session_id, "COMPLETED")

    logged = "\n".join(f"{r.getMessage()} {r.args}" for r in caplog.records)
    assert logged  # the run did log
    assert "4000056655665556" not in logged
    assert "cvv" not in logged.lower()


async def test_an_attempt_left_by_an_earlier_life_of_the_process_is_looked_up_not_forgotten(start_app):
    """PROCESSING, owned by this instance, its details gone (the process restarted and start-up
    recovery has not run yet, e.g. on a full disk), its charge already at the gateway: the
    driver must treat the outcome as unknown and ask the gateway, not leave a payment that
    expiry would then end without a look-up while the charge stands."""
    api, app, _ = await start_app()
    session_id = await api.session()
    session = await app[app_keys.DATABASE].read(lambda conn: reads.get(conn, session_id))
    # The attempt of the earlier life: the charge went through, nobody heard the answer.
    await app[app_keys.GATEWAY].charge(
        key=session.idempotency_key, amount_minor=session.amount_minor, currency=session.currency,
        source=CardSource(number=GOOD_CARD["number"], expiry=GOOD_CARD["expiry"], cvv=GOOD_CARD["cvv"]),
    )
    owner = app[app_keys.INSTANCE].id
    await app[app_keys.DATABASE].write(lambda conn: conn.execute(
        update(PaymentSession).where(PaymentSession.id == session_id).values(
            status="PROCESSING", attempts=1, owner=owner, outcome_unknown=False, gateway_contacted=False)
    ))
    app[app_keys.ENGINE].kick(session_id)
    done = await api.wait_for(session_id, "COMPLETED")
    assert done["gatewayChargeId"]
