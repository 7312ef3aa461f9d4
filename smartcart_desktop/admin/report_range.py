"""A range of whole local days, as the backend's `from`/`to` query parameters.

The backend reads a bare date as a UTC day. A kiosk in India (UTC+05:30) means its own day,
so when the local offset is not zero the bounds go out as ISO 8601 date-times with the
offset: the first instant of the first day and the last millisecond of the last one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta


@dataclass(frozen=True, slots=True)
class DayRange:
    first: date
    last: date

    @classmethod
    def today(cls) -> DayRange:
        day = date.today()
        return cls(day, day)

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("the range ends before it starts")

    def query(self) -> dict[str, str]:
        start = datetime.combine(self.first, time.min).astimezone()
        end = datetime.combine(self.last + timedelta(days=1), time.min).astimezone()
        if start.utcoffset() == timedelta(0) and end.utcoffset() == timedelta(0):
            return {"from": self.first.isoformat(), "to": self.last.isoformat()}
        last_ms = end - timedelta(milliseconds=1)
        return {
            "from": start.isoformat(timespec="milliseconds"),
            "to": last_ms.isoformat(timespec="milliseconds"),
        }

    def describe(self) -> str:
        if self.first == self.last:
            return self.first.isoformat()
        return f"{self.first.isoformat()} to {self.last.isoformat()}"
