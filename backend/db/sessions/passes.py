"""Set-based passes over many sessions (expiry, crash recovery, purge): each one indexed
statement for the rows and one for their event rows, sharing the same predicate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, literal, select, update

from backend.db.tables import PaymentSession, SessionEvent
from smartcart_contract.states import TERMINAL, Reason, Status

_S = PaymentSession
_E = SessionEvent


def _set_move(
    conn: Connection,
    where: Any,
    *,
    now_ms: int,
    to: Status | None,
    kind: str,
    reason: str | None,
    values: Mapping[str, Any],
) -> int:
    """One set-based change: the event rows and the update share the same indexed predicate.
    `to` None changes fields without moving the sessions (the event has no target state)."""
    conn.execute(
        insert(_E).from_select(
            ["session_id", "at_ms", "kind", "from_status", "to_status", "attempt", "reason"],
            select(
                _S.id,
                literal(now_ms, _E.at_ms.type),
                literal(kind, _E.kind.type),
                _S.status,
                literal(to.value if to else None, _E.to_status.type),
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
    return _set_move(
        conn,
        where,
        now_ms=now_ms,
        to=None,
        kind="expiry_pending",
        reason="lifetime ended; checking the gateway before expiring",
        values={"settle_to": Status.EXPIRED},
    )


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
