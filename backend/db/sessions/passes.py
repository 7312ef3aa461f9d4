"""Set-based passes over many sessions (expiry, crash recovery, purge): each one indexed
statement for the rows and one for their event rows, sharing the same predicate.

Sessions a kiosk replicated here (`replica`) are that kiosk's to drive: no pass moves them.
Only the retention purge reaches them, once terminal, as it does every finished session."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update

from backend.db.sessions import changed
from backend.db.sessions.reads import orphaned
from backend.db.tables import PaymentSession, SessionEvent
from smartcart_contract.states import TERMINAL, Reason, Status

_S = PaymentSession
_E = SessionEvent
# Ids per UPDATE … WHERE id IN (…): well under SQLite's limit of bound parameters.
_CHUNK = 500


def _set_move(
    conn: Connection,
    where: Any,
    *,
    now_ms: int,
    to: Status | None,
    kind: str,
    reason: str | None,
    values: Mapping[str, Any],
    limit: int | None = None,
) -> int:
    """One set-based change: lock the rows the indexed predicate selects, change them, and
    write an event row for each one changed. `to` None changes fields without moving the
    sessions (the event has no target state). `limit`: change at most this many (the first by
    id); the change must take the rows out of `where`, so that the next call finds the rest.

    Locking first (in id order, so that two processes cannot deadlock on each other) and
    writing events for exactly the rows locked keeps the history true on PostgreSQL, where
    an INSERT … SELECT and an UPDATE with the same predicate may see different rows.
    """
    rows = conn.execute(
        select(_S.id, _S.status, _S.attempts).where(where).order_by(_S.id).limit(limit).with_for_update()
    ).all()
    ids = [row.id for row in rows]
    for start in range(0, len(ids), _CHUNK):
        conn.execute(
            update(_S)
            .where(_S.id.in_(ids[start : start + _CHUNK]))
            .values({"updated_at_ms": now_ms, "version": _S.version + 1, **values})
        )
    if rows:
        conn.execute(
            insert(_E),
            [
                {
                    "session_id": row.id,
                    "at_ms": now_ms,
                    "kind": kind,
                    "from_status": row.status,
                    "to_status": to,
                    "attempt": row.attempts,
                    "reason": reason,
                }
                for row in rows
            ],
        )
        changed.mark(conn, ids)
    return len(rows)


def expire_untouched(conn: Connection, now_ms: int, *, steady_ms: int, limit: int | None = None) -> int:
    """Expire sessions past their lifetime that never reached the gateway: nothing to check.

    `steady_ms` judges the lifetime (expires_at_ms is on the steady timeline, backend/clock.py);
    `now_ms`, the wall clock, is only recorded."""
    where = and_(
        _S.status.in_([Status.INITIATED, Status.INTERRUPTED]),
        _S.expires_at_ms <= steady_ms,
        _S.replica.is_(False),
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
        limit=limit,
    )


def mark_contacted_for_expiry(conn: Connection, now_ms: int, *, steady_ms: int, limit: int | None = None) -> int:
    """Sessions past their lifetime that reached the gateway expire only after a look-up there."""
    where = and_(
        _S.status == Status.INTERRUPTED,
        _S.expires_at_ms <= steady_ms,
        _S.replica.is_(False),
        _S.gateway_contacted.is_(True),
        _S.settle_to.is_(None),
    )
    return _set_move(
        conn,
        where,
        now_ms=now_ms,
        to=None,
        kind="expiry_pending",
        reason="lifetime ended; checking the gateway before expiring",
        values={"settle_to": Status.EXPIRED},
        limit=limit,
    )


def interrupt_processing(
    conn: Connection, now_ms: int, reason: Reason, *, owner: str, own: bool, orphans: bool
) -> int:
    """Attempts in flight whose driver is gone have unknown outcomes.

    `own`: this instance's own, at a clean shutdown (APP_CLOSED) or at start-up after a crash
    (CRASH_RECOVERED). `orphans`: those of instances whose lease has run out, which this
    instance takes over. A live instance's attempts are never touched.
    """
    which = [_S.owner == owner] if own else []
    if orphans:
        which.append(orphaned(owner, now_ms))
    # A replica's owner is an instance of its kiosk, never alive here: its kiosk recovers it.
    where = and_(_S.status == Status.PROCESSING, _S.replica.is_(False), or_(*which))
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
            "owner": owner,
        },
    )


def purge_finished(conn: Connection, before_ms: int) -> int:
    """Delete terminal sessions (and, by cascade, their events) finished before `before_ms`:
    the clock's horizon less the retention, never the wall clock (backend/clock.py)."""
    result = conn.execute(
        delete(_S).where(_S.status.in_(list(TERMINAL)), _S.finished_at_ms < before_ms)
    )
    return result.rowcount


def newest_created_before(conn: Connection, before_ms: int) -> int | None:
    """The newest creation time below `before_ms` (the process's start): what the database
    vouches for when no saved horizon does (backend/clock.py)."""
    newest: int | None = conn.execute(
        select(func.max(_S.created_at_ms)).where(_S.created_at_ms < before_ms)
    ).scalar_one()
    return newest
