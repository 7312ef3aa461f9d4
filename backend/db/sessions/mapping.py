"""Rows of `payment_sessions` and `session_events` as the records the rest of the backend sees.

ORM rows never leave backend/db/: every read ends here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from backend.db.tables import PaymentSession, table_of
from backend.payments.records import EventRecord, SessionRecord
from smartcart_contract.states import Reason, Status

_T = table_of(PaymentSession)


def _optional(kind: type) -> Any:
    return lambda value: kind(value) if value else None


# How each stored column becomes the record's field (the names are the same); SQLite hands
# booleans back as 0/1 and enums as their text.
_CONVERT: dict[str, Any] = {
    "status": Status,
    "last_interruption_reason": _optional(Reason),
    "settle_to": _optional(Status),
    "gateway_contacted": bool,
    "outcome_unknown": bool,
    "replica": bool,
    "from_status": _optional(Status),
    "to_status": _optional(Status),
}
_SESSION_FIELDS = tuple(
    (f.name, _CONVERT.get(f.name, lambda value: value)) for f in dataclasses.fields(SessionRecord)
)

_EVENT_FIELDS = tuple(
    (f.name, _CONVERT.get(f.name, lambda value: value)) for f in dataclasses.fields(EventRecord)
)
# The columns an event row is written with (its id is the database's).
EVENT_COLUMNS = tuple(name for name, _ in _EVENT_FIELDS if name != "id")

COLUMNS = tuple(c for c in _T.c if c.key != "version")


def record_of_row(row: Any) -> SessionRecord:
    return record_of(row._mapping)


def record_of(m: Mapping[str, Any]) -> SessionRecord:
    return SessionRecord(**{name: convert(m[name]) for name, convert in _SESSION_FIELDS})


def event_of(m: Mapping[str, Any]) -> EventRecord:
    return EventRecord(**{name: convert(m[name]) for name, convert in _EVENT_FIELDS})


def with_values(current: SessionRecord, values: Mapping[str, Any]) -> SessionRecord:
    """The record as the compare-and-set just wrote it, without reading it back."""
    fields = {f.name: getattr(current, f.name) for f in dataclasses.fields(current)}
    return record_of({**fields, **values})
