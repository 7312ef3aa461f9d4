"""Admin unlock, operator actions, statistics and the history list."""

from __future__ import annotations

import base64
import re

from pydantic import (
    Field,
    field_validator,
)

from backend.db.sessions.search import Position, SearchCriteria
from backend.exports.criteria import KIOSK_ID_PATTERN, RangeQuery
from backend.http.schemas.common import RequestModel, ResponseModel
from backend.http.schemas.sessions import SessionOut
from smartcart_contract import limits
from smartcart_contract.states import Status


class UnlockIn(RequestModel):
    pin: str = Field(min_length=limits.PIN_MIN, max_length=limits.PIN_MAX, pattern=r"^[0-9]+$")


class UnlockOut(ResponseModel):
    admin_token: str


class OperatorActionIn(RequestModel):
    reason: str = Field(
        min_length=limits.OPERATOR_REASON_MIN,
        max_length=limits.OPERATOR_REASON_MAX,
        description="recorded in the session history",
    )


class TotalOut(ResponseModel):
    key: str | None
    currency: str
    sessions: int
    amount_minor: int


class ReasonCountOut(ResponseModel):
    reason: str | None
    interruptions: int
    sessions: int


class StatsOut(ResponseModel):
    sessions: int
    interruptions: int
    by_status: list[TotalOut] = Field(description="every session by status, with the amounts asked")
    by_method: list[TotalOut] = Field(description="every session by method, with the amounts asked")
    by_reason: list[ReasonCountOut]
    taken: list[TotalOut] = Field(
        description="money taken per currency: completed payments less their refunds (the PDF's figure too)"
    )
    taken_by_method: list[TotalOut] = Field(description="money taken by method and currency, less refunds")
    refunded: list[TotalOut] = Field(
        default_factory=list, description="refunds given back on these payments per currency (sessions: refunds)"
    )
    refunded_by_method: list[TotalOut] = Field(default_factory=list, description="refunds by method and currency")
    not_yet_collected: list[TotalOut] = Field(
        description="accepted offline, waiting to be forwarded: not money taken yet"
    )


# ---- the history list: GET /api/payments/sessions ------------------------------------------------

PAGE_DEFAULT, PAGE_MAX = 50, 200
SEARCH_TEXT_MAX = 100
_CURSOR_PREFIX = "v1:"
_CURSOR = re.compile(r"v1:(\d{1,15}):([0-9a-f]{32})")
_METHODS = ("card", "upi", "cash")


def encode_cursor(position: Position) -> str:
    """Opaque to the caller: where the next page starts, as (created_at_ms, id)."""
    raw = f"{_CURSOR_PREFIX}{position.created_at_ms}:{position.session_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        raw = ""
    match = _CURSOR.fullmatch(raw)
    if match is None:
        raise ValueError("not a cursor this list gave (pass nextCursor back as it came)")
    return Position(int(match[1]), match[2])


def _blank_is_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


class SessionSearchQuery(RangeQuery):
    """Query parameters of GET /api/payments/sessions. Every one may be left out (or empty)."""

    status: str | None = Field(None, max_length=40, description="one of " + ", ".join(Status))
    method: str | None = Field(None, max_length=10, description="one of " + ", ".join(_METHODS))
    q: str | None = Field(
        None,
        max_length=SEARCH_TEXT_MAX,
        pattern=r"^[^\x00-\x1f\x7f]*$",
        description="an order id, a card's last 4 digits, a UPI id, a gateway charge id or a "
        "session id, matched exactly",
    )
    limit: int = Field(PAGE_DEFAULT, ge=1, le=PAGE_MAX, description="sessions per page")
    cursor: str | None = Field(
        None, max_length=120, description="nextCursor of the page before; leave out for the first page"
    )

    _blanks = field_validator("status", "method", "q", "cursor", mode="before")(_blank_is_none)

    @field_validator("status")
    @classmethod
    def _status(cls, value: str | None) -> str | None:
        if value is not None and value.strip().upper() not in Status.__members__:
            raise ValueError("must be one of " + ", ".join(Status))
        return value

    @field_validator("method")
    @classmethod
    def _method(cls, value: str | None) -> str | None:
        if value is not None and value.lower() not in _METHODS:
            raise ValueError("must be one of " + ", ".join(_METHODS))
        return value

    @field_validator("cursor")
    @classmethod
    def _cursor(cls, value: str | None) -> str | None:
        if value is not None:
            decode_cursor(value)
        return value

    def search_criteria(self) -> SearchCriteria:
        span = self.criteria()
        return SearchCriteria(
            from_ms=span.from_ms,
            until_ms=span.until_ms,
            status=Status(self.status.strip().upper()) if self.status else None,
            method=self.method.lower() if self.method else None,
            text=self.q,
            kiosk_id=self.kiosk,
            limit=self.limit,
            after=decode_cursor(self.cursor) if self.cursor else None,
        )


class ActiveQuery(RequestModel):
    """Query parameters of GET /api/payments/sessions/active."""

    kiosk: str | None = Field(None, pattern=KIOSK_ID_PATTERN, description="one kiosk's sessions only: its id")

    _blanks = field_validator("kiosk", mode="before")(_blank_is_none)


class SessionPageOut(ResponseModel):
    sessions: list[SessionOut] = Field(description="newest first")
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last")
