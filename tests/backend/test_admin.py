"""Admin surfaces: the PIN, today's figures, operator actions, the tester's crash drill."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from tests.backend.api import ADMIN_TOKEN, CASH, DECLINED_CARD, Api
from tests.backend.server_process import ServerProcess


async def test_the_right_pin_unlocks_the_admin_token_and_a_wrong_one_does_not(start_app):
    api, _, _ = await start_app(admin_pin="8642")
    wrong = await api.call("POST", "/api/admin/unlock", {"pin": "1234"})
    assert (wrong.status, wrong.body["code"]) == (403, "wrong_pin")

    right = await api.call("POST", "/api/admin/unlock", {"pin": "8642"})
    token = right.body["adminToken"]
    assert (await api.call("GET", "/api/payments/sessions/active", token=token)).status == 200


async def test_five_wrong_pins_lock_the_check_even_for_the_right_pin(start_app):
    api, _, _ = await start_app(admin_pin="8642")
    for _ in range(5):
        await api.call("POST", "/api/admin/unlock", {"pin": "0000"})
    locked = await api.call("POST", "/api/admin/unlock", {"pin": "8642"})
    assert (locked.status, locked.body["code"]) == (429, "too_many_attempts")


async def test_stats_count_outcomes_methods_and_interruption_reasons(start_app):
    api, _, _ = await start_app(gateway_timeout_s=0.3)
    paid = await api.session()
    await api.pay(paid)
    declined = await api.session()
    await api.pay(declined, DECLINED_CARD)
    cash = await api.session()
    await api.action(cash, "complete", CASH)
    await api.faults("timeout")
    timed_out = await api.session()
    await api.pay(timed_out)
    await api.wait_for(paid, "COMPLETED")
    await api.wait_for(declined, "DECLINED")
    await api.wait_for(timed_out, "INTERRUPTED")

    stats = await api.ok("GET", "/api/payments/stats", token=ADMIN_TOKEN)

    by_status = {t["key"]: t["sessions"] for t in stats["byStatus"]}
    assert by_status == {"COMPLETED": 2, "DECLINED": 1, "INTERRUPTED": 1}
    assert {t["key"]: t["sessions"] for t in stats["byMethod"]} == {"card": 3, "cash": 1}
    assert [(r["reason"], r["interruptions"]) for r in stats["byReason"]] == [("TIMEOUT", 1)]
    assert (await api.call("GET", "/api/payments/stats")).status == 403


async def test_an_operator_reconcile_is_recorded_and_settles_a_lost_reply(start_app):
    api, _, _ = await start_app(reconcile_min_s=60, reconcile_max_s=60)
    await api.faults("reply_lost")
    session_id = await api.session()
    await api.pay(session_id)
    await api.wait_for(session_id, "INTERRUPTED")
    await api.action(session_id, "interrupt", {"reason": "APP_CLOSED"})  # no automatic retries
    await api.wait_until(session_id, lambda s: s["events"][-1]["kind"] == "lookup_failed")
    await api.faults("none")

    reply = await api.call("POST", f"/api/payments/session/{session_id}/reconcile",
                           {"reason": "customer says the card was charged"}, token=ADMIN_TOKEN)

    assert reply.status == 202
    session = await api.wait_for(session_id, "COMPLETED")
    assert "operator: customer says the card was charged" in [e["reason"] for e in session["events"]]


async def test_an_operator_action_needs_a_reason(api):
    session_id = await api.session()
    reply = await api.call("POST", f"/api/payments/session/{session_id}/reconcile", {}, token=ADMIN_TOKEN)
    assert reply.status == 400


@pytest.mark.slow
async def test_the_crash_drill_kills_the_backend_and_a_restart_recovers_the_payment(tmp_path: Path, database_url: str):
    with ServerProcess(tmp_path, args=["--tester"], env={"SMARTCART_GATEWAY_DELAY_S": "3"},
                       database_url=database_url) as server:
        async with aiohttp.ClientSession() as http:
            api = Api(http, server.start())
            session_id = await api.session()
            await api.pay(session_id)
            reply = await api.call("POST", "/api/dev/crash")
            assert reply.status == 202
            assert server.process.wait(timeout=10) == -9  # SIGKILL, no clean shutdown

            api = Api(http, server.start())
            session = await api.get(session_id)
            assert (session["status"], session["lastInterruptionReason"]) == ("INTERRUPTED", "CRASH_RECOVERED")
        server.stop()
