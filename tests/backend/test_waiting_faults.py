"""Faults on the link to the provider hit QR and terminal calls as they hit charges; whatever is
lost on the way, the payment is found again by the session's key and charged exactly once."""

from __future__ import annotations

import pytest

from tests.backend.api import Api
from tests.backend.test_payments import charges_for, standing

METHODS = pytest.mark.parametrize("method", ["upi_qr", "card_present"])
SHOWN = {"upi_qr": "upiQr", "card_present": "terminal"}


async def pay_and_complete_once(api: Api, app, session_id: str, method: str) -> None:
    await api.wait_until(session_id, lambda s: s[SHOWN[method]] is not None, what="the payment to wait again")
    assert (await api.customer(session_id, "pay")).status == 200
    session = await api.wait_for(session_id, "COMPLETED")
    assert [c["id"] for c in standing(await charges_for(api, app, session_id))] == [session["gatewayChargeId"]]
    assert len(await charges_for(api, app, session_id)) == 1


@METHODS
async def test_a_lost_reply_to_the_open_is_found_again_by_key(start_app, method):
    api, app, _ = await start_app(provider_poll_s=0.02, retry_delay_s=0.5)
    await api.faults("reply_lost")  # the provider opens it; the kiosk never hears
    session_id = await api.session()
    await api.pay_by(session_id, method)
    interrupted = await api.wait_for(session_id, "INTERRUPTED")
    assert interrupted["outcomeUnknown"] and interrupted[SHOWN[method]] is None
    faults = await api.ok("GET", "/api/dev/faults")
    assert any(hit["sessionId"] == session_id and hit["mode"] == "reply_lost" for hit in faults["log"])
    await api.faults("none")
    await pay_and_complete_once(api, app, session_id, method)


@METHODS
async def test_a_timed_out_open_is_resumed_without_a_second_one(start_app, method):
    api, app, _ = await start_app(provider_poll_s=0.02, gateway_timeout_s=0.3)
    await api.faults("timeout")
    session_id = await api.session()
    await api.pay_by(session_id, method)
    interrupted = await api.wait_for(session_id, "INTERRUPTED")
    assert interrupted["lastInterruptionReason"] == "TIMEOUT" and not interrupted["needsPaymentDetails"]
    await api.faults("none")
    assert (await api.action(session_id, "resume")).status == 202
    await pay_and_complete_once(api, app, session_id, method)


@METHODS
async def test_polls_lost_while_the_customer_pays_still_complete_once(start_app, method):
    api, app, _ = await start_app(provider_poll_s=0.02)
    session_id = await api.session()
    await api.pay_by(session_id, method)
    await api.wait_until(session_id, lambda s: s[SHOWN[method]] is not None, what="the payment to wait")
    await api.faults("reply_lost")
    await api.customer(session_id, "pay")  # the customer's phone is not on the kiosk's link
    still = await api.get(session_id)
    assert still["status"] == "PROCESSING"  # a failed look-up never ends the wait
    await api.faults("none")
    session = await api.wait_for(session_id, "COMPLETED")
    assert [c["id"] for c in standing(await charges_for(api, app, session_id))] == [session["gatewayChargeId"]]
