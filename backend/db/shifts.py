"""Rows of `shifts`, and the reads a Z report is made of.

At most one shift is open: `open_slot` is 1 while it is and NULL after, under a unique index,
so two processes opening at once cannot both succeed. The close is one compare-and-set on the
open row that also stores the report, so a shift closes once, with the report it closed with.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, and_, func, insert, or_, select, update

from backend.db.tables import PaymentSession, Refund, Shift, table_of
from backend.errors import Conflict, NotFound
from backend.exports import money_taken
from backend.refunds.records import RefundStatus
from backend.shifts.records import ShiftRecord, Unsettled
from smartcart_contract.states import Status

_SH = table_of(Shift)
_S = table_of(PaymentSession)
_R = table_of(Refund)

_SHIFT_COLUMNS = (
    _SH.c.id, _SH.c.currency, _SH.c.opening_float_minor, _SH.c.opened_at_ms, _SH.c.opened_steady_ms,
    _SH.c.closed_at_ms, _SH.c.closed_steady_ms, _SH.c.counted_cash_minor, _SH.c.note,
)


def _shift(row: object) -> ShiftRecord:
    return ShiftRecord(**dict(row._mapping))  # type: ignore[attr-defined]


def current(conn: Connection) -> ShiftRecord | None:
    row = conn.execute(select(*_SHIFT_COLUMNS).where(_SH.c.open_slot == 1)).first()
    return None if row is None else _shift(row)


def get(conn: Connection, shift_id: int) -> tuple[ShiftRecord, str | None]:
    """The shift and the report stored at its close (None while open)."""
    row = conn.execute(select(*_SHIFT_COLUMNS, _SH.c.report).where(_SH.c.id == shift_id)).first()
    if row is None:
        raise NotFound("No shift with this id.", code="shift_not_found")
    values = dict(row._mapping)
    report = values.pop("report")
    return ShiftRecord(**values), report


def open_shift(conn: Connection, *, currency: str, float_minor: int, now_ms: int, steady_ms: int) -> ShiftRecord:
    if (already := current(conn)) is not None:
        raise Conflict(f"Shift {already.id} is still open: close it first.", code="shift_open")
    shift_id = conn.execute(
        insert(_SH)
        .values(open_slot=1, currency=currency, opening_float_minor=float_minor,
                opened_at_ms=now_ms, opened_steady_ms=steady_ms)
        .returning(_SH.c.id)
    ).scalar_one()
    return get(conn, shift_id)[0]


def close(conn: Connection, shift_id: int, *, counted_minor: int, note: str | None, at_ms: int,
          steady_ms: int, report: str) -> ShiftRecord:
    closed = conn.execute(
        update(_SH)
        .where(_SH.c.id == shift_id, _SH.c.open_slot == 1)
        .values(open_slot=None, closed_at_ms=at_ms, closed_steady_ms=steady_ms,
                counted_cash_minor=counted_minor, note=note, report=report)
    )
    if closed.rowcount != 1:
        raise Conflict("This shift was closed meanwhile.", code="shift_closed")
    return get(conn, shift_id)[0]


# ---- what a Z report is made of --------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Group:
    method: str
    currency: str
    count: int
    amount_minor: int


@dataclass(frozen=True, slots=True)
class CompletedPayment:
    session_id: str
    method: str
    amount_minor: int
    gateway_charge_id: str | None


@dataclass(frozen=True, slots=True)
class RefundRef:
    refund_id: int
    session_id: str
    method: str
    amount_minor: int
    gateway_key: str
    gateway_refund_id: str | None


def _completed_in(from_ms: int, until_ms: int):  # type: ignore[no-untyped-def]
    return (money_taken.taken(_S.c.status), _S.c.finished_at_ms >= from_ms, _S.c.finished_at_ms < until_ms)


def payments_by_method(conn: Connection, from_ms: int, until_ms: int) -> list[Group]:
    rows = conn.execute(
        select(_S.c.method, _S.c.currency, func.count(), func.sum(_S.c.amount_minor))
        .where(*_completed_in(from_ms, until_ms))
        .group_by(_S.c.method, _S.c.currency)
    )
    return [Group(r[0] or "unknown", r[1], int(r[2]), int(r[3])) for r in rows]


def _refunds_of(shift: ShiftRecord, until_ms: int) -> tuple[ColumnElement[bool], ...]:
    """A refund made here while the shift was open names it; one that names no shift (a kiosk's,
    replicated to the fleet server, or one made while no shift was open) belongs to the shift
    whose period holds its creation, as a payment does."""
    in_period = and_(_R.c.shift_id.is_(None), _R.c.created_at_ms >= shift.opened_at_ms, _R.c.created_at_ms < until_ms)
    return (or_(_R.c.shift_id == shift.id, in_period), money_taken.refunded(_R.c.status))


def refunds_by_method(conn: Connection, shift: ShiftRecord, until_ms: int) -> list[Group]:
    rows = conn.execute(
        select(_R.c.method, _R.c.currency, func.count(), func.sum(_R.c.amount_minor))
        .where(*_refunds_of(shift, until_ms))
        .group_by(_R.c.method, _R.c.currency)
    )
    return [Group(r[0], r[1], int(r[2]), int(r[3])) for r in rows]


def completed_payments(conn: Connection, from_ms: int, until_ms: int) -> list[CompletedPayment]:
    rows = conn.execute(
        select(_S.c.id, _S.c.method, _S.c.amount_minor, _S.c.gateway_charge_id)
        .where(*_completed_in(from_ms, until_ms), _S.c.method != "cash")
        .order_by(_S.c.finished_at_ms, _S.c.id)
    )
    return [CompletedPayment(r[0], r[1] or "unknown", int(r[2]), r[3]) for r in rows]


def sessions_of_charges(conn: Connection, charge_ids: list[str]) -> dict[str, tuple[str, str]]:
    """charge id → (session id, status), for the sessions that recorded these charges."""
    found: dict[str, tuple[str, str]] = {}
    for start in range(0, len(charge_ids), 500):
        chunk = charge_ids[start:start + 500]
        rows = conn.execute(select(_S.c.gateway_charge_id, _S.c.id, _S.c.status).where(_S.c.gateway_charge_id.in_(chunk)))
        found.update({r[0]: (r[1], r[2]) for r in rows})
    return found


def shift_refunds(conn: Connection, shift: ShiftRecord, until_ms: int) -> list[RefundRef]:
    rows = conn.execute(
        select(_R.c.id, _R.c.session_id, _R.c.method, _R.c.amount_minor, _R.c.gateway_key, _R.c.gateway_refund_id)
        .where(*_refunds_of(shift, until_ms), _R.c.method != "cash")
        .order_by(_R.c.id)
    )
    return [RefundRef(int(r[0]), r[1], r[2], int(r[3]), r[4], r[5]) for r in rows]


def refunds_by_gateway_key(conn: Connection, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        rows = conn.execute(select(_R.c.gateway_key).where(_R.c.gateway_key.in_(keys[start:start + 500]),
                                                           money_taken.refunded(_R.c.status)))
        found.update(r[0] for r in rows)
    return found


_UNSETTLED_LIMIT = 200


def unsettled(conn: Connection, since_ms: int) -> list[Unsettled]:
    """Payments accepted offline and not yet collected (whenever accepted), payments of the shift
    still open at the gateway, and refunds still waiting for the gateway's answer."""
    offline = select(_S.c.id, _S.c.status, _S.c.amount_minor, _S.c.outcome_unknown, _S.c.settle_to).where(
        or_(
            _S.c.status == Status.OFFLINE_ACCEPTED.value,
            (_S.c.status.in_([Status.PROCESSING.value, Status.INTERRUPTED.value]) & (_S.c.created_at_ms >= since_ms)),
        )
    ).order_by(_S.c.created_at_ms).limit(_UNSETTLED_LIMIT)
    items = []
    for r in conn.execute(offline):
        if r[1] == Status.OFFLINE_ACCEPTED.value:
            kind, detail = "offline", "accepted offline, not yet forwarded to the gateway"
        elif r[3] or r[4]:
            kind, detail = "unsettled", "the gateway's answer is not known yet"
        else:
            kind, detail = "open", "payment not finished"
        items.append(Unsettled(kind, r[0], r[1], int(r[2]), detail))
    pending = select(_R.c.session_id, _R.c.amount_minor, _R.c.id).where(
        _R.c.status == RefundStatus.PENDING.value
    ).order_by(_R.c.id).limit(_UNSETTLED_LIMIT)
    for r in conn.execute(pending):
        items.append(Unsettled("refund_pending", r[0], "COMPLETED", int(r[1]),
                               f"refund {r[2]} is waiting for the gateway's answer"))
    return items
