"""Finding past payment sessions: the admin's history list, newest first, a page at a time.

Pages are keyset pages on (created_at_ms, id): a page starts strictly after the last row of
the one before, so sessions created meanwhile (newer, hence before the first page) never push
a row onto two pages or off all of them. Every filter has an index ending in that order
(tables.py), so a page is read off an index and never sorts or scans the table: a status, a
method and a card's last 4 each lead their own index; the creation-time range bounds the tail
of whichever index is used. The free text is matched exactly, never with `%q%`, so each of its
alternatives is an index look-up (order id, last 4, UPI id, gateway charge id, session id,
invoice number).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import BigInteger, ColumnElement, Connection, Select, false, literal, or_, select, tuple_

from backend.db.sessions.mapping import COLUMNS, record_of_row
from backend.db.tables import PaymentSession, table_of
from backend.payments.records import SessionRecord
from smartcart_contract import limits
from smartcart_contract.states import Status

_T = table_of(PaymentSession)

# An order id the API can hold (ids go up to 2**62): longer digit strings cannot be one.
_ORDER_ID_DIGITS = 18


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page ends: the (created_at_ms, id) of its last session."""

    created_at_ms: int
    session_id: str


@dataclass(frozen=True, slots=True)
class SearchCriteria:
    """Sessions created in [from_ms, until_ms), in `status` and paid by `method` (any if None),
    matching the free text `text` (anything if None). One status, not several: each status is
    its own range of the status index, and several would have to be merged and sorted."""

    from_ms: int | None = None
    until_ms: int | None = None
    status: Status | None = None
    method: str | None = None
    text: str | None = None
    # One kiosk's sessions (its id); None: every kiosk's.
    kiosk_id: str | None = None
    limit: int = 50
    after: Position | None = None


@dataclass(frozen=True, slots=True)
class Page:
    sessions: tuple[SessionRecord, ...]
    # Where the next page starts; None when this one is the last.
    next: Position | None


def text_matches(text: str) -> ColumnElement[bool]:
    """What the free text may be, each one an exact match an index serves."""
    text = text.strip()
    alternatives: list[ColumnElement[bool]] = [_T.c.gateway_charge_id == text]
    if text.isascii() and text.isdigit():
        # "0042" is a card's last 4, never order 42.
        if len(text) <= _ORDER_ID_DIGITS and not text.startswith("0"):
            alternatives.append(_T.c.order_id == int(text))
        if len(text) == 4:
            alternatives.append(_T.c.card_last4 == text)
    if "@" in text:
        alternatives.append(_T.c.upi_id == text)
    if "/" in text:  # an invoice number, as printed on the customer's receipt
        alternatives.append(_T.c.invoice_number == text.upper())
    if limits.is_session_id(text.lower()):
        alternatives.append(_T.c.id == text.lower())
    return or_(*alternatives) if alternatives else false()


def statement(criteria: SearchCriteria) -> Select[tuple[object, ...]]:
    """The page's SELECT (one row more than the page, to know whether another follows)."""
    where: list[ColumnElement[bool]] = []
    if criteria.from_ms is not None:
        where.append(_T.c.created_at_ms >= criteria.from_ms)
    if criteria.until_ms is not None:
        where.append(_T.c.created_at_ms < criteria.until_ms)
    if criteria.status is not None:
        where.append(_T.c.status == criteria.status.value)
    if criteria.method is not None:
        where.append(_T.c.method == criteria.method)
    if criteria.text is not None:
        where.append(text_matches(criteria.text))
    if criteria.kiosk_id is not None:
        where.append(_T.c.kiosk_id == criteria.kiosk_id)
    if criteria.after is not None:
        # A row value: both databases read it as one range of the (…, created_at_ms, id) index.
        where.append(
            tuple_(_T.c.created_at_ms, _T.c.id)
            < tuple_(literal(criteria.after.created_at_ms, BigInteger), literal(criteria.after.session_id))
        )
    return (
        select(*COLUMNS)
        .where(*where)
        .order_by(_T.c.created_at_ms.desc(), _T.c.id.desc())
        .limit(criteria.limit + 1)
    )


def page(conn: Connection, criteria: SearchCriteria) -> Page:
    rows: Sequence[object] = conn.execute(statement(criteria)).all()
    records = tuple(record_of_row(row) for row in rows[: criteria.limit])
    more = len(rows) > criteria.limit and records
    last = records[-1] if more else None
    return Page(
        sessions=records,
        next=Position(last.created_at_ms, last.id) if last is not None else None,
    )
