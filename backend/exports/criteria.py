"""What to export: the query parameters of the API (and the options of the CLI), validated once.

`from` and `to` bound the sessions' creation time. Each is a date (`YYYY-MM-DD`, a UTC day)
or an ISO 8601 date-time (`2026-11-26T16:11:18.935Z`; no offset means UTC). A `to` date takes
in that whole day; a `to` date-time is inclusive to the millisecond. `status` is one state of
the state machine or several, comma-separated.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from pydantic import Field, field_validator, model_validator

from backend.http.schemas.common import RequestModel
from smartcart_contract.states import Status

Format = Literal["csv", "json", "pdf"]

_DAY_MS = 86_400_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A space before the offset is a "+" that was not percent-encoded in the query string.
_DATETIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)"
    r"(?P<zone>Z|[+\- ]\d{2}:?\d{2})?",
    re.IGNORECASE,
)
_BOUND_HELP = "a date (YYYY-MM-DD) or an ISO 8601 date-time such as 2026-11-26T16:11:18Z"
_STATUS_HELP = "one or several (comma-separated) of " + ", ".join(Status)
# A kiosk id as `python -m backend kiosk list` shows it (backend/kiosks/).
KIOSK_ID_PATTERN = r"^([A-Za-z0-9][A-Za-z0-9._-]{0,31})?$"  # empty: every kiosk (a blank form field)


def _ms(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def parse_bound(text: str, *, end: bool) -> int:
    """Epoch ms: the first included instant (end=False) or the first excluded one (end=True)."""
    try:
        if _DATE.fullmatch(text):
            day = date.fromisoformat(text)
            start = _ms(datetime(day.year, day.month, day.day, tzinfo=UTC))
            return start + _DAY_MS if end else start
        match = _DATETIME.fullmatch(text)
        if match:
            zone = (match["zone"] or "+00:00").upper().replace(" ", "+")
            moment = datetime.fromisoformat(f"{match['date']}T{match['time']}{zone}")
            return _ms(moment) + 1 if end else _ms(moment)
    except (ValueError, OverflowError):
        pass
    raise ValueError(f"must be {_BOUND_HELP}")


def parse_statuses(text: str) -> tuple[Status, ...]:
    names = [part.strip().upper() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in Status.__members__]
    if unknown or not names:
        raise ValueError(f"must be {_STATUS_HELP}")
    return tuple(Status(name) for name in dict.fromkeys(names))


@dataclass(frozen=True, slots=True)
class Criteria:
    """Sessions created in [from_ms, until_ms) whose status is one of `statuses` (all if empty)."""

    from_ms: int | None = None
    until_ms: int | None = None
    statuses: tuple[Status, ...] = ()
    # One kiosk's sessions only (its id); None: every kiosk's.
    kiosk_id: str | None = None
    # As the caller wrote them, for the report's heading.
    from_text: str | None = None
    to_text: str | None = None

    def describe_range(self) -> str:
        """The creation-time range as the caller gave it, e.g. "created 2026-11-01 to 2026-11-30 (UTC)"."""
        if self.from_text and self.to_text:
            return f"created {self.from_text} to {self.to_text} (UTC)"
        if self.from_text:
            return f"created from {self.from_text} (UTC)"
        if self.to_text:
            return f"created up to {self.to_text} (UTC)"
        return "all sessions"

    def describe_statuses(self) -> str:
        return ", ".join(self.statuses) if self.statuses else "all"



class RangeQuery(RequestModel):
    """`from` / `to` query parameters: a range of session creation times."""

    from_: str | None = Field(
        None, alias="from", max_length=40, description=f"created at or after: {_BOUND_HELP} (UTC)"
    )
    to: str | None = Field(
        None, max_length=40, description=f"created at or before: {_BOUND_HELP}; a date includes the whole day"
    )
    kiosk: str | None = Field(None, pattern=KIOSK_ID_PATTERN, description="one kiosk's sessions only: its id")

    @field_validator("from_", "to", "kiosk", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        # `?from=&to=` (an empty form field) means no bound.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("from_")
    @classmethod
    def _from(cls, value: str | None) -> str | None:
        if value is not None:
            parse_bound(value, end=False)
        return value

    @field_validator("to")
    @classmethod
    def _to(cls, value: str | None) -> str | None:
        if value is not None:
            parse_bound(value, end=True)
        return value

    @model_validator(mode="after")
    def _ordered(self) -> RangeQuery:
        criteria = self.criteria()
        if (
            criteria.from_ms is not None
            and criteria.until_ms is not None
            and criteria.from_ms >= criteria.until_ms
        ):
            raise ValueError("`from` must not be after `to`.")
        return self

    def criteria(self) -> Criteria:
        return Criteria(
            from_ms=parse_bound(self.from_, end=False) if self.from_ else None,
            until_ms=parse_bound(self.to, end=True) if self.to else None,
            statuses=(),
            kiosk_id=self.kiosk,
            from_text=self.from_,
            to_text=self.to,
        )


class ExportQuery(RangeQuery):
    """Query parameters of GET /api/payments/sessions/export."""

    format: Format = Field("csv", description="csv and json list every session; pdf is a printable summary")
    status: str | None = Field(None, max_length=300, description=_STATUS_HELP)

    @field_validator("status", mode="before")
    @classmethod
    def _blank_status(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("status")
    @classmethod
    def _status(cls, value: str | None) -> str | None:
        if value is not None:
            parse_statuses(value)
        return value

    def criteria(self) -> Criteria:
        return dataclasses.replace(
            super().criteria(), statuses=parse_statuses(self.status) if self.status else ()
        )
