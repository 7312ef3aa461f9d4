"""What the operator asked to export, and how its progress is counted."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from smartcart_desktop.admin.report_range import DayRange

FORMATS = ("csv", "json", "pdf")
_SUFFIX = {"csv": ".csv", "json": ".json", "pdf": ".pdf"}
_FILTERS = {"csv": "CSV (*.csv)", "json": "JSON (*.json)", "pdf": "PDF (*.pdf)"}


@dataclass(frozen=True, slots=True)
class ExportRequest:
    fmt: str
    days: DayRange
    statuses: tuple[str, ...] = ()  # empty: every status
    kiosk: str | None = None  # one kiosk's sessions only; None: every kiosk's

    def __post_init__(self) -> None:
        if self.fmt not in FORMATS:
            raise ValueError(f"unknown export format {self.fmt!r}")

    @property
    def suffix(self) -> str:
        return _SUFFIX[self.fmt]

    @property
    def name_filter(self) -> str:
        return _FILTERS[self.fmt]

    def suggested_name(self) -> str:
        days = self.days.first.isoformat()
        if self.days.last != self.days.first:
            days += f"_{self.days.last.isoformat()}"
        status = "-" + "-".join(s.lower() for s in self.statuses) if self.statuses else ""
        kiosk = f"-{self.kiosk}" if self.kiosk else ""
        return f"smartcart-sessions-{days}{kiosk}{status}{self.suffix}"

    @property
    def counts_rows(self) -> bool:
        """CSV and JSON put one session per line; a PDF is counted in bytes."""
        return self.fmt in ("csv", "json")


@dataclass
class RowCounter:
    """Sessions seen so far in a CSV or JSON export, from the line ends that went by.

    CSV: a header line, then one line per session. JSON: `{"sessions":[`, then each session
    on a line of its own (the line end comes before it), then a closing line `],"total":N}`.
    """

    fmt: str
    lines: int = 0

    def feed(self, chunk: bytes) -> None:
        self.lines += chunk.count(b"\n")

    @property
    def rows(self) -> int:
        """So far, while the export is still arriving."""
        return max(self.lines - 1, 0) if self.fmt == "csv" else self.lines

    def final_rows(self) -> int:
        """Once complete (JSON's last two line ends close the document)."""
        return max(self.lines - 1, 0) if self.fmt == "csv" else max(self.lines - 2, 0)


@dataclass(frozen=True, slots=True)
class ExportResult:
    request: ExportRequest
    path: Path
    size: int
    rows: int | None  # None for a PDF
