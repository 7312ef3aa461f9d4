from tests.backend.api import OPERATOR_PIN


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


async def test_config_tells_a_remote_window_the_timings(start_app):
    api, _, _ = await start_app(gateway_timeout_s=12.5, max_attempts=4)
    config = await api.ok("GET", "/api/config")
    assert (config["gatewayTimeoutS"], config["maxAttempts"], config["currency"]) == (12.5, 4, "INR")


async def test_cash_received_and_change_are_kept_in_the_history(api):
    session_id = await api.session(await api.order(("masala-chai", 2)))
    await api.action(session_id, "complete", {"method": "cash", "amountReceivedMinor": 10000, "operatorPin": OPERATOR_PIN})
    session = await api.get(session_id)
    assert session["events"][-1]["detail"] == "received INR 100.00, change INR 20.00"
