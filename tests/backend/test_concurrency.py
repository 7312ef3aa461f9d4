"""Concurrent requests: exactly one wins, nothing is lost or overwritten."""

from __future__ import annotations

import asyncio

from tests.backend.api import CASH


async def test_fifty_concurrent_creates_for_one_order_return_one_session(api):
    order_id = await api.order()
    replies = await asyncio.gather(*(
        api.call("POST", "/api/payments/session/create", {"orderId": order_id}) for _ in range(50)))

    assert len({r.body["sessionId"] for r in replies}) == 1
    assert sorted(r.status for r in replies) == [200] * 49 + [201]


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
