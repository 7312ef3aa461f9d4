"""Payment session rows: every function runs inside a Database job (writer or reader thread).

A move reads the row, checks it, and writes it back with one compare-and-set
(`UPDATE … WHERE id=? AND status IN (…) AND version=?`) plus its event row, inside the job's
transaction. Set-based passes (expiry, crash recovery, purge) are single indexed statements.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    delete,
    insert,
    literal,
    select,
    text,
    update,
)

from backend.db.prepared import InsertMany, Prepared, PreparedIn
from backend.db.tables import OPEN_STATUS_SQL, Order, PaymentSession, SessionEvent
from backend.errors import Conflict, NotFound
from backend.payments.records import EventRecord, SessionRecord
from backend.payments.states import OPEN, TERMINAL, OrderStatus, Reason, Status, sources

_S = PaymentSession
_E = SessionEvent
_T = PaymentSession.__table__
_COLUMNS = tuple(c for c in _T.c if c.key != "version")

# The hot path runs on the driver cursor (see prepared.py): these are compiled once.
_SELECT_BY_ID = Prepared(select(*_COLUMNS, _T.c.version).where(_T.c.id == bindparam("b_id")))
# Orders and their open sessions in one look-up. The open-status test is written out so that
# SQLite can use the partial unique index on (order_id) WHERE status is open.
_SELECT_ORDERS_WITH_OPEN_SESSION = PreparedIn(
    select(
        Order.id.label("order_id_"),
        Order.status.label("order_status"),
        Order.total_minor.label("order_total_minor"),
        Order.currency.label("order_currency"),
        *_COLUMNS,
    )
    .select_from(Order)
    .outerjoin(_T, and_(_T.c.order_id == Order.id, text("payment_sessions." + OPEN_STATUS_SQL)))
    .where(Order.id.in_(bindparam("b_order_ids", expanding=True))),
    "b_order_ids",
)
_SELECT_EVENTS = Prepared(
    select(SessionEvent.__table__)
    .where(SessionEvent.__table__.c.session_id == bindparam("b_id"))
    .order_by(SessionEvent.__table__.c.id)
)
_EVENT_FIELDS = ("session_id", "at_ms", "kind", "from_status", "to_status", "attempt", "reason", "detail")
_INSERT_EVENT = Prepared(
    SessionEvent.__table__.insert().values({name: bindparam(name) for name in _EVENT_FIELDS})
)
# A new session's columns that are not NULL; `version` (0) goes last.
_NEW_SESSION_FIELDS = (
    "id", "order_id", "status", "idempotency_key", "amount_minor", "currency", "attempts",
    "max_attempts", "interruptions", "gateway_contacted", "outcome_unknown", "created_at_ms",
    "updated_at_ms", "expires_at_ms",
)
_INSERT_NEW_SESSIONS = InsertMany(_T, [*_NEW_SESSION_FIELDS, "version"])
_SET_ORDER_STATUS = Prepared(
    Order.__table__.update()
    .where(Order.__table__.c.id == bindparam("b_order_id"))
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



Guard = Callable[[SessionRecord], str | None]


def _record(row: Any) -> SessionRecord:
    return _record_of(row._mapping)


def _record_of(m: Mapping[str, Any]) -> SessionRecord:
    return SessionRecord(
        id=m["id"],
        order_id=m["order_id"],
        status=Status(m["status"]),
        idempotency_key=m["idempotency_key"],
        amount_minor=m["amount_minor"],
        currency=m["currency"],
        attempts=m["attempts"],
        max_attempts=m["max_attempts"],
        interruptions=m["interruptions"],
        last_interruption_reason=Reason(m["last_interruption_reason"])
        if m["last_interruption_reason"]
        else None,
        gateway_contacted=bool(m["gateway_contacted"]),
        outcome_unknown=bool(m["outcome_unknown"]),
        settle_to=Status(m["settle_to"]) if m["settle_to"] else None,
        method=m["method"],
        card_brand=m["card_brand"],
        card_last4=m["card_last4"],
        upi_id=m["upi_id"],
        decline_code=m["decline_code"],
        gateway_charge_id=m["gateway_charge_id"],
        created_at_ms=m["created_at_ms"],
        updated_at_ms=m["updated_at_ms"],
        expires_at_ms=m["expires_at_ms"],
        finished_at_ms=m["finished_at_ms"],
        offline_refusal=m["offline_refusal"],
    )


def _event_of(m: Mapping[str, Any]) -> EventRecord:
    return EventRecord(
        id=m["id"],
        session_id=m["session_id"],
        at_ms=m["at_ms"],
        kind=m["kind"],
        from_status=Status(m["from_status"]) if m["from_status"] else None,
        to_status=Status(m["to_status"]) if m["to_status"] else None,
        attempt=m["attempt"],
        reason=m["reason"],
        detail=m["detail"],
    )


def _read_row(conn: Connection, session_id: str) -> tuple[SessionRecord, int]:
    row = _SELECT_BY_ID.one(conn, {"b_id": session_id})
    if row is None:
        raise NotFound("No payment session with this id.", code="session_not_found")
    return _record_of(row), row["version"]


def get(conn: Connection, session_id: str) -> SessionRecord:
    return _read_row(conn, session_id)[0]


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


@dataclass(frozen=True, slots=True)
class NewSession:
    session_id: str
    idempotency_key: str
    order_id: int
    max_attempts: int
    now_ms: int
    ttl_ms: int


class _CreateSessions:
    """Session creation as a batched write: the whole batch costs three statements.

    For each request: the order's open session if it has one (created=False), otherwise a new
    session (created=True). Two requests for one order in the same batch get the same session.
    """

    def run_one(self, conn: Connection, item: NewSession) -> tuple[SessionRecord, bool]:
        result = self.run_many(conn, [item])[0]
        if isinstance(result, Exception):
            raise result
        return result

    def run_many(
        self, conn: Connection, items: list[NewSession]
    ) -> list[tuple[SessionRecord, bool] | Exception]:
        rows = _SELECT_ORDERS_WITH_OPEN_SESSION.all(conn, sorted({i.order_id for i in items}))
        found = {row["order_id_"]: row for row in rows}
        open_by_order: dict[int, SessionRecord] = {
            order_id: _record_of(row) for order_id, row in found.items() if row["id"] is not None
        }
        results: list[tuple[SessionRecord, bool] | Exception] = []
        created: list[SessionRecord] = []
        for item in items:
            order = found.get(item.order_id)
            if order is None:
                results.append(NotFound("No order with this id.", code="order_not_found"))
            elif order["order_status"] == OrderStatus.PAID:
                results.append(
                    Conflict("This order is already paid.", code="order_paid", status=OrderStatus.PAID)
                )
            elif item.order_id in open_by_order:
                results.append((open_by_order[item.order_id], False))
            else:
                record = _new_session(item, order)
                created.append(record)
                open_by_order[item.order_id] = record
                results.append((record, True))
        # No event row: the history's "created" entry is read from created_at_ms (see events()).
        _INSERT_NEW_SESSIONS.run(
            conn, [[getattr(r, c) for c in _NEW_SESSION_FIELDS] + [0] for r in created]
        )
        return results


CREATE_SESSIONS = _CreateSessions()


def _new_session(item: NewSession, order: Mapping[str, Any]) -> SessionRecord:
    return SessionRecord(
        id=item.session_id,
        order_id=item.order_id,
        status=Status.INITIATED,
        idempotency_key=item.idempotency_key,
        amount_minor=order["order_total_minor"],
        currency=order["order_currency"],
        attempts=0,
        max_attempts=item.max_attempts,
        interruptions=0,
        last_interruption_reason=None,
        gateway_contacted=False,
        outcome_unknown=False,
        settle_to=None,
        method=None,
        card_brand=None,
        card_last4=None,
        upi_id=None,
        decline_code=None,
        gateway_charge_id=None,
        created_at_ms=item.now_ms,
        updated_at_ms=item.now_ms,
        expires_at_ms=item.now_ms + item.ttl_ms,
        finished_at_ms=None,
    )


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
    guard: Guard | None = None,
) -> SessionRecord:
    """Move a session to `to` if its status is one of `from_` and `guard` has no objection.

    Raises Conflict (carrying the current status) otherwise; nothing is written then.
    """
    allowed = frozenset(from_)
    if not allowed <= sources(to):
        raise AssertionError(f"{sorted(allowed - sources(to))} -> {to} is not a move of the state machine")
    current, version = _read_row(conn, session_id)
    if current.status not in allowed:
        raise Conflict(
            f"A {current.status} session cannot become {to}.",
            code="invalid_transition",
            status=current.status,
        )
    objection = guard(current) if guard else None
    if objection:
        raise Conflict(objection, code="invalid_transition", status=current.status)

    new_values: dict[str, Any] = {"status": to, "updated_at_ms": now_ms, **(values or {})}
    if to in TERMINAL:
        new_values.setdefault("finished_at_ms", now_ms)
        new_values["settle_to"] = None
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
    return _updated(current, new_values)


def amend(
    conn: Connection,
    session_id: str,
    *,
    now_ms: int,
    kind: str,
    values: Mapping[str, Any],
    reason: str | None = None,
    detail: str | None = None,
    guard: Guard | None = None,
) -> SessionRecord:
    """Change fields of an open session without moving it (e.g. record a cancel request)."""
    current, version = _read_row(conn, session_id)
    if current.status in TERMINAL:
        raise Conflict(
            f"A {current.status} session cannot change.", code="session_finished", status=current.status
        )
    objection = guard(current) if guard else None
    if objection:
        raise Conflict(objection, code="invalid_transition", status=current.status)
    _compare_and_set(conn, current, version, {"updated_at_ms": now_ms, **values})
    add_event(
        conn, session_id, at_ms=now_ms, kind=kind, attempt=current.attempts, reason=reason, detail=detail
    )
    return _updated(current, {"updated_at_ms": now_ms, **values})


def _updated(current: SessionRecord, values: Mapping[str, Any]) -> SessionRecord:
    """The record as the compare-and-set just wrote it, without reading it back."""
    fields = {f.name: getattr(current, f.name) for f in dataclasses.fields(current)}
    return _record_of({**fields, **values})


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


def events(conn: Connection, session: SessionRecord) -> list[EventRecord]:
    """The session's history, starting with its creation (derived from created_at_ms)."""
    created = EventRecord(
        id=0,
        session_id=session.id,
        at_ms=session.created_at_ms,
        kind="created",
        from_status=None,
        to_status=Status.INITIATED,
        attempt=None,
        reason=None,
        detail=None,
    )
    return [created, *(_event_of(row) for row in _SELECT_EVENTS.all(conn, {"b_id": session.id}))]


