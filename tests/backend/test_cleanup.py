"""Expiry and purge: what has run out is expired, old finished sessions go, nothing else does."""

from __future__ import annotations

from backend import app_keys
from tests.backend.api import CASH
from tests.backend.conftest import MovableClock, ledger_url


async def test_an_untouched_session_expires_after_its_lifetime(start_app):
    api, _, _ = await start_app(session_ttl_s=1, cleanup_interval_s=0.2)
    session_id = await api.session()
    assert (await api.get(session_id))["status"] == "INITIATED"

    session = await api.wait_for(session_id, "EXPIRED", timeout=5)

    assert session["events"][-1]["kind"] == "expired"
    assert (await api.action(session_id, "pay", {"method": "upi", "upiId": "asha@okbank"})).status == 409


async def test_an_expired_session_frees_its_order_for_a_new_session(start_app):
    api, _, _ = await start_app(session_ttl_s=1, cleanup_interval_s=0.2)
    order_id = await api.order()
    first = await api.session(order_id)
    await api.wait_for(first, "EXPIRED", timeout=5)

    second = await api.session(order_id)

    assert second != first


async def test_cleanup_does_not_touch_completed_or_unexpired_sessions(start_app):
    clock = MovableClock()
    api, app, _ = await start_app(clock=clock, session_ttl_s=60)
    paid = await api.session()
    await api.action(paid, "complete", CASH)
    fresh = await api.session()

    result = await app[app_keys.CLEANUP].run_once()

    assert (result.expired, result.purged) == (0, 0)
    assert (await api.get(paid))["status"] == "COMPLETED"
    assert (await api.get(fresh))["status"] == "INITIATED"


async def test_finished_sessions_are_purged_after_the_retention_and_open_ones_never(start_app):
    clock = MovableClock()
    api, app, _ = await start_app(clock=clock, retention_days=90)
    finished = await api.session()
    await api.action(finished, "cancel")
    still_open = await api.session()

    clock.advance(91 * 86400)
    first = await app[app_keys.CLEANUP].run_once()
    second = await app[app_keys.CLEANUP].run_once()

    assert (await api.call("GET", f"/api/payments/session/{finished}")).status == 404
    assert first.purged == 1
    assert (await api.get(still_open))["status"] == "EXPIRED"  # expired, not deleted
    assert second.purged == 0  # its retention starts when it expired


async def test_a_session_that_reached_the_gateway_expires_only_after_asking_it(start_app):
    clock = MovableClock()
    api, app, _ = await start_app(clock=clock, session_ttl_s=60, gateway_timeout_s=0.3)
    session_id = await api.session()
    await api.faults("timeout")
    await api.pay(session_id)
    await api.wait_for(session_id, "INTERRUPTED")
    await api.faults("offline")

    clock.advance(120)
    await app[app_keys.CLEANUP].run_once()
    waiting = await api.wait_for(session_id, "INTERRUPTED")
    assert waiting["settlingTo"] == "EXPIRED"  # the gateway cannot be asked: it must not expire yet

    await api.faults("none")
    expired = await api.wait_for(session_id, "EXPIRED", timeout=5)

    async with api.http.get(ledger_url(app)) as reply:
        charges = (await reply.json())["charges"]
    assert [c["status"] for c in charges] == ["voided"]  # the key is closed: a late charge is refused
    assert expired["events"][-1]["kind"] == "expired"


async def test_more_sessions_than_one_batch_all_expire_each_with_its_history(start_app):
    clock = MovableClock()
    api, app, _ = await start_app(clock=clock, session_ttl_s=60)
    sessions = [await api.session() for _ in range(7)]
    paid = await api.session()
    assert (await api.cash(paid)).status == 200
    cleanup = app[app_keys.CLEANUP]
    cleanup._batch = 3  # the window's loop gets a turn between batches; 7 takes three of them

    clock.advance(120)
    result = await cleanup.run_once()

    assert result.expired == 7
    for session_id in sessions:
        session = await api.get(session_id)
        assert session["status"] == "EXPIRED"
        assert [e["kind"] for e in session["events"]].count("expired") == 1
    assert (await api.get(paid))["status"] == "COMPLETED"
