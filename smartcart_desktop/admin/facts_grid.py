"""Caption/value pairs side by side in as many columns as the width allows: three on a wide
screen, one on a narrow one. A fixed grid of three pairs made the history tab 1,300 px wide with
a long charge id and UPI id, past an 800×600 screen; this one needs only its widest pair."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QLayout, QWidget

H_SPACING = 16
V_SPACING = 4


class FactsGrid(QWidget):
    def __init__(self, pairs: Sequence[tuple[QLabel, QLabel]], *, most_columns: int = 3) -> None:
        super().__init__()
        self._pairs = list(pairs)
        self._most = max(1, most_columns)
        self._columns = 0
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(H_SPACING)
        self._grid.setVerticalSpacing(V_SPACING)
        # The grid's own minimum is that of its arrangement now; ours is one column's (below).
        self._grid.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self._arrange(self._most)

    @property
    def columns(self) -> int:
        return self._columns

    def needed_width(self, columns: int) -> int:
        """The width `columns` pairs side by side take, each column as wide as its widest label."""
        width = 0
        for pair in range(columns):
            placed = self._pairs[pair::columns]
            if placed:
                width += max(c.minimumSizeHint().width() for c, _ in placed)
                width += max(v.minimumSizeHint().width() for _, v in placed)
        return width + H_SPACING * (2 * columns - 1)

    def columns_for(self, width: int) -> int:
        return next((n for n in range(self._most, 1, -1) if self.needed_width(n) <= width), 1)

    def refit(self) -> None:
        """The values changed: as many columns as they now allow at this width."""
        self._arrange(self.columns_for(self.width()))
        self.updateGeometry()

    def _arrange(self, columns: int) -> None:
        if columns == self._columns:
            return
        for caption, value in self._pairs:
            self._grid.removeWidget(caption)
            self._grid.removeWidget(value)
        for column in range(2 * self._most):
            self._grid.setColumnStretch(column, 0)
        for index, (caption, value) in enumerate(self._pairs):
            row, pair = divmod(index, columns)
            self._grid.addWidget(caption, row, pair * 2)
            self._grid.addWidget(value, row, pair * 2 + 1)
        for pair in range(columns):
            self._grid.setColumnStretch(pair * 2 + 1, 1)
        self._columns = columns
        self.updateGeometry()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # Only the height follows from the new arrangement, so this settles in one pass.
        self._arrange(self.columns_for(event.size().width()))

    def minimumSizeHint(self) -> QSize:
        return QSize(self.needed_width(1), self._grid.minimumSize().height())

    def sizeHint(self) -> QSize:
        return QSize(self.needed_width(self._most), self._grid.sizeHint().height())