def list_open(conn: Connection) -> list[SessionRecord]:
    rows = conn.execute(select(*_COLUMNS).where(text(OPEN_STATUS_SQL)).order_by(_S.created_at_ms))
    return [_record(row) for row in rows]


def finished_among(conn: Connection, session_ids: Collection[str]) -> set[str]:
    """Those of the ids that are terminal or no longer exist."""
    rows = conn.execute(
        select(_S.id, _S.status).where(_S.id.in_(list(session_ids)))
    )
    still_open = {row.id for row in rows if row.status in OPEN}
    return set(session_ids) - still_open


def ids_by_key(conn: Connection, keys: Collection[str]) -> dict[str, str]:
    if not keys:
        return {}
    rows = conn.execute(select(_S.idempotency_key, _S.id).where(_S.idempotency_key.in_(list(keys))))
    return {row.idempotency_key: row.id for row in rows}


def ids_to_reconcile(conn: Connection) -> list[str]:
    """Interrupted sessions whose last outcome is unknown or that wait to settle."""
    rows = conn.execute(
        select(_S.id)
        .where(
            _S.status == Status.INTERRUPTED,
            (_S.outcome_unknown.is_(True)) | (_S.settle_to.is_not(None)),
        )
        .order_by(_S.updated_at_ms)
    )
    return [row.id for row in rows]


