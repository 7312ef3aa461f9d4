"""Invoice numbers as GST Rule 46 wants them: at most 16 characters, consecutive, unique for a
financial year (1 April to 31 March, in the shop's time zone).

`SC/2627/000123` is the 123rd invoice of series SC in the financial year 2026-27. The counting
itself is the data layer's (backend/db/invoices.py); this module only names the year and writes
the number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

INVOICE_NUMBER_MAX = 16
_MIN_DIGITS = 6


class SeriesExhausted(RuntimeError):
    """More invoices in one year than the series' 16 characters can number."""


@dataclass(frozen=True, slots=True)
class InvoiceSeries:
    prefix: str = "SC"
    time_zone: str = "Asia/Kolkata"

    def financial_year(self, at_ms: int) -> str:
        """"2627" for any moment from 1 April 2026 00:00 to 31 March 2027 23:59:59 local time."""
        local = datetime.fromtimestamp(at_ms / 1000, tz=ZoneInfo(self.time_zone))
        start = local.year if local.month >= 4 else local.year - 1
        return f"{start % 100:02d}{(start + 1) % 100:02d}"

    def number(self, financial_year: str, serial: int) -> str:
        head = f"{self.prefix}/{financial_year}/"
        digits = max(_MIN_DIGITS, len(str(serial)))
        if len(head) + digits > INVOICE_NUMBER_MAX:
            raise SeriesExhausted(f"series {self.prefix} has no number left in {financial_year}")
        return f"{head}{serial:0{digits}d}"


DEFAULT_SERIES = InvoiceSeries()
