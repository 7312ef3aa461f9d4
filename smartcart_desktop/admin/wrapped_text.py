"""A column of a tree whose text wraps, never cut off with "…": rows grow to fit it.

Qt's own word wrap in a QTreeView measures rows without the column's width, so rows stay one
line high and the text is elided; and it breaks only between words, so a long charge id or
error message still loses its end. This delegate lays the text out itself at the column's
width, breaking between words where it can and anywhere where it must, and tells the view to
measure its rows again whenever the column is resized.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QSize, Qt
from PySide6.QtGui import QBrush, QFont, QPainter, QPalette, QTextLayout, QTextOption
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
)

_H_MARGIN = 4
_V_MARGIN = 4

Index = QModelIndex | QPersistentModelIndex


def _laid_out(text: str, font: QFont, width: float) -> tuple[QTextLayout, float]:
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    layout.beginLayout()
    height = 0.0
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(max(1.0, width))
        line.setPosition(QPointF(0, height))
        height += line.height()
    layout.endLayout()
    return layout, height


class WrappedTextDelegate(QStyledItemDelegate):
    def __init__(self, view: QTreeView, column: int) -> None:
        super().__init__(view)
        self._view = view
        self._column = column
        view.header().sectionResized.connect(self._resized)

    def text_height(self, index: Index) -> float:
        """The height the index's whole text takes at its column's width now."""
        option = QStyleOptionViewItem()
        self.initStyleOption(option, index)
        return _laid_out(option.text, option.font, self._text_width())[1]

    def _text_width(self) -> float:
        return float(self._view.header().sectionSize(self._column) - 2 * _H_MARGIN)

    def _resized(self, section: int, _old: int, _new: int) -> None:
        model = self._view.model()
        if section == self._column and model is not None and model.rowCount() > 0:
            self.sizeHintChanged.emit(model.index(0, self._column))  # the view lays its rows out again

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        base = super().sizeHint(option, index)
        height = int(self.text_height(index) + 0.999) + 2 * _V_MARGIN
        return QSize(base.width(), max(base.height(), height))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        text, item.text = item.text, ""
        style = item.widget.style() if item.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, item, painter, item.widget)  # background
        area = item.rect.adjusted(_H_MARGIN, _V_MARGIN, -_H_MARGIN, -_V_MARGIN)
        layout, height = _laid_out(text, item.font, area.width())
        foreground = index.data(Qt.ItemDataRole.ForegroundRole)
        painter.save()
        if isinstance(foreground, QBrush):
            painter.setPen(foreground.color())
        else:
            painter.setPen(item.palette.color(QPalette.ColorRole.Text))
        top = area.top() + max(0.0, (area.height() - height) / 2)
        layout.draw(painter, QPointF(area.left(), top))
        painter.restore()