def _set_move(
    conn: Connection,
    where: Any,
    *,
    now_ms: int,
    to: Status,
    kind: str,
    reason: str | None,
    values: Mapping[str, Any],
) -> int:
    """One set-based move: the event rows and the update share the same indexed predicate."""
    conn.execute(
        insert(_E).from_select(
            ["session_id", "at_ms", "kind", "from_status", "to_status", "attempt", "reason"],
            select(
                _S.id,
                literal(now_ms, _E.at_ms.type),
                literal(kind, _E.kind.type),
                _S.status,
                literal(to.value, _E.to_status.type),
                _S.attempts,
                literal(reason, _E.reason.type),
            ).where(where),
        )
    )
    result = conn.execute(
        update(_S).where(where).values({"updated_at_ms": now_ms, "version": _S.version + 1, **values})
    )
    return result.rowcount


def expire_untouched(conn: Connection, now_ms: int) -> int:
    """Expire sessions past their lifetime that never reached the gateway: nothing to check."""
    where = and_(
        _S.status.in_([Status.INITIATED, Status.INTERRUPTED]),
        _S.expires_at_ms <= now_ms,
        _S.gateway_contacted.is_(False),
        _S.settle_to.is_(None),
    )
    return _set_move(
        conn,
        where,
        now_ms=now_ms,
        to=Status.EXPIRED,
        kind="expired",
        reason="session lifetime ended",
        values={"status": Status.EXPIRED, "finished_at_ms": now_ms},
    )


