async def test_card_payment_completes_and_marks_the_order_paid(api):
    order_id = await api.order(("filter-coffee", 1))
    session_id = await api.session(order_id)
    reply = await api.pay(session_id)
    assert reply.status == 202 and reply.body["status"] == "PROCESSING"
    session = await api.wait_for(session_id, "COMPLETED")
    assert session["cardLast4"] == "4242" and session["gatewayChargeId"]
    order = await api.ok("GET", f"/api/orders/{order_id}")
    assert order["status"] == "PAID"


async def test_unfinished_sessions_lists_interrupted_payments_for_the_kiosk(api):
    await api.faults("timeout")
    session_id = await api.session()
    await api.pay(session_id)
    await api.wait_for(session_id, "INTERRUPTED")
    unfinished = await api.ok("GET", "/api/payments/sessions/unfinished")
    assert [s["sessionId"] for s in unfinished["sessions"]] == [session_id]
