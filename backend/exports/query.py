"""The export's reads, in SQLAlchemy Core only (portable: SQLite and PostgreSQL alike).

This is the export's data layer: like backend/db/, it is the only part of the exports that
knows the tables. Rows are streamed in batches (`stream_results` + `yield_per`), so an export
of 100,000 sessions never holds them all; the report's totals come from GROUP BY, not from
rows in Python.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Connection, CursorResult, cast, distinct, func, select

from backend.db.tables import OfflinePayment, Order, PaymentSession, Refund, SessionEvent, table_of
from backend.exports import money_taken
from backend.exports.criteria import Criteria
from backend.exports.rows import ExportRow
from smartcart_contract.states import Status

_S = table_of(PaymentSession)
_O = table_of(Order)
_E = table_of(SessionEvent)
_F = table_of(OfflinePayment)
_R = table_of(Refund)

# What each session got back, for its row (money_taken.refunded).
_REFUNDED = (
    # Cast: PostgreSQL sums a BIGINT as NUMERIC, which would reach the row as a Decimal.
    select(_R.c.session_id, cast(func.sum(_R.c.amount_minor), BigInteger).label("refunded_minor"))
    .where(money_taken.refunded(_R.c.status))
    .group_by(_R.c.session_id)
    .subquery("refunded")
)

BATCH = 1000

# In the field order of ExportRow.
_ROW_COLUMNS = (
    _S.c.id,
    _S.c.order_id,
    _O.c.status.label("order_status"),
    _S.c.status,
    _S.c.method,
    _S.c.card_brand,
    _S.c.card_last4,
    _S.c.amount_minor,
    _S.c.currency,
    _S.c.attempts,
    _S.c.max_attempts,
    _S.c.interruptions,
    _S.c.last_interruption_reason,
    _S.c.decline_code,
    _S.c.gateway_charge_id,
    _S.c.created_at_ms,
    _S.c.finished_at_ms,
    _F.c.accepted_at_ms,
    _F.c.forwarded_at_ms,
    _F.c.outcome,
    _S.c.cash_received_minor,
    _S.c.cash_change_minor,
    _S.c.kiosk_id,
    func.coalesce(_REFUNDED.c.refunded_minor, 0).label("refunded_minor"),
)


def _where(criteria: Criteria) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if criteria.from_ms is not None:
        clauses.append(_S.c.created_at_ms >= criteria.from_ms)
    if criteria.until_ms is not None:
        clauses.append(_S.c.created_at_ms < criteria.until_ms)
    if criteria.statuses:
        clauses.append(_S.c.status.in_([s.value for s in criteria.statuses]))
    if criteria.kiosk_id is not None:
        clauses.append(_S.c.kiosk_id == criteria.kiosk_id)
    return clauses


def session_rows(
    conn: Connection, criteria: Criteria, *, limit: int | None = None, batch: int = BATCH
) -> Iterator[ExportRow]:
    """The sessions matching `criteria`, oldest first, fetched `batch` rows at a time.

    The query runs now (so a failing query raises here, before anything has been written);
    the rows are fetched as the returned iterator is consumed.
    """
    statement = (
        select(*_ROW_COLUMNS)
        .select_from(
            _S.join(_O, _O.c.id == _S.c.order_id)
            .outerjoin(_F, _F.c.session_id == _S.c.id)
            .outerjoin(_REFUNDED, _REFUNDED.c.session_id == _S.c.id)
        )
        .where(*_where(criteria))
        .order_by(_S.c.created_at_ms, _S.c.id)
    )
    if limit is not None:
        statement = statement.limit(limit)
    result = conn.execute(
        statement, execution_options={"stream_results": True, "yield_per": batch}
    )
    return _rows_of(result)


def _rows_of(result: CursorResult[Any]) -> Iterator[ExportRow]:
    with result:
        for partition in result.partitions():
            for row in partition:
                yield ExportRow(*row)


@dataclass(frozen=True, slots=True)
class Total:
    """Sessions sharing one key (a status or a method) and one currency."""

    key: str | None
    currency: str
    sessions: int
    amount_minor: int


@dataclass(frozen=True, slots=True)
class ReasonCount:
    reason: str | None
    interruptions: int
    sessions: int


@dataclass(frozen=True, slots=True)
class Summary:
    sessions: int
    interruptions: int
    # Every session by its status: how many, and the amounts they were for (asked, not taken).
    by_status: tuple[Total, ...]
    by_method: tuple[Total, ...]
    by_reason: tuple[ReasonCount, ...]
    # Money taken (money_taken.py) by method, and what was accepted offline and not yet collected.
    taken_by_method: tuple[Total, ...] = ()
    not_yet_collected: tuple[Total, ...] = ()
    # Refunds that succeeded on those payments, by the payment's method (sessions: refunds).
    refunded_by_method: tuple[Total, ...] = ()

    def net_by_method(self) -> tuple[Total, ...]:
        return less(self.taken_by_method, self.refunded_by_method)

    def taken(self) -> tuple[Total, ...]:
        """Money taken per currency (key None), net of refunds: the one figure every total shows."""
        return per_currency(self.net_by_method())

    def refunded(self) -> tuple[Total, ...]:
        return per_currency(self.refunded_by_method)


def less(taken: tuple[Total, ...], refunded: tuple[Total, ...]) -> tuple[Total, ...]:
    """`taken` with `refunded` (same key and currency) subtracted from its amounts; its counts stay."""
    back = {(t.key, t.currency): t.amount_minor for t in refunded}
    return tuple(
        Total(t.key, t.currency, t.sessions, t.amount_minor - back.get((t.key, t.currency), 0)) for t in taken
    )


def per_currency(totals: tuple[Total, ...]) -> tuple[Total, ...]:
    currencies = sorted({t.currency for t in totals})
    return tuple(
        Total(
            None,
            currency,
            sum(t.sessions for t in totals if t.currency == currency),
            sum(t.amount_minor for t in totals if t.currency == currency),
        )
        for currency in currencies
    )


def _totals(
    conn: Connection, key: Any, criteria: Criteria, *also: ColumnElement[bool]
) -> tuple[Total, ...]:
    rows = conn.execute(
        select(
            key,
            _S.c.currency,
            func.count().label("sessions"),
            func.coalesce(func.sum(_S.c.amount_minor), 0).label("amount"),
        )
        .where(*_where(criteria), *also)
        .group_by(key, _S.c.currency)
        .order_by(key, _S.c.currency)
    )
    return tuple(Total(row[0], row[1], int(row[2]), int(row[3])) for row in rows)


def refunded_totals(conn: Connection, criteria: Criteria) -> tuple[Total, ...]:
    """Refunds that gave money back on the sessions matching `criteria`, by the session's method."""
    rows = conn.execute(
        select(_S.c.method, _R.c.currency, func.count(), func.coalesce(func.sum(_R.c.amount_minor), 0))
        .select_from(_R.join(_S, _S.c.id == _R.c.session_id))
        .where(*_where(criteria), money_taken.taken(_S.c.status), money_taken.refunded(_R.c.status))
        .group_by(_S.c.method, _R.c.currency)
        .order_by(_S.c.method, _R.c.currency)
    )
    return tuple(Total(row[0], row[1], int(row[2]), int(row[3])) for row in rows)


