"""Payments accepted offline; runs inside Database jobs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, exists, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from backend.db.sessions import moves, reads
from backend.db.tables import OfflinePayment, OfflineUnreadable, PaymentSession
from backend.payments.records import SessionRecord
from smartcart_contract.money import format_money
from smartcart_contract.states import Status

_O = OfflinePayment
_S = PaymentSession
_U = OfflineUnreadable

# How last_error starts for a sealed payment the forwarder set aside: the admin has to act.
UNREADABLE_PREFIX = "needs the admin: "


class OfflineRefused(Exception):
    """Over a store-and-forward limit; nothing was written."""


@dataclass(frozen=True, slots=True)
class OfflineLimits:
    max_payment_minor: int
    max_total_minor: int
    max_count: int
    max_age_ms: int


@dataclass(frozen=True, slots=True)
class WaitingSummary:
    count: int
    total_minor: int
    oldest_accepted_at_ms: int | None


@dataclass(frozen=True, slots=True)
class OfflineRecord:
    session_id: str
    order_id: int
    amount_minor: int
    currency: str
    method: str | None
    card_last4: str | None
    status: Status
    accepted_at_ms: int
    forwarded_at_ms: int | None
    outcome: str | None
    forward_attempts: int
    last_error: str | None


def waiting_summary(conn: Connection) -> WaitingSummary:
    row = conn.execute(
        select(
            func.count(),
            func.coalesce(func.sum(_S.amount_minor), 0),
            func.min(_O.accepted_at_ms),
        )
        .select_from(_O)
        .join(_S, _S.id == _O.session_id)
        .where(_O.outcome.is_(None))
    ).one()
    return WaitingSummary(count=row[0], total_minor=int(row[1]), oldest_accepted_at_ms=row[2])


def refusal(
    conn: Connection, *, amount_minor: int, currency: str, limits: OfflineLimits, now_ms: int
) -> str | None:
    """Why this payment cannot be accepted offline, or None."""
    if amount_minor > limits.max_payment_minor:
        cap = format_money(limits.max_payment_minor, currency, symbol=False)
        return f"Payments over {cap} cannot be accepted while offline."
    waiting = waiting_summary(conn)
    if waiting.count >= limits.max_count:
        return f"{waiting.count} offline payments are already waiting to be sent."
    if waiting.total_minor + amount_minor > limits.max_total_minor:
        cap = format_money(limits.max_total_minor, currency, symbol=False)
        return f"The offline total would exceed {cap}."
    oldest = waiting.oldest_accepted_at_ms
    if oldest is not None and now_ms - oldest >= limits.max_age_ms:
        return "An offline payment has waited too long to be sent; reconnect first."
    return None


def accept(
    conn: Connection, session_id: str, *, sealed: bytes, limits: OfflineLimits, now_ms: int
) -> SessionRecord:
    """PROCESSING -> OFFLINE_ACCEPTED with its sealed payment, if within every limit."""
    current = reads.get(conn, session_id)
    problem = refusal(
        conn, amount_minor=current.amount_minor, currency=current.currency, limits=limits, now_ms=now_ms
    )
    if problem:
        raise OfflineRefused(problem)
    session = moves.move(
        conn,
        session_id,
        to=Status.OFFLINE_ACCEPTED,
        from_={Status.PROCESSING},
        now_ms=now_ms,
        kind="offline_accepted",
        reason="gateway unreachable; accepted offline, to be forwarded",
        values={"offline_refusal": None},
        objection=lambda s: "a cancel is pending" if s.settle_to is not None else None,
    )
    conn.execute(
        insert(_O).values(
            session_id=session_id, accepted_at_ms=now_ms, sealed_source=sealed, forward_attempts=0
        )
    )
    return session


def waiting(
    conn: Connection, limit: int = 100, *, key_id: str | None = None
) -> list[tuple[SessionRecord, bytes | None]]:
    """Offline payments still to forward, oldest first; with `key_id`, less those set aside
    because that key could not open them (another key may still)."""
    query = select(_O.session_id, _O.sealed_source).where(_O.outcome.is_(None))
    if key_id is not None:
        query = query.where(~exists().where(_U.session_id == _O.session_id, _U.key_id == key_id))
    rows = conn.execute(query.order_by(_O.accepted_at_ms, _O.session_id).limit(limit)).all()
    return [(reads.get(conn, row.session_id), row.sealed_source) for row in rows]


def record_outcome(
    conn: Connection,
    session_id: str,
    *,
    to: Status,
    charge_id: str | None,
    decline_code: str | None,
    now_ms: int,
) -> SessionRecord:
    """The gateway answered the forward: finish the session and destroy the sealed card."""
    session = moves.move(
        conn,
        session_id,
        to=to,
        from_={Status.OFFLINE_ACCEPTED},
        now_ms=now_ms,
        kind="forwarded",
        reason=f"forwarded: {to}" + (f" ({decline_code})" if decline_code else ""),
        values={
            "gateway_charge_id": charge_id,
            "decline_code": decline_code,
            "gateway_contacted": True,
            "outcome_unknown": False,
        },
    )
    conn.execute(
        update(_O)
        .where(_O.session_id == session_id)
        .values(sealed_source=None, outcome=to, forwarded_at_ms=now_ms)
    )
    conn.execute(delete(_U).where(_U.session_id == session_id))
    return session


def set_aside(conn: Connection, session_id: str, *, key_id: str, reason: str, now_ms: int) -> None:
    """The forwarder holding `key_id` cannot open this sealed payment: it passes it by from now
    on, and the admin list says so. The payment keeps waiting (it still counts against the
    offline limits) and its sealed bytes are kept, for a forwarder with the right key."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(
        dialect.insert(_U)
        .values(session_id=session_id, key_id=key_id, reason=reason[:200], at_ms=now_ms)
        .on_conflict_do_nothing(index_elements=[_U.session_id, _U.key_id])
    )
    error = f"{UNREADABLE_PREFIX}cannot be opened with offline key {key_id}: {reason}"
    conn.execute(
        update(_O)
        .where(_O.session_id == session_id)
        .values(forward_attempts=_O.forward_attempts + 1, last_error=error[:200])
    )


def note_failure(conn: Connection, session_id: str, error: str) -> None:
    conn.execute(
        update(_O)
        .where(_O.session_id == session_id)
        .values(forward_attempts=_O.forward_attempts + 1, last_error=error[:200])
    )


def list_all(conn: Connection, limit: int = 1000) -> list[OfflineRecord]:
    rows = conn.execute(
        select(
            _O.session_id, _S.order_id, _S.amount_minor, _S.currency, _S.method, _S.card_last4,
            _S.status, _O.accepted_at_ms, _O.forwarded_at_ms, _O.outcome, _O.forward_attempts,
            _O.last_error,
        )
        .join(_S, _S.id == _O.session_id)
        .order_by(_O.accepted_at_ms.desc())
        .limit(limit)
    ).all()
    return [
        OfflineRecord(
            session_id=r.session_id, order_id=r.order_id, amount_minor=r.amount_minor,
            currency=r.currency, method=r.method, card_last4=r.card_last4, status=Status(r.status),
            accepted_at_ms=r.accepted_at_ms, forwarded_at_ms=r.forwarded_at_ms, outcome=r.outcome,
            forward_attempts=r.forward_attempts, last_error=r.last_error,
        )
        for r in rows
    ]
