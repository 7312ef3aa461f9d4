"""Moving one payment session: every change is a compare-and-set plus its event row.

A move reads the row, checks it, and writes it back with one compare-and-set
(`UPDATE … WHERE id=? AND status=? AND version=?`) plus its event row, inside the job's
transaction (a Database job: writer or reader thread). The allowed moves are
`backend/payments/states.py`'s.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping
from typing import Any

from sqlalchemy import Connection, bindparam

from backend.db import invoices
from backend.db.prepared import Prepared
from backend.db.sessions import changed
from backend.db.sessions.mapping import EVENT_COLUMNS, with_values
from backend.db.sessions.reads import get, read_row
from backend.db.tables import Order, PaymentSession, SessionEvent, table_of
from backend.errors import Conflict
from backend.payments.records import SessionRecord
from backend.payments.states import sources
from smartcart_contract.states import TERMINAL, OrderStatus, Status

_T = table_of(PaymentSession)


_INSERT_EVENT = Prepared(
    table_of(SessionEvent).insert().values({name: bindparam(name) for name in EVENT_COLUMNS})
)


_SET_ORDER_STATUS = Prepared(
    table_of(Order).update()
    .where(table_of(Order).c.id == bindparam("b_order_id"))
    .values(status=bindparam("status"), paid_at_ms=bindparam("paid_at_ms"))
)


@functools.cache
def _compare_and_set_statement(columns: frozenset[str]) -> Prepared:
    """UPDATE … SET <columns> WHERE id=? AND status=? AND version=?, one per set of columns."""
    return Prepared(
        _T.update()
        .where(
            _T.c.id == bindparam("b_id"),
            _T.c.status == bindparam("b_status"),
            _T.c.version == bindparam("b_version"),
        )
        .values({name: bindparam(name) for name in sorted(columns)})
    )


Objection = Callable[[SessionRecord], str | None]


def add_event(
    conn: Connection,
    session_id: str,
    *,
    at_ms: int,
    kind: str,
    from_status: Status | None = None,
    to_status: Status | None = None,
    attempt: int | None = None,
    reason: str | None = None,
    detail: str | None = None,
) -> None:
    _INSERT_EVENT.run(
        conn,
        {
            "session_id": session_id,
            "at_ms": at_ms,
            "kind": kind,
            "from_status": from_status,
            "to_status": to_status,
            "attempt": attempt,
            "reason": reason,
            "detail": detail,
        },
    )
    changed.mark(conn, (session_id,))


def refuse_replica(session: SessionRecord) -> None:
    """A replica (backend/sync/) is its kiosk's to move: here it is only read. Every move and
    amendment passes here, whoever asks (a request, the engine, the reconciler)."""
    if session.replica:
        raise Conflict(
            "This payment was replicated from its kiosk and can only be changed there.",
            code="replica_read_only",
            status=session.status,
        )


def not_before_last_change(current: SessionRecord, now_ms: int) -> int:
    """The time a change is stamped with: never before the change it follows.

    A writer's clock reading can be older than the row it writes to: a resume reads the clock
    when its request arrives, then looks the payment up at the gateway (up to a timeout), and
    the failed look-up is written first; a process whose clock lags its fleet's writes after a
    faster one. Stamped as read, the history's times would contradict its order (which is the
    order of the writes: its ids). Stamped no earlier than the row's last change, they agree.
    """
    return max(now_ms, current.updated_at_ms)


def move(
    conn: Connection,
    session_id: str,
    *,
    to: Status,
    from_: Collection[Status],
    now_ms: int,
    kind: str,
    reason: str | None = None,
    detail: str | None = None,
    values: Mapping[str, Any] | None = None,
    objection: Objection | None = None,
) -> SessionRecord:
    """Move a session to `to` if its status is one of `from_` and `objection` finds nothing to object to.

    Raises Conflict (carrying the current status) otherwise; nothing is written then.
    """
    allowed = frozenset(from_)
    if not allowed <= sources(to):
        raise AssertionError(f"{sorted(allowed - sources(to))} -> {to} is not a move of the state machine")
    current, version = read_row(conn, session_id)
    refuse_replica(current)
    now_ms = not_before_last_change(current, now_ms)
    if current.status not in allowed:
        raise Conflict(
            f"A {current.status} session cannot become {to}.",
            code="invalid_transition",
            status=current.status,
        )
    found = objection(current) if objection else None
    if found:
        raise Conflict(found, code="invalid_transition", status=current.status)

    new_values: dict[str, Any] = {"status": to, "updated_at_ms": now_ms, **(values or {})}
    if to in TERMINAL:
        new_values.setdefault("finished_at_ms", now_ms)
        new_values["settle_to"] = None
    if to is Status.COMPLETED:
        # Every way to COMPLETED passes here: card, UPI, cash, a forwarded offline payment.
        new_values["invoice_number"] = invoices.next_invoice_number(conn, new_values["finished_at_ms"])
    _compare_and_set(conn, current, version, new_values)
    add_event(
        conn,
        session_id,
        at_ms=now_ms,
        kind=kind,
        from_status=current.status,
        to_status=to,
        attempt=new_values.get("attempts", current.attempts),
        reason=reason,
        detail=detail,
    )
    if to is Status.COMPLETED:
        _SET_ORDER_STATUS.run(
            conn, {"status": OrderStatus.PAID, "paid_at_ms": now_ms, "b_order_id": current.order_id}
        )
    elif to is Status.OFFLINE_ACCEPTED:
        _SET_ORDER_STATUS.run(
            conn, {"status": OrderStatus.RELEASED, "paid_at_ms": None, "b_order_id": current.order_id}
        )
    return with_values(current, new_values)


def amend(
    conn: Connection,
    session_id: str,
    *,
    now_ms: int,
    kind: str,
    values: Mapping[str, Any],
    reason: str | None = None,
    detail: str | None = None,
    objection: Objection | None = None,
) -> SessionRecord:
    """Change fields of an open session without moving it (e.g. record a cancel request)."""
    current, version = read_row(conn, session_id)
    refuse_replica(current)
    now_ms = not_before_last_change(current, now_ms)
    if current.status in TERMINAL:
        raise Conflict(
            f"A {current.status} session cannot change.", code="session_finished", status=current.status
        )
    found = objection(current) if objection else None
    if found:
        raise Conflict(found, code="invalid_transition", status=current.status)
    _compare_and_set(conn, current, version, {"updated_at_ms": now_ms, **values})
    add_event(
        conn, session_id, at_ms=now_ms, kind=kind, attempt=current.attempts, reason=reason, detail=detail
    )
    return with_values(current, {"updated_at_ms": now_ms, **values})


def _compare_and_set(
    conn: Connection, current: SessionRecord, version: int, values: Mapping[str, Any]
) -> None:
    """Write `values` only if the row is still exactly as read (same status, same version)."""
    statement = _compare_and_set_statement(frozenset({*values, "version"}))
    touched = statement.run(
        conn,
        {**values, "version": version + 1, "b_id": current.id, "b_status": current.status,
         "b_version": version},
    )
    if touched != 1:
        # Another writer got there first (only possible with several processes on one database).
        latest = get(conn, current.id)
        raise Conflict("The session changed meanwhile.", code="concurrent_change", status=latest.status)
