"""Sessions as table models: the active ones, updated in place so a refresh keeps selection and
sort, and the history list's, page after page.

Each column answers SORT_ROLE with a raw value (amount in minor units, age in seconds), so the
proxy sorts numbers as numbers; DisplayRole is the formatted text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from smartcart_contract.money import format_money
from smartcart_contract.states import Status
from smartcart_desktop.admin.durations import short_duration
from smartcart_desktop.api.models import Session

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
SESSION_ID_ROLE = Qt.ItemDataRole.UserRole + 2

COLUMNS = ("Session", "Order", "Amount", "Method", "Status", "Attempts", "Age", "Expires in")
(SESSION, ORDER, AMOUNT, METHOD, STATUS, ATTEMPTS, AGE, EXPIRES) = range(len(COLUMNS))
_NUMERIC = {ORDER, AMOUNT, ATTEMPTS, AGE, EXPIRES}
EXPIRY_WARNING_S = 120

_STATUS_COLOURS = {
    Status.PROCESSING: "#1565c0",
    Status.INTERRUPTED: "#e65100",
    Status.OFFLINE_ACCEPTED: "#6a1b9a",
}

Index = QModelIndex | QPersistentModelIndex


def method_text(session: Session) -> str:
    if session.method == "card":
        brand = (session.card_brand or "card").capitalize()
        return f"{brand} •{session.card_last4}" if session.card_last4 else brand
    if session.method == "upi":
        return f"UPI {session.upi_id}" if session.upi_id else "UPI"
    if session.method == "cash":
        return "Cash"
    return "—"


def status_text(session: Session) -> str:
    text = session.status.value
    if session.status is Status.INTERRUPTED and session.last_interruption_reason:
        text += f" ({session.last_interruption_reason.value})"
    if session.settling_to is not None:
        text += f" → {session.settling_to.value}"
    return text


class _SessionTable(QAbstractTableModel):
    """What both tables answer Qt alike; a table says its columns and how a cell reads."""

    columns: tuple[str, ...] = ()
    numeric: frozenset[int] = frozenset()
    session_column = 0

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[Session] = []

    def session_ids(self) -> list[str]:
        return [s.session_id for s in self._rows]

    def _display(self, session: Session, column: int) -> str:
        raise NotImplementedError

    def _sort_key(self, session: Session, column: int) -> Any:
        raise NotImplementedError

    def _colour(self, session: Session, column: int) -> QBrush | None:
        return None

    # ---- QAbstractTableModel ------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        session, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(session, column)
        if role == SORT_ROLE:
            return self._sort_key(session, column)
        if role == SESSION_ID_ROLE:
            return session.session_id
        if role == Qt.ItemDataRole.ToolTipRole and column == self.session_column:
            return f"Session {session.session_id}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._colour(session, column)
        return None


class ActiveSessionsModel(_SessionTable):
    columns = COLUMNS
    numeric = frozenset(_NUMERIC)
    session_column = SESSION

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        super().__init__()
        self._clock = clock
        self._now = clock()

    # ---- contents -----------------------------------------------------------------------------

    def set_sessions(self, sessions: Sequence[Session]) -> None:
        self._now = self._clock()
        fresh = {s.session_id: s for s in sessions}
        for row in reversed(range(len(self._rows))):
            if self._rows[row].session_id not in fresh:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._rows[row]
                self.endRemoveRows()
        known = set()
        for row, old in enumerate(self._rows):
            self._rows[row] = fresh[old.session_id]
            known.add(old.session_id)
        if self._rows:  # age and expiry move on even when nothing else changed
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1))
        added = [s for s in sessions if s.session_id not in known]
        if added:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(added) - 1)
            self._rows.extend(added)
            self.endInsertRows()

    def _seconds_old(self, session: Session) -> float:
        return (self._now - session.created_at).total_seconds()

    def _seconds_left(self, session: Session) -> float:
        return (session.expires_at - self._now).total_seconds()

    def _display(self, session: Session, column: int) -> str:
        if column == SESSION:
            return session.session_id[:12] + "…"
        if column == ORDER:
            return f"#{session.order_id}"
        if column == AMOUNT:
            return format_money(session.amount_minor, session.currency)
        if column == METHOD:
            return method_text(session)
        if column == STATUS:
            return status_text(session)
        if column == ATTEMPTS:
            return f"{session.attempts}/{session.max_attempts}"
        if column == AGE:
            return short_duration(self._seconds_old(session))
        left = self._seconds_left(session)
        return short_duration(left) if left > 0 else "expired"

    def _sort_key(self, session: Session, column: int) -> Any:
        return {
            SESSION: session.session_id,
            ORDER: session.order_id,
            AMOUNT: session.amount_minor,
            METHOD: method_text(session),
            STATUS: status_text(session),
            ATTEMPTS: session.attempts,
            AGE: self._seconds_old(session),
            EXPIRES: self._seconds_left(session),
        }[column]

    def _colour(self, session: Session, column: int) -> QBrush | None:
        if column == STATUS and session.status in _STATUS_COLOURS:
            return QBrush(QColor(_STATUS_COLOURS[session.status]))
        if column == EXPIRES and self._seconds_left(session) < EXPIRY_WARNING_S:
            return QBrush(QColor("#c62828"))
        return None


# The kiosk last: a shop with one kiosk reads the rest first.
HISTORY_COLUMNS = ("Created", "Session", "Order", "Amount", "Method", "Card / UPI", "Status", "Kiosk")
(H_CREATED, H_SESSION, H_ORDER, H_AMOUNT, H_METHOD, H_REFERENCE, H_STATUS, H_KIOSK) = range(len(HISTORY_COLUMNS))
_HISTORY_NUMERIC = {H_ORDER, H_AMOUNT}
_HISTORY_STATUS_COLOURS = {
    Status.COMPLETED: "#2e7d32",
    Status.DECLINED: "#c62828",
    Status.FAILED_MAX_RETRIES: "#ad1457",
    **_STATUS_COLOURS,
}


def reference_text(session: Session) -> str:
    """What an operator would search by: the card's last 4 or the UPI id."""
    if session.card_last4:
        return f"•{session.card_last4}"
    return session.upi_id or ""


