"""Every move the state machine forbids is refused and changes nothing."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import update

from backend.db import migrate
from backend.db.database import Database
from backend.db.sessions import create, moves, reads
from backend.db.tables import Order, PaymentSession
from backend.errors import Conflict
from backend.payments.states import is_allowed, sources
from smartcart_contract.states import TERMINAL, Status
from tests.backend.api import ADMIN_TOKEN, CASH, DECLINED_CARD, GOOD_CARD


@pytest.fixture
async def db(database_url: str):
    migrate.upgrade(database_url)
    database = Database(database_url)
    yield database
    database.close()


async def _session_in(db: Database, status: Status, n: int) -> str:
    def make(conn):
        order_id = conn.execute(
            Order.__table__.insert().values(status="PENDING", currency="INR", total_minor=100, created_at_ms=0)
        ).inserted_primary_key[0]
        session, _ = create.CREATE_SESSIONS.run_one(conn, create.NewSession(
            session_id=f"{n:032x}", idempotency_key=f"k{n}", order_id=order_id,
            max_attempts=3, now_ms=0, ttl_ms=10**12,
        ))
        conn.execute(update(PaymentSession).where(PaymentSession.id == session.id).values(status=status))
        return session.id

    return await db.write(make)


def history(conn, session_id: str):  # type: ignore[no-untyped-def]
    session = reads.get(conn, session_id)
    return session, reads.events(conn, session)


FORBIDDEN = [(a, b) for a, b in itertools.product(Status, Status) if not is_allowed(a, b)]


@pytest.mark.parametrize(("current", "target"), FORBIDDEN, ids=lambda s: s.value)
async def test_a_forbidden_move_is_a_conflict_that_writes_nothing(db, current, target):
    session_id = await _session_in(db, current, FORBIDDEN.index((current, target)))
    before = await db.read(lambda conn: history(conn, session_id))

    with pytest.raises((Conflict, AssertionError)):
        await db.write(lambda conn: moves.move(
            conn, session_id, to=target, from_=sources(target) or {current}, now_ms=1, kind="test"))

    after = await db.read(lambda conn: history(conn, session_id))
    assert after == before


def test_terminal_states_have_no_way_out():
    for terminal, target in itertools.product(TERMINAL, Status):
        assert not is_allowed(terminal, target)


# ---- the same rules through the HTTP API, from states reached the way a kiosk reaches them ----

ACTIONS = {
    "pay": ("pay", {"method": "card", "card": GOOD_CARD}),
    "resume": ("resume", {}),
    "complete": ("complete", CASH),
    "cancel": ("cancel", {"reason": "test"}),
    "interrupt": ("interrupt", {"reason": "APP_CLOSED"}),
}
ALLOWED = {
    "INITIATED": {"pay", "complete", "cancel"},
    "PROCESSING": {"cancel", "interrupt"},
    "INTERRUPTED": {"resume", "cancel", "interrupt"},
}


async def _reach(api, state: str) -> str:
    session_id = await api.session()
    if state == "INITIATED":
        return session_id
    if state == "COMPLETED":
        await api.action(session_id, "complete", CASH)
    elif state == "CANCELLED":
        await api.action(session_id, "cancel")
    elif state == "DECLINED":
        await api.pay(session_id, DECLINED_CARD)
    elif state in ("PROCESSING", "INTERRUPTED"):
        await api.faults("timeout")  # the attempt hangs at the gateway until the client gives up
        await api.pay(session_id)
        if state == "INTERRUPTED":
            await api.action(session_id, "interrupt", {"reason": "APP_CLOSED"})
    return (await api.wait_for(session_id, state))["sessionId"]


CASES = [(state, action) for state in (*ALLOWED, "COMPLETED", "CANCELLED", "DECLINED")
         for action in ACTIONS if action not in ALLOWED.get(state, set())]


@pytest.mark.parametrize(("state", "action"), CASES)
async def test_api_refuses_a_forbidden_move_with_409_and_the_current_status(start_app, state, action):
    api, _, _ = await start_app(gateway_timeout_s=30)
    session_id = await _reach(api, state)
    before = await api.get(session_id)

    name, body = ACTIONS[action]
    reply = await api.action(session_id, name, body)

    assert reply.status == 409, reply.body
    assert reply.body["status"] == state and reply.body["code"]
    after = await api.get(session_id)
    assert (after["status"], after["attempts"], after["events"]) == (
        before["status"], before["attempts"], before["events"])


async def _finished(api, state: str) -> str:
    if state != "COMPLETED":
        return await _reach(api, state)
    session_id = await api.session()
    await api.pay(session_id, GOOD_CARD)
    return (await api.wait_for(session_id, "COMPLETED"))["sessionId"]


@pytest.mark.parametrize("state", ["COMPLETED", "CANCELLED", "DECLINED"])
async def test_a_finished_session_takes_no_operator_action_and_its_history_stays(start_app, state):
    api, _, _ = await start_app()
    session_id = await _finished(api, state)
    before = await api.get(session_id)

    reconcile = await api.call("POST", f"/api/payments/session/{session_id}/reconcile",
                               {"reason": "customer disputes the outcome"}, token=ADMIN_TOKEN)
    cancel = await api.action(session_id, "cancel", {"reason": "operator cancels"})

    after = await api.get(session_id)
    assert [e["kind"] for e in after["events"]] == [e["kind"] for e in before["events"]]
    assert (after["status"], after["updatedAt"], after["events"]) == (
        before["status"], before["updatedAt"], before["events"])
    assert reconcile.status == 409, reconcile.body
    assert (reconcile.body["code"], reconcile.body["status"]) == ("session_finished", state)
    assert (cancel.status, cancel.body["status"]) == (409, state)
