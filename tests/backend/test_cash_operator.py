"""Cash needs the operator: the kiosk token alone cannot mark an order paid."""

from __future__ import annotations

from tests.backend.api import ADMIN_TOKEN


async def test_cash_with_the_kiosk_token_alone_is_403_and_changes_nothing(api):
    session_id = await api.session()
    for pin in (None, "0000"):
        reply = await api.cash(session_id, 20000, pin=pin)
        assert reply.status == 403 and reply.body["code"] in ("operator_pin_required", "wrong_pin")
    session = await api.get(session_id)
    assert session["status"] == "INITIATED" and session["cashReceivedMinor"] is None
    assert (await api.ok("GET", f"/api/orders/{session['orderId']}"))["status"] == "PENDING"


async def test_cash_with_the_operator_pin_completes_with_received_and_change(api):
    session_id = await api.session()  # two masala chai: 80.00
    reply = await api.cash(session_id, 10000)
    assert reply.status == 200, reply.body
    session = await api.get(session_id)
    assert session["status"] == "COMPLETED" and session["method"] == "cash"
    assert (session["cashReceivedMinor"], session["cashChangeMinor"]) == (10000, 2000)


async def test_cash_without_the_amount_received_is_400(api):
    session_id = await api.session()
    reply = await api.action(session_id, "complete", {"method": "cash", "operatorPin": "2468"})
    assert reply.status == 400 and reply.body["code"]
    assert (await api.get(session_id))["status"] == "INITIATED"


async def test_wrong_pins_lock_the_cash_check_like_the_admin_unlock(start_app):
    api, _, _ = await start_app(admin_pin_max_failures=2)
    session_id = await api.session()
    for _ in range(2):
        assert (await api.cash(session_id, 10000, pin="1111")).status == 403
    locked = await api.cash(session_id, 10000)  # the right PIN, but the check is locked
    assert (locked.status, locked.body["code"]) == (429, "too_many_attempts")
    assert (await api.get(session_id))["status"] == "INITIATED"


async def test_exports_show_the_cash_received_and_change(api):
    session_id = await api.session()
    await api.cash(session_id, 10000)
    rows = await api.ok("GET", "/api/payments/sessions/export?format=json", token=ADMIN_TOKEN)
    row = next(r for r in rows["sessions"] if r["sessionId"] == session_id)
    assert (row["cashReceived"], row["cashChange"]) == ("100.00", "20.00")
