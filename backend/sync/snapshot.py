"""A session as the kiosk sends it: the current row (with its version), every event, its order
and its refunds.

The current state, not the change that queued it: whatever outbox rows named the session, one
snapshot brings the server up to date, and a resent one is recognised by its version and its
events' ids.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import BigInteger, Connection, Integer, String, Text, select

from backend.db import refunds as refunds_repo
from backend.db.sessions.mapping import event_of
from backend.db.sessions.reads import read_rows
from backend.db.tables import Base, Order, OrderItem, PaymentSession, Refund, SessionEvent, table_of
from backend.payments.records import EventRecord, OrderRecord, SessionRecord
from backend.refunds.records import RefundRecord
from backend.shop import repo as orders


@dataclass(frozen=True, slots=True)
class SessionSnapshot:
    session: SessionRecord
    version: int
    events: tuple[EventRecord, ...]
    order: OrderRecord
    refunds: tuple[RefundRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class Limit:
    """What the column a snapshot's field is stored in can hold (for the wire's validation)."""

    max_length: int | None = None  # characters of a string
    text: bool = False  # any string (still no NUL, which PostgreSQL refuses)
    bits: int | None = None  # a signed integer of this many bits, less the sign


_TABLES: dict[str, type[Base]] = {
    "session": PaymentSession,
    "event": SessionEvent,
    "order": Order,
    "order_item": OrderItem,
    "refund": Refund,
}


def limit_of(record: str, field: str) -> Limit | None:
    """`record`: session, event, order, order_item or refund; None when the field is no column."""
    column = table_of(_TABLES[record]).c.get(field)
    if column is None:
        return None
    kind = column.type
    if isinstance(kind, String) and kind.length:
        return Limit(max_length=kind.length)
    if isinstance(kind, (String, Text)):
        return Limit(text=True)
    if isinstance(kind, BigInteger):
        return Limit(bits=63)
    if isinstance(kind, Integer):
        return Limit(bits=31)
    return None


def read(conn: Connection, session_ids: Collection[str]) -> list[SessionSnapshot]:
    """In the order given; a session no longer there (purged after its retention) is left out."""
    rows = read_rows(conn, session_ids)
    found = [sid for sid in session_ids if sid in rows]
    events: dict[str, list[EventRecord]] = {sid: [] for sid in found}
    if found:
        statement = (
            select(SessionEvent.__table__)
            .where(SessionEvent.session_id.in_(found))
            .order_by(SessionEvent.id)
        )
        for row in conn.execute(statement):
            events[row.session_id].append(event_of(dict(row._mapping)))
    refunds: dict[str, list[RefundRecord]] = {sid: [] for sid in found}
    for refund in refunds_repo.of_sessions(conn, found) if found else ():
        refunds[refund.session_id].append(refund)
    snapshots = []
    for sid in found:
        session, version = rows[sid]
        snapshots.append(
            SessionSnapshot(
                session, version, tuple(events[sid]), orders.get(conn, session.order_id), tuple(refunds[sid])
            )
        )
    return snapshots
