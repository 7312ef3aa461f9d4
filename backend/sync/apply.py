"""The fleet server applies one kiosk's batch: all of it once, in one transaction, or none.

Exactly once rests on the kiosk's outbox seq: `sync_cursors` keeps, per kiosk, the highest seq
applied. A batch through a seq at or below it was applied before (its acknowledgement was lost,
or the kiosk was killed before deleting its rows) and is acknowledged without a change. The
cursor row is locked first (SELECT … FOR UPDATE; on SQLite the writer's BEGIN IMMEDIATE), so
one kiosk's batches apply one after the other even when a resend overlaps the first try; that
is what makes the check-then-insert of events below safe without ON CONFLICT.

What identifies a replicated row:
- a session: its 128-bit id, the same on kiosk and server; it must be a replica of the same
  kiosk (a session of another kiosk, or the server's own, is refused with 409). The row is
  written only when the snapshot's version is higher than the one held;
- an event: (session id, the event's id on the kiosk), unique on the server;
- an order: (kiosk id, the order's id on the kiosk), mapped to an order id of the server;
- a refund: (session id, the Idempotency-Key it was asked under), unique on both sides.
The kiosk id is always the token's, never the payload's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backend.db.sessions import changed
from backend.db.tables import OPEN_STATUS_SQL, Order, OrderItem, PaymentSession, Refund, SessionEvent, SyncCursor
from backend.errors import Conflict, InvalidInput
from backend.payments.records import OrderRecord, SessionRecord
from backend.refunds.records import RefundRecord
from backend.sync.snapshot import SessionSnapshot
from smartcart_contract.states import OPEN

_S = PaymentSession
_SESSION_FIELDS = tuple(f.name for f in dataclasses.fields(SessionRecord))


def apply_batch(conn: Connection, kiosk_id: str, through_seq: int, snapshots: Sequence[SessionSnapshot]) -> int:
    """The seq the kiosk may delete its outbox through (this batch's, or the cursor if higher)."""
    cursor = _lock_cursor(conn, kiosk_id)
    if through_seq <= cursor:
        return cursor
    for snapshot in snapshots:
        _apply_session(conn, kiosk_id, snapshot)
    conn.execute(update(SyncCursor).where(SyncCursor.kiosk_id == kiosk_id).values(through_seq=through_seq))
    # Admin streams and lists on the server see the replicated changes like their own.
    changed.mark(conn, (s.session.id for s in snapshots))
    return through_seq


def cursor_of(conn: Connection, kiosk_id: str) -> int:
    found: int | None = conn.execute(
        select(SyncCursor.through_seq).where(SyncCursor.kiosk_id == kiosk_id)
    ).scalar()
    return found or 0


def _lock_cursor(conn: Connection, kiosk_id: str) -> int:
    row = {"kiosk_id": kiosk_id, "through_seq": 0}
    if conn.dialect.name == "postgresql":
        conn.execute(pg_insert(SyncCursor).values(row).on_conflict_do_nothing())
    else:
        conn.execute(sqlite_insert(SyncCursor).values(row).on_conflict_do_nothing())
    seq: int = conn.execute(
        select(SyncCursor.through_seq).where(SyncCursor.kiosk_id == kiosk_id).with_for_update()
    ).scalar_one()
    return seq


def _apply_session(conn: Connection, kiosk_id: str, snapshot: SessionSnapshot) -> None:
    session = snapshot.session
    own = [e.session_id for e in snapshot.events] + [r.session_id for r in snapshot.refunds]
    if session.order_id != snapshot.order.id or any(sid != session.id for sid in own):
        raise InvalidInput(
            f"Session {session.id}: its order and events must be its own.", code="sync_inconsistent"
        )
    held = conn.execute(
        select(_S.kiosk_id, _S.replica, _S.version).where(_S.id == session.id).with_for_update()
    ).first()
    if held is not None and (not held.replica or held.kiosk_id != kiosk_id):
        raise Conflict(
            f"Session {session.id} is not this kiosk's: nothing of the batch was applied.",
            code="sync_foreign_session",
        )
    # The server's unique indexes, checked first: a clash is the kiosk's to fix (409), never a 500.
    if _taken(conn, session.id, _S.idempotency_key == session.idempotency_key):
        raise Conflict(
            f"Session {session.id}: its idempotency key is another payment's here.", code="sync_key_clash"
        )
    if session.invoice_number is not None and _taken(conn, session.id, _S.invoice_number == session.invoice_number):
        raise Conflict(
            f"Invoice number {session.invoice_number} is another payment's here: give each kiosk "
            "its own invoice series (SMARTCART_INVOICE_PREFIX). Nothing of the batch was applied.",
            code="sync_invoice_clash",
        )
    order_id = _upsert_order(conn, kiosk_id, snapshot.order)
    if session.status in OPEN and _taken(conn, session.id, and_(_S.order_id == order_id, text(OPEN_STATUS_SQL))):
        raise Conflict(
            f"Session {session.id}: its order already has another open payment here.", code="sync_inconsistent"
        )
    values: dict[str, Any] = {name: getattr(session, name) for name in _SESSION_FIELDS}
    values.update(order_id=order_id, kiosk_id=kiosk_id, replica=True, version=snapshot.version)
    if held is None:
        conn.execute(insert(_S).values(values))
    elif snapshot.version > held.version:
        conn.execute(update(_S).where(_S.id == session.id).values(values))
    known = set(
        conn.execute(select(SessionEvent.origin_event_id).where(SessionEvent.session_id == session.id)).scalars()
    )
    new_events = [
        {**dataclasses.asdict(event), "origin_event_id": event.id} for event in snapshot.events if event.id not in known
    ]
    for event in new_events:
        del event["id"]
    if new_events:
        conn.execute(insert(SessionEvent), new_events)
    for refund in snapshot.refunds:
        _upsert_refund(conn, refund)


# What of a refund can still change on its kiosk: how it ended.
_REFUND_OUTCOME = ("status", "gateway_refund_id", "error", "finished_at_ms")


def _upsert_refund(conn: Connection, refund: RefundRecord) -> None:
    """Keyed by (session, the caller's Idempotency-Key), unique on both sides. The kiosk's shift
    is not the server's: a replicated refund belongs to no shift here."""
    held = conn.execute(
        select(Refund.id, *(getattr(Refund, name) for name in _REFUND_OUTCOME)).where(
            Refund.session_id == refund.session_id, Refund.idempotency_key == refund.idempotency_key
        )
    ).first()
    outcome = {name: getattr(refund, name) for name in _REFUND_OUTCOME}
    if held is None:
        values = dataclasses.asdict(refund)
        for local in ("id", "charge_key", "shift_id"):
            del values[local]
        conn.execute(insert(Refund).values({**values, **outcome}))
    elif tuple(held[1:]) != tuple(outcome.values()):
        conn.execute(update(Refund).where(Refund.id == held.id).values(outcome))


def _taken(conn: Connection, session_id: str, condition: Any) -> bool:
    """Another session than `session_id` meets `condition`."""
    return conn.execute(select(_S.id).where(condition, _S.id != session_id).limit(1)).first() is not None


def _upsert_order(conn: Connection, kiosk_id: str, order: OrderRecord) -> int:
    held = conn.execute(
        select(Order.id, Order.status, Order.paid_at_ms).where(
            Order.kiosk_id == kiosk_id, Order.origin_order_id == order.id
        )
    ).first()
    if held is not None:
        if (held.status, held.paid_at_ms) != (order.status, order.paid_at_ms):
            conn.execute(
                update(Order).where(Order.id == held.id).values(status=order.status, paid_at_ms=order.paid_at_ms)
            )
        held_id: int = held.id
        return held_id
    order_id: int = conn.execute(
        insert(Order)
        .values(
            status=order.status,
            currency=order.currency,
            total_minor=order.total_minor,
            created_at_ms=order.created_at_ms,
            paid_at_ms=order.paid_at_ms,
            kiosk_id=kiosk_id,
            origin_order_id=order.id,
        )
        .returning(Order.id)
    ).scalar_one()
    if order.items:
        conn.execute(
            insert(OrderItem),
            [{"order_id": order_id, **dataclasses.asdict(item)} for item in order.items],
        )
    return order_id
