"""What the operator asks the history list for: the filters of GET /api/payments/sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from smartcart_desktop.admin.report_range import DayRange

# (caption, days back from today: 0 is today alone; None is every date)
WHEN = (
    ("All dates", None),
    ("Today", 0),
    ("Yesterday", -1),
    ("Last 7 days", 6),
    ("Last 30 days", 29),
)


def days_of(choice: int | None, today: date | None = None) -> DayRange | None:
    if choice is None:
        return None
    day = today or date.today()
    if choice < 0:
        return DayRange(day + timedelta(days=choice), day + timedelta(days=choice))
    return DayRange(day - timedelta(days=choice), day)


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    days: DayRange | None = None
    status: str | None = None
    method: str | None = None
    text: str = ""
    kiosk: str | None = None  # one kiosk's sessions only; None: every kiosk's

    def params(self, *, limit: int, cursor: str | None = None) -> dict[str, str]:
        params = {"limit": str(limit)}
        if self.days is not None:
            params.update(self.days.query())
        if self.status:
            params["status"] = self.status
        if self.method:
            params["method"] = self.method
        if self.kiosk:
            params["kiosk"] = self.kiosk
        if self.text.strip():
            params["q"] = self.text.strip()
        if cursor:
            params["cursor"] = cursor
        return params
