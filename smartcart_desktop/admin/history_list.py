"""The history list: every session, past or present, found by date, status, method or what an
operator can read off a slip (order number, card's last 4, UPI id, gateway charge id); newest
first, sortable by any column, more pages with "More". A tap on a row opens its timeline.

It shows what the controller found and forwards the operator's search; it never calls the API.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from smartcart_contract.states import Status
from smartcart_desktop.admin.history_query import WHEN, HistoryQuery, days_of
from smartcart_desktop.admin.kiosk_choice import KioskChoice
from smartcart_desktop.admin.sessions_model import (
    H_AMOUNT,
    H_CREATED,
    H_METHOD,
    H_ORDER,
    H_REFERENCE,
    H_SESSION,
    H_STATUS,
    SESSION_ID_ROLE,
    HistoryModel,
    SessionsProxy,
)
from smartcart_desktop.api.models import Session
from smartcart_desktop.ui.style import set_role

METHODS = (("Any method", None), ("Card", "card"), ("UPI", "upi"), ("Cash", "cash"))
# The kiosk, last, takes what is left; on a small screen the table scrolls sideways to it.
_WIDTHS = {H_CREATED: 150, H_SESSION: 120, H_ORDER: 80, H_AMOUNT: 110, H_METHOD: 90, H_REFERENCE: 140, H_STATUS: 160}


class HistoryListView(QWidget):
    search_requested = Signal(object)  # HistoryQuery
    more_requested = Signal()
    session_opened = Signal(str)  # a session id

    def __init__(self) -> None:
        super().__init__()
        self.loaded = False  # a first search has been asked for
        self.model = HistoryModel()
        self.proxy = SessionsProxy(self.model)
        self.when = QComboBox()
        self.when.setObjectName("historyWhen")
        for caption, days in WHEN:
            self.when.addItem(caption, days)
        self.status = QComboBox()
        self.status.setObjectName("historyStatus")
        self.status.addItem("Any status", None)
        for status in Status:
            self.status.addItem(status.value, status.value)
        self.method = QComboBox()
        self.method.setObjectName("historyMethod")
        for caption, method in METHODS:
            self.method.addItem(caption, method)
        self.kiosk = KioskChoice("historyKiosk")
        self.text = QLineEdit()
        self.text.setObjectName("historySearch")
        self.text.setPlaceholderText("Order no., last 4, UPI id or gateway charge id")
        self.text.setClearButtonEnabled(True)
        self.search_button = set_role(QPushButton("Search"), "primary")
        self.search_button.setObjectName("historySearchButton")
        self.caption = set_role(QLabel("Payments"), "subtitle")
        self.caption.setObjectName("historyCaption")
        self.caption.setWordWrap(True)  # beside the kiosk filter
        self.table = QTableView()
        self.table.setObjectName("historyTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(H_CREATED, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(36)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        for column, width in _WIDTHS.items():
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
        self.more_button = QPushButton("More")
        self.more_button.setObjectName("historyMoreButton")
        self.more_button.hide()
        self._build()
        self.search_button.clicked.connect(self.search)
        self.text.returnPressed.connect(self.search)
        for combo in (self.when, self.status, self.method, self.kiosk):
            combo.currentIndexChanged.connect(lambda _index: self.search())
        self.more_button.clicked.connect(self._more)
        self.table.clicked.connect(self._open)
        self.table.activated.connect(self._open)
        self.table.verticalScrollBar().valueChanged.connect(self._scrolled)

    def _build(self) -> None:
        # Two rows: in one, the filters alone made the admin window 1,020 px wide, past an
        # 800×600 screen.
        filters = QGridLayout()
        filters.setSpacing(8)
        filters.addWidget(self.when, 0, 0)
        filters.addWidget(self.status, 0, 1)
        filters.addWidget(self.method, 0, 2)
        filters.addWidget(self.text, 1, 0, 1, 2)
        filters.addWidget(self.search_button, 1, 2)
        # Which kiosk's payments, beside the count: a third filter row would take the table's
        # height on a 600 px screen, and beside the others it made the tab 825 px wide.
        head = QHBoxLayout()
        head.addWidget(self.caption, 1)
        head.addWidget(self.kiosk)
        foot = QHBoxLayout()
        foot.addStretch(1)
        foot.addWidget(self.more_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(head)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(foot)

    # ---- intents ------------------------------------------------------------------------------

    def query(self) -> HistoryQuery:
        return HistoryQuery(
            days=days_of(self.when.currentData()),
            status=self.status.currentData(),
            method=self.method.currentData(),
            text=self.text.text(),
            kiosk=self.kiosk.kiosk(),
        )

    def search(self) -> None:
        self.loaded = True
        self.caption.setText("Payments — searching…")
        self.search_requested.emit(self.query())

    def _more(self) -> None:
        self.more_button.setEnabled(False)
        self.more_requested.emit()

    def _scrolled(self, value: int) -> None:
        # Scrolled to the bottom: the next page comes by itself, as if "More" was pressed.
        bar = self.table.verticalScrollBar()
        if value >= bar.maximum() > 0 and self.more_button.isVisible() and self.more_button.isEnabled():
            self._more()

    def _open(self, index: QModelIndex) -> None:
        session_id = index.siblingAtColumn(0).data(SESSION_ID_ROLE)
        if session_id:
            self.session_opened.emit(str(session_id))

    # ---- showing ------------------------------------------------------------------------------

    def show_page(self, sessions: Sequence[Session], replace: bool, more: bool) -> None:
        if replace:
            self.model.replace(sessions)
            self.table.scrollToTop()
        else:
            self.model.append(sessions)
        count = self.model.rowCount()
        if count == 0:
            self.caption.setText("Payments — none match")
        else:
            self.caption.setText(f"Payments — {count:,} shown{', more below' if more else ''}")
        self.more_button.setVisible(more)
        self.more_button.setEnabled(more)

    def shown_ids(self) -> list[str]:
        """The session ids in the order the table shows them (after sorting)."""
        return [self.proxy.session_id_at(row) for row in range(self.proxy.rowCount())]

    def row_of(self, session_id: str) -> int | None:
        ids = self.shown_ids()
        return ids.index(session_id) if session_id in ids else None
