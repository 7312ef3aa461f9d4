"""Today at a glance: money taken, outcomes and interruptions by reason, from the stats.

"Taken today" is the backend's money taken (backend/exports/money_taken.py: completed payments less refunds),
the same figure as the PDF summary's for the same days; the window adds nothing up itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout

from smartcart_contract.money import format_money
from smartcart_desktop.admin.admin_models import Stats
from smartcart_desktop.admin.stats_chart import Bar, BarGroup, StatsChart
from smartcart_desktop.ui.style import set_role

# status → (label, colour)
OUTCOMES = (
    ("COMPLETED", "Completed", "#2e7d32"),
    ("DECLINED", "Declined", "#c62828"),
    ("CANCELLED", "Cancelled", "#78909c"),
    ("EXPIRED", "Expired", "#8d6e63"),
    ("FAILED_MAX_RETRIES", "Failed", "#ad1457"),
)
_REASON_COLOURS = {
    "TIMEOUT": "#ef6c00",
    "NETWORK_ERROR": "#1565c0",
    "GATEWAY_ERROR": "#6a1b9a",
    "APP_CLOSED": "#00838f",
    "CRASH_RECOVERED": "#5d4037",
}
OUTCOMES_TITLE = "Payments today"
REASONS_TITLE = "Interruptions by reason"


@dataclass(frozen=True, slots=True)
class Glance:
    outcomes: dict[str, int]  # label (Completed, Declined…) → sessions
    taken: dict[str, int]  # currency → minor units: the backend's money taken (GET /api/payments/stats)
    sessions: int
    interruptions: int
    by_reason: dict[str, int] = field(default_factory=dict)  # reason → interruptions
    not_yet_collected: dict[str, int] = field(default_factory=dict)  # accepted offline, not money yet

    def taken_text(self) -> str:
        return _amounts_text(self.taken)

    def pending_text(self) -> str:
        if not self.not_yet_collected:
            return ""
        return f"{_amounts_text(self.not_yet_collected)} accepted offline, not yet collected"

    def chart_groups(self) -> tuple[BarGroup, ...]:
        outcomes = tuple(Bar(label, self.outcomes[label], colour) for _, label, colour in OUTCOMES)
        reasons = tuple(
            Bar(reason, count, _REASON_COLOURS.get(reason, "#546e7a")) for reason, count in self.by_reason.items()
        )
        return (BarGroup(OUTCOMES_TITLE, outcomes), BarGroup(REASONS_TITLE, reasons, "No interruptions today"))


def _amounts_text(amounts: dict[str, int]) -> str:
    if not amounts:
        return format_money(0)
    return " + ".join(format_money(amount, currency) for currency, amount in sorted(amounts.items()))


def glance_of(stats: Stats) -> Glance:
    by_reason: dict[str, int] = {}
    for row in sorted(stats.by_reason, key=lambda r: -r.interruptions):
        reason = row.reason or "unknown"
        by_reason[reason] = by_reason.get(reason, 0) + row.interruptions
    return Glance(
        outcomes={label: stats.count(status) for status, label, _ in OUTCOMES},
        taken=stats.taken_amounts(),
        sessions=stats.sessions,
        interruptions=stats.interruptions,
        by_reason=by_reason,
        not_yet_collected={t.currency: t.amount_minor for t in stats.not_yet_collected},
    )


class TodayView(QFrame):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("todayView")
        set_role(self, "card")
        self.glance: Glance | None = None
        self.title = set_role(QLabel("Today at a glance"), "subtitle")
        self.title.setObjectName("todayTitle")
        self.title.setWordWrap(True)  # beside the chart on an 800 px screen
        self.taken_caption = set_role(QLabel("Taken today"), "muted")
        self.taken = QLabel("—")
        self.taken.setObjectName("takenToday")
        self.taken.setWordWrap(True)
        self.counts = QLabel("")
        self.counts.setObjectName("todayCounts")
        self.counts.setWordWrap(True)
        self.chart = StatsChart()
        figures = QVBoxLayout()
        figures.setSpacing(4)
        figures.addWidget(self.title)
        figures.addSpacing(6)
        figures.addWidget(self.taken_caption)
        figures.addWidget(self.taken)
        figures.addSpacing(6)
        figures.addWidget(self.counts)
        figures.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(18)
        layout.addLayout(figures)
        layout.addWidget(self.chart, 1)

    def show_stats(self, stats: Stats) -> None:
        glance = glance_of(stats)
        self.glance = glance
        self.title.setText(f"Today at a glance · {date.today().strftime('%d %b %Y')}")
        self.taken.setText(glance.taken_text())
        lines = [
            f"{glance.sessions:,} session{'s' if glance.sessions != 1 else ''}",
            f"{glance.interruptions:,} interruption{'s' if glance.interruptions != 1 else ''}",
        ]
        if glance.pending_text():
            lines.append(glance.pending_text())
        self.counts.setText("\n".join(lines))
        self.chart.set_groups(glance.chart_groups())
