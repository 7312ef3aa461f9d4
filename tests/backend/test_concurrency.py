"""Concurrent requests: exactly one wins, nothing is lost or overwritten."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from backend import app_keys
from backend.payments.records import SessionRecord
from smartcart_contract.states import Status
from tests.backend.api import CASH, GOOD_CARD, eventually


async def test_fifty_concurrent_creates_for_one_order_return_one_session(api):
    order_id = await api.order()
    replies = await asyncio.gather(*(
        api.call("POST", "/api/payments/session/create", {"orderId": order_id}) for _ in range(50)))

    assert len({r.body["sessionId"] for r in replies}) == 1
    assert sorted(r.status for r in replies) == [200] * 49 + [201]


async def test_a_second_create_returns_the_open_session_and_after_it_ends_a_new_one(api):
    create = "/api/payments/session/create"
    order_id = await api.order()
    first = await api.call("POST", create, {"orderId": order_id})
    again = await api.call("POST", create, {"orderId": order_id})
    assert (first.status, again.status) == (201, 200)
    assert again.body == {**first.body, "created": False, "message": again.body["message"]}

    await api.action(first.body["sessionId"], "cancel", {"reason": "changed mind"})
    await api.wait_for(first.body["sessionId"], "CANCELLED")
    after = await api.call("POST", create, {"orderId": order_id})
    assert after.status == 201 and after.body["sessionId"] != first.body["sessionId"]


async def test_two_writers_creating_for_the_same_orders_agree_on_one_session_each(start_app, tmp_path):
    # Two apps on one database: two writer connections whose batches race (on PostgreSQL the
    # loser's INSERT meets the unique index, and its batch must run again and find the winner).
    first, _, _ = await start_app()
    second, _, _ = await start_app(data_dir=tmp_path / "second")
    for _ in range(50):
        order_id = await first.order()
        replies = await asyncio.gather(*(
            api.call("POST", "/api/payments/session/create", {"orderId": order_id})
            for api in (first, second) * 4))

        assert sorted(r.status for r in replies) == [200] * 7 + [201], [r.body for r in replies]
        assert len({r.body["sessionId"] for r in replies}) == 1


async def test_fifty_concurrent_creates_for_fifty_orders_return_fifty_readable_sessions(api):
    order_ids = [await api.order() for _ in range(50)]
    replies = await asyncio.gather(*(
        api.call("POST", "/api/payments/session/create", {"orderId": o}) for o in order_ids))

    session_ids = {r.body["sessionId"] for r in replies}
    assert len(session_ids) == 50
    sessions = await asyncio.gather(*(api.get(s) for s in session_ids))
    assert sorted(s["orderId"] for s in sessions) == sorted(order_ids)


async def test_cancel_and_cash_complete_racing_on_one_session_leave_one_winner_and_one_event(api):
    for _ in range(5):
        session_id = await api.session()
        racers = [api.action(session_id, "cancel", {"reason": "race"}) if i % 2 else
                  api.action(session_id, "complete", CASH) for i in range(20)]
        replies = await asyncio.gather(*racers)

        winners = [r for r in replies if r.status == 200]
        assert len(winners) == 1
        assert all(r.status == 409 for r in replies if r is not winners[0])
        session = await api.get(session_id)
        assert session["status"] == winners[0].body["status"]
        finishing = [e for e in session["events"] if e["toStatus"] in ("CANCELLED", "COMPLETED")]
        assert len(finishing) == 1


async def test_concurrent_pays_on_one_session_start_one_attempt(api):
    session_id = await api.session()
    replies = await asyncio.gather(*(api.pay(session_id) for _ in range(10)))

    assert sorted(r.status for r in replies) == [202] + [409] * 9
    session = await api.wait_for(session_id, "COMPLETED")
    assert session["attempts"] == 1


def reconcile_right_after_the_next_attempt_commits(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The next write that moves a session to PROCESSING returns to its request only after a
    reconciler pass has driven that session: the request's hand-over of the card details comes
    after the move commits. Returns the ids of the sessions raced (one, once it happened)."""
    db, engine, reconciler = app[app_keys.DATABASE], app[app_keys.ENGINE], app[app_keys.RECONCILER]
    write, raced = db.write, []

    async def reconcile_after_the_attempt_commits(fn: Any) -> Any:
        result = await write(fn)
        if not raced and isinstance(result, SessionRecord) and result.status is Status.PROCESSING:
            raced.append(result.id)
            await reconciler.reconcile_once()

            async def driving() -> bool:
                return engine.is_driving(result.id)

            await eventually(driving, lambda busy: not busy, what="the reconciler's driver to stop")
        return result

    monkeypatch.setattr(db, "write", reconcile_after_the_attempt_commits)
    return raced


async def test_a_reconciler_pass_between_the_pay_commit_and_its_card_details_does_not_interrupt_it(
    app_and_api, monkeypatch: pytest.MonkeyPatch
):
    """A driver that found the attempt without details would take it for one of an earlier
    life and interrupt it (CRASH_RECOVERED); it must wait for the request's hand-over."""
    app, api = app_and_api
    session_id = await api.session()
    raced = reconcile_right_after_the_next_attempt_commits(app, monkeypatch)
    assert (await api.pay(session_id)).status == 202

    session = await api.wait_for(session_id, "COMPLETED")
    assert raced == [session_id]
    assert session["interruptions"] == 0, session["events"]


async def test_a_reconciler_pass_between_a_resume_commit_and_its_card_details_does_not_interrupt_it(
    start_app, monkeypatch: pytest.MonkeyPatch
):
    api, _, client = await start_app(gateway_timeout_s=0.3)
    await api.faults("timeout")
    session_id = await api.session()
    await api.pay(session_id)
    await api.wait_for(session_id, "INTERRUPTED")
    await client.close()  # the card number is gone with the process: the resume brings it again

    api, app, _ = await start_app(gateway_timeout_s=0.3)
    await api.wait_until(session_id, lambda s: not s["outcomeUnknown"])
    raced = reconcile_right_after_the_next_attempt_commits(app, monkeypatch)
    resumed = await api.action(session_id, "resume", {"method": "card", "card": GOOD_CARD})
    assert resumed.status == 202

    session = await api.wait_for(session_id, "COMPLETED")
    assert raced == [session_id]
    assert session["interruptions"] == 1, session["events"]  # the timeout's, and no other
