"""Store-and-forward as the admin sees it: what waits, what was forwarded, what was lost."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from smartcart_contract.money import format_money
from smartcart_desktop.admin.admin_models import OfflinePayment, OfflinePayments
from smartcart_desktop.admin.durations import local_time
from smartcart_desktop.ui.style import set_role

COLUMNS = ("Session", "Order", "Amount", "Method", "Accepted", "Forwarded", "Outcome", "Tries", "Note")
LOSS_BACKGROUND = "#ffcdd2"
NEAR_LIMIT_BACKGROUND = "#ffe0b2"


def note_of(payment: OfflinePayment) -> str:
    if payment.loss:
        return "Loss: declined after it was accepted"
    if payment.near_age_limit:
        return "Near the age limit: forward now"
    return payment.last_error or ""


class OfflineView(QWidget):
    forward_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.payments: list[OfflinePayment] = []
        self.summary = set_role(QLabel("Payments accepted while the gateway was unreachable."), "subtitle")
        self.summary.setObjectName("offlineSummary")
        self.summary.setWordWrap(True)  # wraps rather than widen the window past a small screen
        self.forward_button = set_role(QPushButton("Forward now"), "primary")
        self.forward_button.setObjectName("forwardButton")
        self.forward_button.clicked.connect(self.forward_requested)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("offlineTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(44)
        header = self.table.horizontalHeader()
        for column, width in enumerate((150, 80, 110, 110, 120, 120, 120, 70)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        legend = set_role(
            QLabel("Orange: waiting close to the age limit.  Red: declined after the goods were handed over."),
            "muted",
        )
        legend.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.forward_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(legend)
        layout.addWidget(self.table, 1)

    def show_offline(self, offline: OfflinePayments) -> None:
        self.payments = list(offline.payments)
        currency = offline.payments[0].currency if offline.payments else "INR"
        waiting = format_money(offline.waiting_total_minor, currency)
        losses = sum(1 for p in offline.payments if p.loss)
        text = f"{offline.waiting} waiting to be forwarded ({waiting})"
        if losses:
            text += f" · {losses} lost"
        self.summary.setText(text)
        self.table.setRowCount(len(self.payments))
        for row, payment in enumerate(self.payments):
            cells = (
                payment.session_id[:12] + "…",
                f"#{payment.order_id}",
                format_money(payment.amount_minor, payment.currency),
                (payment.method or "—") + (f" •{payment.card_last4}" if payment.card_last4 else ""),
                local_time(payment.accepted_at),
                local_time(payment.forwarded_at) if payment.forwarded_at else "not yet",
                payment.outcome or "waiting",
                str(payment.forward_attempts),
                note_of(payment),
            )
            background = (
                LOSS_BACKGROUND if payment.loss else NEAR_LIMIT_BACKGROUND if payment.near_age_limit else None
            )
            for column, text_ in enumerate(cells):
                item = QTableWidgetItem(text_)
                if column == 0:
                    item.setToolTip(payment.session_id)
                    item.setData(Qt.ItemDataRole.UserRole, payment.session_id)
                elif column == len(cells) - 1 and text_:
                    item.setToolTip(text_)
                if background is not None:
                    item.setBackground(QBrush(QColor(background)))
                self.table.setItem(row, column, item)

    def highlight_of(self, row: int) -> str | None:
        """The row's highlight colour, or None (tests)."""
        item = self.table.item(row, 0)
        assert item is not None, f"no row {row}"
        brush = item.background()
        return None if brush.style() == Qt.BrushStyle.NoBrush else brush.color().name()