def taken_totals(conn: Connection, criteria: Criteria) -> tuple[Total, ...]:
    """Money taken per currency, net of refunds, for the sessions matching `criteria`."""
    taken = _totals(conn, _S.c.method, criteria, money_taken.taken(_S.c.status))
    return per_currency(less(taken, refunded_totals(conn, criteria)))


def summary(conn: Connection, criteria: Criteria) -> Summary:
    """Totals by outcome and by method (count and amount), money taken, and interruptions by reason.

    Interruptions are counted from the session history (every move into INTERRUPTED), so a
    session interrupted twice for different reasons counts under both.
    """
    by_status = _totals(conn, _S.c.status, criteria)
    by_method = _totals(conn, _S.c.method, criteria)
    interruptions = conn.execute(
        select(func.coalesce(func.sum(_S.c.interruptions), 0)).where(*_where(criteria))
    ).scalar_one()
    reasons = conn.execute(
        select(_E.c.reason, func.count(), func.count(distinct(_E.c.session_id)))
        .select_from(_E.join(_S, _S.c.id == _E.c.session_id))
        .where(_E.c.to_status == Status.INTERRUPTED.value, *_where(criteria))
        .group_by(_E.c.reason)
        .order_by(func.count().desc(), _E.c.reason)
    )
    return Summary(
        sessions=sum(t.sessions for t in by_status),
        interruptions=int(interruptions),
        by_status=by_status,
        by_method=by_method,
        by_reason=tuple(ReasonCount(r[0], int(r[1]), int(r[2])) for r in reasons),
        taken_by_method=_totals(conn, _S.c.method, criteria, money_taken.taken(_S.c.status)),
        not_yet_collected=per_currency(
            _totals(conn, _S.c.method, criteria, money_taken.not_yet_collected(_S.c.status))
        ),
        refunded_by_method=refunded_totals(conn, criteria),
    )
