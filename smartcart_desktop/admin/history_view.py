"""One session's history: the facts (outcome, charge id, duration, interruptions) and its
events as a timeline, with the operator's actions for a session still open."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from smartcart_contract.money import format_money
from smartcart_contract.states import Status
from smartcart_desktop.admin.admin_controller import SessionHistory
from smartcart_desktop.admin.durations import local_time, short_duration
from smartcart_desktop.admin.facts_grid import FactsGrid
from smartcart_desktop.admin.sessions_model import method_text, status_text
from smartcart_desktop.admin.timeline import entry_of
from smartcart_desktop.admin.wrapped_text import WrappedTextDelegate
from smartcart_desktop.ui.style import restyle, set_role

KIND_ROLE = Qt.ItemDataRole.UserRole + 1
DETAIL_COLUMN = 2
_CANCELLABLE = frozenset({Status.INITIATED, Status.PROCESSING, Status.INTERRUPTED})
_RECONCILABLE = frozenset(s for s in Status if not s.terminal)
_REFUNDABLE = frozenset({Status.COMPLETED})
_TONES = {"good": "#2e7d32", "bad": "#c62828", "warn": "#e65100", "info": "#1c2b33"}

# (key, caption), laid out row by row in up to three columns of caption/value pairs
FACTS = (
    ("status", "Status"),
    ("amount", "Amount"),
    ("chargeId", "Gateway charge"),
    ("order", "Order"),
    ("method", "Method"),
    ("decline", "Decline code"),
    ("attempts", "Attempts"),
    ("interruptions", "Interruptions"),
    ("lastReason", "Last interruption"),
    ("created", "Created"),
    ("finished", "Finished"),
    ("duration", "Duration"),
    ("refunded", "Refunded"),
    ("kiosk", "Kiosk"),
)
_FACT_COLUMNS = 3


def _refunded_text(history: SessionHistory) -> str:
    if not history.refunds:
        return "—"
    count = len(history.refunds)
    pending = sum(1 for r in history.refunds if r.status == "pending")
    text = f"{format_money(history.refunded_minor, history.session.currency)} ({count} refund{'s' if count != 1 else ''}"
    return text + (f", {pending} waiting for the gateway)" if pending else ")")


class SessionHistoryView(QWidget):
    lookup_requested = Signal(str)  # what the operator typed or pasted
    cancel_requested = Signal(str)  # session id
    reconcile_requested = Signal(str)  # session id
    refund_requested = Signal(str)  # session id

    def __init__(self) -> None:
        super().__init__()
        self._history: SessionHistory | None = None
        self.lookup = QLineEdit()
        self.lookup.setObjectName("lookupEdit")
        self.lookup.setPlaceholderText("Type or paste a session id")
        self.lookup.setClearButtonEnabled(True)
        self.lookup_button = set_role(QPushButton("Open"), "primary")
        self.lookup_button.setObjectName("lookupButton")
        self.lookup_error = set_role(QLabel(), "error")
        self.lookup_error.setObjectName("lookupError")
        self.lookup_error.hide()
        self.title = QLabel("No session open: tap one in Overview, or type its id above")
        self.title.setObjectName("historyTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts: dict[str, QLabel] = {}
        self.timeline = QTreeWidget()
        self.timeline.setObjectName("timeline")
        self.timeline.setHeaderLabels(["Time", "Event", "Reason / detail", "Now"])
        self.timeline.setRootIsDecorated(False)
        self.timeline.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.timeline.setUniformRowHeights(False)
        self.timeline.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.detail_delegate = WrappedTextDelegate(self.timeline, DETAIL_COLUMN)
        self.timeline.setItemDelegateForColumn(DETAIL_COLUMN, self.detail_delegate)
        header = self.timeline.header()
        header.setStretchLastSection(False)
        header.resizeSection(0, 104)
        header.resizeSection(1, 300)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(3, 150)  # "INTERRUPTED" fits; the detail gets the rest on an 800 px screen
        self.cancel_button = set_role(QPushButton("Cancel payment…"), "danger")
        self.cancel_button.setObjectName("cancelSessionButton")
        self.reconcile_button = QPushButton("Check with gateway now…")
        self.reconcile_button.setObjectName("reconcileButton")
        self.refund_button = QPushButton("Refund…")
        self.refund_button.setObjectName("refundSessionButton")
        self.refund_button.clicked.connect(self._refund)
        self.lookup.returnPressed.connect(self._lookup)
        self.lookup_button.clicked.connect(self._lookup)
        self.cancel_button.clicked.connect(self._cancel)
        self.reconcile_button.clicked.connect(self._reconcile)
        self._build()
        self._show_actions()

    def _build(self) -> None:
        lookup_row = QHBoxLayout()
        lookup_row.addWidget(self.lookup, 1)
        lookup_row.addWidget(self.lookup_button)
        facts = set_role(QFrame(), "card")
        facts.setObjectName("historyFacts")
        pairs = []
        for key, caption in FACTS:
            value = QLabel("—")
            value.setObjectName(f"fact-{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.facts[key] = value
            pairs.append((set_role(QLabel(caption), "muted"), value))
        # As many pairs side by side as the width allows: one column on a small screen.
        self.facts_grid = FactsGrid(pairs, most_columns=_FACT_COLUMNS)
        self.facts["chargeId"].setProperty("role", "mono")
        # Wraps rather than widening the panel past a small screen.
        self.facts["refunded"].setWordWrap(True)
        card = QVBoxLayout(facts)
        card.setContentsMargins(18, 10, 18, 12)
        card.setSpacing(6)
        card.addWidget(self.title)
        card.addWidget(self.facts_grid)
        timeline_row = QHBoxLayout()
        timeline_row.addWidget(set_role(QLabel("Timeline"), "subtitle"))
        timeline_row.addStretch(1)
        timeline_row.addWidget(self.reconcile_button)
        timeline_row.addWidget(self.refund_button)
        timeline_row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(lookup_row)
        layout.addWidget(self.lookup_error)
        layout.addWidget(facts)
        layout.addLayout(timeline_row)
        layout.addWidget(self.timeline, 1)

    # ---- intents ----------------------------------------------------------------------------

    def _lookup(self) -> None:
        self.lookup_error.hide()
        self.lookup_requested.emit(self.lookup.text())

    def _cancel(self) -> None:
        if self._history is not None:
            self.cancel_requested.emit(self._history.session.session_id)

    def _refund(self) -> None:
        if self._history is not None:
            self.refund_requested.emit(self._history.session.session_id)

    def _reconcile(self) -> None:
        if self._history is not None:
            self.reconcile_requested.emit(self._history.session.session_id)

    # ---- showing ----------------------------------------------------------------------------

    @property
    def history(self) -> SessionHistory | None:
        return self._history

    def show_loading(self, session_id: str) -> None:
        self.lookup_error.hide()
        if self._history is None or self._history.session.session_id != session_id:
            self.title.setText(f"Session {session_id} — loading…")

    def show_failure(self, message: str) -> None:
        self.lookup_error.setText(message)
        self.lookup_error.show()

    def show_history(self, history: SessionHistory) -> None:
        self._history = history
        session, summary = history.session, history.summary
        self.lookup_error.hide()
        self.title.setText(f"Session {session.session_id}")
        values = {
            "status": status_text(session),
            "order": f"#{session.order_id}",
            "amount": format_money(session.amount_minor, session.currency),
            "method": method_text(session),
            "attempts": f"{summary.attempts} of {summary.max_attempts}",
            "duration": short_duration(summary.duration_seconds),
            "interruptions": str(summary.interruptions),
            "lastReason": summary.last_interruption_reason.value if summary.last_interruption_reason else "—",
            "created": local_time(session.created_at),
            "finished": local_time(session.finished_at),
            "chargeId": session.gateway_charge_id or "—",
            "decline": session.decline_code or "—",
            "refunded": _refunded_text(history),
            "kiosk": session.kiosk_id or "—",
        }
        for key, text in values.items():
            self.facts[key].setText(text)
        self.facts_grid.refit()
        restyle(self.facts["chargeId"])
        self._fill_timeline(history)
        self._show_actions()

    def _fill_timeline(self, history: SessionHistory) -> None:
        self.timeline.clear()
        for event in history.session.events or []:
            entry = entry_of(event)
            item = QTreeWidgetItem([local_time(event.at), entry.title, entry.reason, entry.status])
            item.setData(0, KIND_ROLE, event.kind)
            item.setForeground(1, QBrush(QColor(_TONES[entry.tone])))
            item.setToolTip(2, entry.reason)
            self.timeline.addTopLevelItem(item)

    def _show_actions(self) -> None:
        """Operator actions only for a session still open; a finished one cannot change, and one
        accepted offline can no longer be cancelled (the customer has the goods)."""
        status = self._history.session.status if self._history is not None else None
        actions = (
            (self.cancel_button, _CANCELLABLE),
            (self.reconcile_button, _RECONCILABLE),
            # Money taken can be given back: the session stays COMPLETED, the refund joins its timeline.
            (self.refund_button, _REFUNDABLE),
        )
        for button, allowed in actions:
            button.setEnabled(status in allowed)
            button.setVisible(status in allowed)

    # ---- for tests and screenshots --------------------------------------------------------------

    def event_kinds(self) -> list[str]:
        return [str(item.data(0, KIND_ROLE)) for item in self._timeline_items()]

    def event_rows(self) -> list[tuple[str, str, str]]:
        """(event, reason, status it moved to) per row, as shown."""
        return [(item.text(1), item.text(2), item.text(3)) for item in self._timeline_items()]

    def hidden_detail_rows(self) -> list[int]:
        """Rows whose reason or detail does not fit the height they are given (none should)."""
        hidden = []
        for row, item in enumerate(self._timeline_items()):
            index = self.timeline.indexFromItem(item, DETAIL_COLUMN)
            shown = self.timeline.visualRect(index).height()
            if item.text(DETAIL_COLUMN) and shown < self.detail_delegate.text_height(index):
                hidden.append(row)
        return hidden

    def _timeline_items(self) -> list[QTreeWidgetItem]:
        items = (self.timeline.topLevelItem(i) for i in range(self.timeline.topLevelItemCount()))
        return [item for item in items if item is not None]
