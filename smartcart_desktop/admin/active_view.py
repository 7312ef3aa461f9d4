"""The live table of sessions not yet finished; a tap on a row opens that session's history."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from smartcart_desktop.admin.sessions_model import (
    AGE,
    AMOUNT,
    ATTEMPTS,
    EXPIRES,
    METHOD,
    ORDER,
    SESSION,
    SESSION_ID_ROLE,
    STATUS,
    ActiveSessionsModel,
    SessionsProxy,
)
from smartcart_desktop.api.models import Session
from smartcart_desktop.ui.style import set_role

_WIDTHS = {SESSION: 150, ORDER: 76, AMOUNT: 120, METHOD: 150, ATTEMPTS: 116, AGE: 100, EXPIRES: 126}


class ActiveSessionsView(QWidget):
    session_opened = Signal(str)  # a session id

    def __init__(self) -> None:
        super().__init__()
        self.model = ActiveSessionsModel()
        self.proxy = SessionsProxy(self.model)
        self.caption = set_role(QLabel("Active sessions"), "subtitle")
        self.caption.setObjectName("activeCaption")
        self.hint = set_role(QLabel("Tap a row to open its history. Tap a heading to sort."), "muted")
        self.table = QTableView()
        self.table.setObjectName("activeTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(AGE, Qt.SortOrder.DescendingOrder)  # oldest first
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(44)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        for column, width in _WIDTHS.items():
            header.resizeSection(column, width)
        header.setSectionResizeMode(STATUS, QHeaderView.ResizeMode.Stretch)
        self.table.clicked.connect(self._open)
        self.table.activated.connect(self._open)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.caption)
        layout.addWidget(self.hint)
        layout.addWidget(self.table, 1)
        self.show_sessions([])

    def show_sessions(self, sessions: Sequence[Session]) -> None:
        self.model.set_sessions(sessions)
        count = len(sessions)
        self.caption.setText(
            f"Active sessions ({count})" if count else "Active sessions — no payment is open right now"
        )

    def _open(self, index: QModelIndex) -> None:
        session_id = index.siblingAtColumn(0).data(SESSION_ID_ROLE)
        if session_id:
            self.session_opened.emit(str(session_id))

    def row_of(self, session_id: str) -> int | None:
        """Where a session is shown now (after sorting)."""
        for row in range(self.proxy.rowCount()):
            if self.proxy.session_id_at(row) == session_id:
                return row
        return None