def mark_contacted_for_expiry(conn: Connection, now_ms: int) -> int:
    """Sessions past their lifetime that reached the gateway expire only after a look-up there."""
    where = and_(
        _S.status == Status.INTERRUPTED,
        _S.expires_at_ms <= now_ms,
        _S.gateway_contacted.is_(True),
        _S.settle_to.is_(None),
    )
    conn.execute(
        insert(_E).from_select(
            ["session_id", "at_ms", "kind", "from_status", "attempt", "reason"],
            select(
                _S.id,
                literal(now_ms, _E.at_ms.type),
                literal("expiry_pending", _E.kind.type),
                _S.status,
                _S.attempts,
                literal("lifetime ended; checking the gateway before expiring", _E.reason.type),
            ).where(where),
        )
    )
    result = conn.execute(
        update(_S)
        .where(where)
        .values(settle_to=Status.EXPIRED, updated_at_ms=now_ms, version=_S.version + 1)
    )
    return result.rowcount


def interrupt_all_processing(conn: Connection, now_ms: int, reason: Reason) -> int:
    """Attempts in flight when the process stopped (or died) have unknown outcomes.

    At start-up with CRASH_RECOVERED; at a clean shutdown with APP_CLOSED.
    """
    where = _S.status == Status.PROCESSING
    return _set_move(
        conn,
        where,
        now_ms=now_ms,
        to=Status.INTERRUPTED,
        kind="interrupted",
        reason=reason,
        values={
            "status": Status.INTERRUPTED,
            "last_interruption_reason": reason,
            "interruptions": _S.interruptions + 1,
            "gateway_contacted": True,
            "outcome_unknown": True,
        },
    )


def purge_finished(conn: Connection, before_ms: int) -> int:
    """Delete terminal sessions (and, by cascade, their events) finished before the retention."""
    result = conn.execute(
        delete(_S).where(_S.status.in_(list(TERMINAL)), _S.finished_at_ms < before_ms)
    )
    return result.rowcount
