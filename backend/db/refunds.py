"""Rows of `refunds`: the intent written before the gateway is asked, and how it ends.

The intent's checks (the session is COMPLETED, the amount fits in what is left to refund) and
its insert run in one transaction holding the session's row lock (`SELECT … FOR UPDATE`; on
SQLite the writer's BEGIN IMMEDIATE), so refunds racing from several processes are decided one
after the other, each on the amounts the ones before it reserved.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Connection, Select, func, insert, select, update

from backend.db.sessions.moves import add_event
from backend.db.tables import PaymentSession, Refund, Shift, table_of
from backend.errors import Conflict, DomainError, NotFound
from backend.refunds.records import RefundOutcome, RefundRecord, RefundRequest, RefundStatus
from smartcart_contract.money import format_money
from smartcart_contract.states import Status

_R = table_of(Refund)
_S = table_of(PaymentSession)
_SHIFT = table_of(Shift)

# Refunds that hold money back from what is left to refund: done, or maybe being done.
HOLDING = (RefundStatus.PENDING.value, RefundStatus.SUCCEEDED.value)


class KeyReused(DomainError):
    http_status = 422
    code = "idempotency_key_reused"


def request_hash(request: RefundRequest) -> str:
    return hashlib.sha256(f"{request.amount_minor}\x00{request.reason}".encode()).hexdigest()


def gateway_key(session_id: str, idempotency_key: str) -> str:
    """The refund's key at the gateway, derived from the intent: the same request always asks
    the gateway under the same key, so the gateway refunds it once however often it is asked."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
    return f"rf_{session_id}_{digest}"


_COLUMNS = (
    _R.c.id, _R.c.session_id, _R.c.idempotency_key, _R.c.request_hash, _R.c.gateway_key,
    _S.c.idempotency_key.label("charge_key"), _R.c.amount_minor, _R.c.currency, _R.c.method,
    _R.c.reason, _R.c.status, _R.c.gateway_refund_id, _R.c.error, _R.c.shift_id,
    _R.c.created_at_ms, _R.c.finished_at_ms,
)


def _select() -> Select[Any]:
    return select(*_COLUMNS).select_from(_R.join(_S, _S.c.id == _R.c.session_id))


def _record(row: object) -> RefundRecord:
    values = dict(row._mapping)  # type: ignore[attr-defined]
    values["status"] = RefundStatus(values["status"])
    return RefundRecord(**values)


def get(conn: Connection, refund_id: int) -> RefundRecord:
    row = conn.execute(_select().where(_R.c.id == refund_id)).first()
    if row is None:
        raise NotFound("No refund with this id.", code="refund_not_found")
    return _record(row)


def of_session(conn: Connection, session_id: str) -> list[RefundRecord]:
    if conn.execute(select(_S.c.id).where(_S.c.id == session_id)).first() is None:
        raise NotFound("No payment session with this id.", code="session_not_found")
    return [_record(r) for r in conn.execute(_select().where(_R.c.session_id == session_id).order_by(_R.c.id))]


def of_sessions(conn: Connection, session_ids: list[str]) -> list[RefundRecord]:
    """Every refund of these sessions, oldest first (a sync snapshot's, backend/sync/)."""
    statement = _select().where(_R.c.session_id.in_(session_ids)).order_by(_R.c.id)
    return [_record(r) for r in conn.execute(statement)]


def pending(conn: Connection, limit: int = 100) -> list[RefundRecord]:
    # A replica's refund (backend/sync/) is its kiosk's to finish, at that kiosk's gateway.
    statement = (
        _select()
        .where(_R.c.status == RefundStatus.PENDING.value, _S.c.replica.is_(False))
        .order_by(_R.c.id)
        .limit(limit)
    )
    return [_record(r) for r in conn.execute(statement)]


def charge_id_of(conn: Connection, session_id: str) -> str | None:
    """The provider's id of the payment a session completed with."""
    charge_id: str | None = conn.execute(
        select(_S.c.gateway_charge_id).where(_S.c.id == session_id)
    ).scalar_one_or_none()
    return charge_id


def held_minor(conn: Connection, session_id: str) -> int:
    total = conn.execute(
        select(func.coalesce(func.sum(_R.c.amount_minor), 0)).where(
            _R.c.session_id == session_id, _R.c.status.in_(HOLDING)
        )
    ).scalar_one()
    return int(total)


def _outcome(conn: Connection, refund: RefundRecord, taken: int, *, created: bool) -> RefundOutcome:
    return RefundOutcome(refund, taken, taken - held_minor(conn, refund.session_id), created)


