"""Two writers racing on one session row: the compare-and-set lets exactly one of them win.

The project's own writer is a single thread, so the race needs several processes (or
kiosks) on one database. It is played here with two plain SQLAlchemy connections: A reads
the row, B moves the session and commits, then A writes. The test is written against a
database URL so that it can run against other databases too.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, create_engine

from backend.db import migrate
from backend.db.sessions import create, moves, reads
from backend.errors import Conflict
from backend.payments.records import OrderItemRecord, SessionRecord
from backend.shop import repo
from smartcart_contract.states import Status


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """On SQLite and on PostgreSQL (the shared `database_url` fixture).

    A plain engine, not the project's writer (BEGIN IMMEDIATE): with the driver's default
    transaction handling, A's read takes no lock, so B can write between A's read and write.
    On PostgreSQL (READ COMMITTED) A's UPDATE then finds B's committed row, whose version no
    longer matches, and touches nothing.
    """
    migrate.upgrade(database_url)
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


def _new_session(engine: Engine) -> str:
    with engine.begin() as conn:
        order = repo.create(
            conn,
            items=[OrderItemRecord(product_id="masala-chai", name="Masala chai",
                                   unit_price_minor=4000, quantity=2)],
            currency="INR",
            now_ms=0,
        )
        session, created = create.CREATE_SESSIONS.run_one(conn, create.NewSession(
            session_id="ab" * 16, idempotency_key="sc_race", order_id=order.id,
            max_attempts=3, now_ms=0, ttl_ms=10**12,
        ))
    assert created
    return session.id


def _history(conn: Connection, session_id: str):  # type: ignore[no-untyped-def]
    row, version = reads.read_row(conn, session_id)
    return row, version, reads.events(conn, row)


def test_two_writers_racing_on_one_row_the_second_loses_with_concurrent_change(engine):
    session_id = _new_session(engine)

    def b_cancels_first(seen: SessionRecord) -> None:
        # A has read the row (INITIATED) and not yet written it: B moves it and commits.
        assert seen.status is Status.INITIATED
        with engine.begin() as b:
            moves.move(b, session_id, to=Status.CANCELLED, from_={Status.INITIATED},
                       now_ms=1, kind="cancelled", reason="writer B")
        return None

    with engine.connect() as a, pytest.raises(Conflict) as lost, a.begin():
        moves.move(a, session_id, to=Status.PROCESSING, from_={Status.INITIATED},
                   now_ms=2, kind="attempt", reason="writer A", values={"attempts": 1},
                   objection=b_cancels_first)

    assert (lost.value.code, lost.value.extra["status"]) == ("concurrent_change", Status.CANCELLED)
    with engine.connect() as conn:
        row, version, events = _history(conn, session_id)
    assert (row.status, row.attempts, version) == (Status.CANCELLED, 0, 1)
    assert [(e.kind, e.from_status, e.to_status, e.reason) for e in events[1:]] == [
        ("cancelled", Status.INITIATED, Status.CANCELLED, "writer B")
    ]


def test_two_writers_racing_on_one_row_with_the_same_move_record_it_once(engine):
    session_id = _new_session(engine)

    def b_pays_first(_seen: SessionRecord) -> None:
        with engine.begin() as b:
            moves.move(b, session_id, to=Status.PROCESSING, from_={Status.INITIATED},
                       now_ms=1, kind="attempt", reason="writer B", values={"attempts": 1})
        return None

    with engine.connect() as a, pytest.raises(Conflict) as lost, a.begin():
        moves.move(a, session_id, to=Status.PROCESSING, from_={Status.INITIATED},
                   now_ms=2, kind="attempt", reason="writer A", values={"attempts": 1},
                   objection=b_pays_first)

    assert (lost.value.code, lost.value.extra["status"]) == ("concurrent_change", Status.PROCESSING)
    with engine.connect() as conn:
        row, version, events = _history(conn, session_id)
    assert (row.status, row.attempts, version) == (Status.PROCESSING, 1, 1)
    assert [(e.kind, e.reason) for e in events[1:]] == [("attempt", "writer B")]
