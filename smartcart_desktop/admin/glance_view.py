"""Today at a glance: money taken, outcomes and interruptions by reason, from the stats."""

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
    taken: dict[str, int]  # currency → minor units, COMPLETED only
    sessions: int
    interruptions: int
    by_reason: dict[str, int] = field(default_factory=dict)  # reason → interruptions

    def taken_text(self) -> str:
        if not self.taken:
            return format_money(0)
        return " + ".join(format_money(amount, currency) for currency, amount in sorted(self.taken.items()))

    def chart_groups(self) -> tuple[BarGroup, ...]:
        outcomes = tuple(Bar(label, self.outcomes[label], colour) for _, label, colour in OUTCOMES)
        reasons = tuple(
            Bar(reason, count, _REASON_COLOURS.get(reason, "#546e7a")) for reason, count in self.by_reason.items()
        )
        return (BarGroup(OUTCOMES_TITLE, outcomes), BarGroup(REASONS_TITLE, reasons, "No interruptions today"))


def glance_of(stats: Stats) -> Glance:
    by_reason: dict[str, int] = {}
    for row in sorted(stats.by_reason, key=lambda r: -r.interruptions):
        reason = row.reason or "unknown"
        by_reason[reason] = by_reason.get(reason, 0) + row.interruptions
    return Glance(
        outcomes={label: stats.count(status) for status, label, _ in OUTCOMES},
        taken=stats.amount("COMPLETED"),
        sessions=stats.sessions,
        interruptions=stats.interruptions,
        by_reason=by_reason,
    )


class TodayView(QFrame):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("todayView")
        set_role(self, "card")
        self.glance: Glance | None = None
        self.title = set_role(QLabel("Today at a glance"), "subtitle")
        self.title.setObjectName("todayTitle")
        self.taken_caption = set_role(QLabel("Taken today"), "muted")
        self.taken = QLabel("—")
        self.taken.setObjectName("takenToday")
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
        self.counts.setText(
            f"{glance.sessions:,} session{'s' if glance.sessions != 1 else ''}\n"
            f"{glance.interruptions:,} interruption{'s' if glance.interruptions != 1 else ''}"
        )
        self.chart.set_groups(glance.chart_groups())