def record_intent(conn: Connection, request: RefundRequest, now_ms: int) -> RefundOutcome:
    """The refund asked for under this key: found if it was asked before, else recorded now
    (pending; a cash refund is done at once, from the drawer)."""
    session = conn.execute(
        select(_S.c.status, _S.c.amount_minor, _S.c.currency, _S.c.method, _S.c.replica)
        .where(_S.c.id == request.session_id)
        .with_for_update()
    ).first()
    if session is None:
        raise NotFound("No payment session with this id.", code="session_not_found")
    if session.replica:
        # Its money was taken by its kiosk: refunded there, and replicated here like the rest.
        raise Conflict(
            "This payment was replicated from its kiosk and can only be refunded there.",
            code="replica_read_only",
            status=session.status,
        )
    fingerprint = request_hash(request)
    found = conn.execute(
        _select().where(_R.c.session_id == request.session_id, _R.c.idempotency_key == request.idempotency_key)
    ).first()
    if found is not None:
        existing = _record(found)
        if existing.request_hash != fingerprint:
            raise KeyReused("This Idempotency-Key was used for a different refund of this payment.")
        return _outcome(conn, existing, session.amount_minor, created=False)
    if session.status != Status.COMPLETED:
        raise Conflict(
            f"Only a completed payment can be refunded; this one is {session.status}.",
            code="not_refundable",
            status=session.status,
        )
    left = session.amount_minor - held_minor(conn, request.session_id)
    if request.amount_minor > left:
        raise Conflict(
            f"Only {format_money(left, session.currency)} of this payment is left to refund.",
            code="refund_exceeds_taken",
            status=session.status,
            refundableMinor=left,
        )
    cash = session.method == "cash"
    shift_id = conn.execute(select(_SHIFT.c.id).where(_SHIFT.c.open_slot == 1)).scalar()
    status = RefundStatus.SUCCEEDED if cash else RefundStatus.PENDING
    refund_id = conn.execute(
        insert(_R)
        .values(
            session_id=request.session_id,
            idempotency_key=request.idempotency_key,
            request_hash=fingerprint,
            gateway_key=gateway_key(request.session_id, request.idempotency_key),
            amount_minor=request.amount_minor,
            currency=session.currency,
            method=session.method or "unknown",
            reason=request.reason,
            status=status.value,
            shift_id=shift_id,
            created_at_ms=now_ms,
            finished_at_ms=now_ms if cash else None,
        )
        .returning(_R.c.id)
    ).scalar_one()
    amount = format_money(request.amount_minor, session.currency, symbol=False)
    add_event(
        conn,
        request.session_id,
        at_ms=now_ms,
        kind="refunded" if cash else "refund_requested",
        reason=f"{amount}: {request.reason}",
        detail="paid out of the cash drawer" if cash else f"refund {refund_id}, asking the gateway",
    )
    return _outcome(conn, get(conn, refund_id), session.amount_minor, created=True)


def _end(conn: Connection, refund_id: int, now_ms: int, values: dict[str, object]) -> bool:
    ended = conn.execute(
        update(_R)
        .where(_R.c.id == refund_id, _R.c.status == RefundStatus.PENDING.value)
        .values(finished_at_ms=now_ms, **values)
    )
    return ended.rowcount == 1


def succeed(conn: Connection, refund_id: int, gateway_refund_id: str, now_ms: int) -> RefundRecord:
    """Idempotent: a refund already ended is left as it is (a retry and the recovery pass may
    both hear the gateway's answer)."""
    if _end(conn, refund_id, now_ms, {"status": RefundStatus.SUCCEEDED.value, "gateway_refund_id": gateway_refund_id}):
        refund = get(conn, refund_id)
        amount = format_money(refund.amount_minor, refund.currency, symbol=False)
        add_event(conn, refund.session_id, at_ms=now_ms, kind="refunded",
                  reason=f"{amount}: {refund.reason}", detail=f"gateway refund {gateway_refund_id}")
    return get(conn, refund_id)


def fail(conn: Connection, refund_id: int, error: str, now_ms: int) -> RefundRecord:
    if _end(conn, refund_id, now_ms, {"status": RefundStatus.FAILED.value, "error": error[:200]}):
        refund = get(conn, refund_id)
        add_event(conn, refund.session_id, at_ms=now_ms, kind="refund_failed",
                  reason=refund.reason, detail=f"the gateway refused the refund: {error}")
    return get(conn, refund_id)


def outcome(conn: Connection, refund_id: int) -> RefundOutcome:
    refund = get(conn, refund_id)
    taken = conn.execute(select(_S.c.amount_minor).where(_S.c.id == refund.session_id)).scalar_one()
    return _outcome(conn, refund, int(taken), created=False)
