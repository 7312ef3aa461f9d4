"""The Razorpay UPI QR adapter through the kiosk's HTTP API, against a local fake of Razorpay's
documented API (tests/backend/razorpay_fake.py: Razorpay's servers cannot run here)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.backend.api import ADMIN_TOKEN, Api
from tests.backend.razorpay_fake import KEY_ID, KEY_SECRET, FakeRazorpay
from tests.backend.test_refunds import refund
from tests.backend.test_upi_qr import key_of


@pytest.fixture
async def razorpay(aiohttp_server: Any) -> tuple[FakeRazorpay, str]:
    fake = FakeRazorpay()
    server = await aiohttp_server(fake.app)
    return fake, str(server.make_url("")).rstrip("/")


async def start(start_app: Any, razorpay: tuple[FakeRazorpay, str], **overrides: Any) -> Any:
    _, url = razorpay
    settings = {"payment_provider": "razorpay", "razorpay_key_id": KEY_ID, "razorpay_key_secret": KEY_SECRET,
                "razorpay_base_url": url, "provider_poll_s": 0.05}
    return await start_app(**{**settings, **overrides})


async def shown_qr(api: Any) -> tuple[str, dict[str, Any]]:
    session_id = await api.session()
    assert (await api.pay_by(session_id, "upi_qr")).status == 202
    return session_id, await api.wait_until(session_id, lambda s: s["upiQr"] is not None, what="the QR")


async def test_a_razorpay_qr_is_shown_and_paid_once(start_app, razorpay):
    fake, _ = razorpay
    api, app, _ = await start(start_app, razorpay)
    session_id, session = await shown_qr(api)
    qr = fake.qr_for(await key_of(app, session_id))
    assert session["upiQr"]["payload"] == qr["image_content"] and "am=80.00" in qr["image_content"]
    assert (qr["usage"], qr["fixed_amount"], qr["payment_amount"]) == ("single_use", True, 8000)
    fake.pay(qr["id"])
    paid = await api.wait_for(session_id, "COMPLETED")
    assert paid["gatewayChargeId"] == fake.payments[qr["id"]][0]["id"] and len(fake.qr_codes) == 1


async def test_a_razorpay_payment_after_cancel_is_refunded_once_by_key(start_app, razorpay):
    fake, _ = razorpay
    api, app, _ = await start(start_app, razorpay)
    session_id, _ = await shown_qr(api)
    key = await key_of(app, session_id)
    fake.pays_after_close.add(fake.qr_for(key)["id"])
    await api.action(session_id, "cancel", {"reason": "customer left"})
    session = await api.wait_for(session_id, "CANCELLED")
    assert "refunded" in [e["kind"] for e in session["events"]]
    assert list(fake.refunds) == [key]  # the refund carried the session's key as X-Refund-Idempotency
    assert [p["status"] for p in fake.payments[fake.qr_for(key)["id"]]] == ["refunded"]


async def test_a_wrong_razorpay_key_leaves_the_payment_resumable(start_app, razorpay):
    api, _, _ = await start(start_app, razorpay, razorpay_key_secret="wrong")
    session_id = await api.session()
    await api.pay_by(session_id, "upi_qr")
    session = await api.wait_for(session_id, "INTERRUPTED")
    assert session["lastInterruptionReason"] == "GATEWAY_ERROR" and session["upiQr"] is None


async def paid_by_qr(start_app: Any, razorpay: tuple[FakeRazorpay, str]) -> tuple[Api, Api, dict[str, Any]]:
    fake, _ = razorpay
    kiosk, app, client = await start(start_app, razorpay)
    session_id, _ = await shown_qr(kiosk)
    fake.pay(fake.qr_for(await key_of(app, session_id))["id"])
    return kiosk, Api(client.session, kiosk.base, token=ADMIN_TOKEN), await kiosk.wait_for(session_id, "COMPLETED")


async def test_an_admin_refunds_a_razorpay_qr_payment_in_parts_at_razorpay_once_per_key(start_app, razorpay):
    fake, _ = razorpay
    _, admin, session = await paid_by_qr(start_app, razorpay)
    first, again = [await refund(admin, session["sessionId"], 3000, key="dialog-1") for _ in range(2)]
    assert (first.status, first.body["status"], first.body["refundableMinor"]) == (200, "succeeded", 5000)
    assert again.body["refundId"] == first.body["refundId"] and again.body["replayed"] is True
    rest = await refund(admin, session["sessionId"], 5000)
    assert (rest.status, rest.body["refundableMinor"]) == (200, 0)
    payment = fake.payments[next(iter(fake.payments))][0]
    assert payment["id"] == session["gatewayChargeId"]
    assert (payment["status"], payment["amount_refunded"]) == ("refunded", 8000)
    assert sorted(r["amount"] for r in fake.refunds.values()) == [3000, 5000]


async def test_a_refund_razorpay_refuses_fails_and_frees_the_amount(start_app, razorpay):
    fake, _ = razorpay
    _, admin, session = await paid_by_qr(start_app, razorpay)
    # Refunded meanwhile from Razorpay's dashboard: Razorpay says a definite no.
    fake.payments[next(iter(fake.payments))][0].update(status="refunded", amount_refunded=8000)
    refused = await refund(admin, session["sessionId"], 1000)
    assert (refused.status, refused.body["status"], refused.body["refundableMinor"]) == (200, "failed", 8000)
    assert fake.refunds == {}