class HistoryModel(_SessionTable):
    """Past and present sessions as the history list found them, page after page."""

    columns = HISTORY_COLUMNS
    numeric = frozenset(_HISTORY_NUMERIC)
    session_column = H_SESSION

    def replace(self, sessions: Sequence[Session]) -> None:
        self.beginResetModel()
        self._rows = list(sessions)
        self.endResetModel()

    def append(self, sessions: Sequence[Session]) -> None:
        known = {s.session_id for s in self._rows}
        added = [s for s in sessions if s.session_id not in known]
        if added:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(added) - 1)
            self._rows.extend(added)
            self.endInsertRows()

    def _colour(self, session: Session, column: int) -> QBrush | None:
        colour = _HISTORY_STATUS_COLOURS.get(session.status) if column == H_STATUS else None
        return QBrush(QColor(colour)) if colour else None

    def _display(self, session: Session, column: int) -> str:
        if column == H_CREATED:
            return session.created_at.astimezone().strftime("%d %b %H:%M:%S")
        if column == H_SESSION:
            return session.session_id[:12] + "…"
        if column == H_ORDER:
            return f"#{session.order_id}"
        if column == H_AMOUNT:
            return format_money(session.amount_minor, session.currency)
        if column == H_METHOD:
            return {"card": (session.card_brand or "card").capitalize(), "upi": "UPI", "cash": "Cash"}.get(
                session.method or "", "—"
            )
        if column == H_REFERENCE:
            return reference_text(session)
        if column == H_STATUS:
            return status_text(session)
        return session.kiosk_id or "—"

    def _sort_key(self, session: Session, column: int) -> Any:
        return {
            H_CREATED: session.created_at.timestamp(),
            H_SESSION: session.session_id,
            H_ORDER: session.order_id,
            H_AMOUNT: session.amount_minor,
            H_METHOD: session.method or "",
            H_REFERENCE: reference_text(session),
            H_KIOSK: session.kiosk_id or "",
            H_STATUS: status_text(session),
        }[column]


class SessionsProxy(QSortFilterProxyModel):
    """Sorts on SORT_ROLE (numbers as numbers); re-sorts as the rows refresh."""

    def __init__(self, source: QAbstractTableModel) -> None:
        super().__init__()
        self.setSourceModel(source)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def session_id_at(self, row: int) -> str:
        return str(self.index(row, 0).data(SESSION_ID_ROLE))
