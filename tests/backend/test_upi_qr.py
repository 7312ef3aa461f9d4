"""UPI dynamic QR through the HTTP API, against the simulator over HTTP, on both databases.

The simulated customer (tester mode's /api/dev/customer) scans and pays, declines, walks away, or
pays just as the QR is closed; the simulator's own ledger is the proof of what money stands.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import web

from backend import app_keys
from tests.backend.api import Api, eventually
from tests.backend.conftest import MovableClock
from tests.backend.test_payments import charges_for, standing

FAST_QR = {"provider_poll_s": 0.02}


async def qr_session(api: Api) -> tuple[str, dict[str, Any]]:
    session_id = await api.session()
    reply = await api.pay_by(session_id, "upi_qr")
    assert reply.status == 202, reply.body
    waiting = await api.wait_until(session_id, lambda s: s["upiQr"] is not None, what="the QR to show")
    return session_id, waiting


async def test_the_qr_carries_the_exact_amount_payee_and_session_reference(start_app):
    api, app, _ = await start_app(**FAST_QR, upi_payee_vpa="chai.stall@okaxis", upi_payee_name="Chai Stall")
    session_id, session = await qr_session(api)
    payload = urlsplit(session["upiQr"]["payload"])
    params = {k: v[0] for k, v in parse_qs(payload.query).items()}
    assert (payload.scheme, payload.netloc) == ("upi", "pay")
    assert params == {"pa": "chai.stall@okaxis", "pn": "Chai Stall", "am": "80.00",
                      "tr": await key_of(app, session_id), "cu": "INR"}
    assert session["status"] == "PROCESSING" and session["method"] == "upi_qr"
    assert session["upiQr"]["expiresAt"] > 0 and session["terminal"] is None


async def test_a_paid_qr_completes_with_one_charge(start_app):
    api, app, _ = await start_app(**FAST_QR)
    session_id, _ = await qr_session(api)
    assert (await api.customer(session_id, "pay")).status == 200
    session = await api.wait_for(session_id, "COMPLETED")
    assert session["upiQr"] is None
    charges = await charges_for(api, app, session_id)
    assert [c["id"] for c in standing(charges)] == [session["gatewayChargeId"]]
    assert charges[0]["sourceType"] == "upi_qr"


async def test_a_declined_qr_payment_declines_the_session(start_app):
    api, app, _ = await start_app(**FAST_QR)
    session_id, _ = await qr_session(api)
    await api.customer(session_id, "decline")
    session = await api.wait_for(session_id, "DECLINED")
    assert session["declineCode"] == "upi_declined"
    assert standing(await charges_for(api, app, session_id)) == []


async def test_walking_away_expires_the_qr_and_nothing_stands(start_app):
    clock = MovableClock()  # the QR's life passes when the test says, not while a loaded CI waits
    api, app, _ = await start_app(clock, **FAST_QR, upi_qr_ttl_s=60)
    session_id, _ = await qr_session(api)
    await api.customer(session_id, "walk_away")
    clock.advance(61)
    session = await api.wait_for(session_id, "EXPIRED")
    kinds = [e["kind"] for e in session["events"]]
    assert "waiting_expired" in kinds and "refunded" not in kinds
    assert standing(await charges_for(api, app, session_id)) == []
    assert (await qr_at_simulator(api, app, session_id))["status"] == "closed"


async def test_a_payment_landing_after_cancel_is_refunded_and_shown(start_app):
    api, app, _ = await start_app(**FAST_QR)
    session_id, _ = await qr_session(api)
    await api.customer(session_id, "pay_after_close")
    reply = await api.action(session_id, "cancel", {"reason": "customer changed their mind"})
    assert reply.status == 202
    session = await api.wait_for(session_id, "CANCELLED")
    assert [e["kind"] for e in session["events"]][-2:] == ["refunded", "cancelled"]
    charges = await charges_for(api, app, session_id)
    assert [c["status"] for c in charges] == ["voided"]  # it landed, and was given back


async def test_a_payment_landing_after_expiry_is_refunded(start_app):
    clock = MovableClock()
    api, app, _ = await start_app(clock, **FAST_QR, upi_qr_ttl_s=60)
    session_id, _ = await qr_session(api)
    await api.customer(session_id, "pay_after_close")
    clock.advance(61)
    session = await api.wait_for(session_id, "EXPIRED")
    assert "refunded" in [e["kind"] for e in session["events"]]
    assert standing(await charges_for(api, app, session_id)) == []


async def test_the_customer_acts_only_on_a_session_waiting_on_a_qr(api):
    session_id = await api.session()
    reply = await api.customer(session_id, "pay")
    assert (reply.status, reply.body["code"]) == (409, "not_waiting")
    bad = await api.customer(session_id, "dance")
    assert bad.status == 400 and "code" in bad.body


async def key_of(app: web.Application, session_id: str) -> str:
    from backend.db.sessions import reads

    return await app[app_keys.DATABASE].read(lambda conn: reads.get(conn, session_id).idempotency_key)


async def qr_at_simulator(api: Api, app: web.Application, session_id: str) -> dict[str, Any]:
    key = await key_of(app, session_id)

    async def probe() -> dict[str, Any]:
        async with api.http.get(app[app_keys.GATEWAY_URL] + "/v1/upi_qr", params={"idempotency_key": key}) as r:
            body: dict[str, Any] = await r.json()
            return body

    return await eventually(probe, lambda qr: "status" in qr)
