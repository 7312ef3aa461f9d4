"""A small horizontal bar chart drawn with QPainter: groups side by side, one bar per count.

Horizontal bars leave room for long labels ("NETWORK_ERROR"); each group is scaled to its own
largest value, and each bar carries its number, so the chart reads without an axis.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

BAR_HEIGHT = 26
ROW_GAP = 10
TITLE_GAP = 12
GROUP_GAP = 36
PADDING = 16
VALUE_ROOM = 56


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    colour: str


@dataclass(frozen=True, slots=True)
class BarGroup:
    title: str
    bars: tuple[Bar, ...]
    empty_text: str = "None"


class StatsChart(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("statsChart")
        self._groups: tuple[BarGroup, ...] = ()
        self.paint_count = 0  # how many times it was drawn (tests: it really painted)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, False)

    @property
    def groups(self) -> tuple[BarGroup, ...]:
        return self._groups

    def values(self) -> dict[str, dict[str, int]]:
        """{group title: {bar label: value}}: the data behind the chart."""
        return {g.title: {b.label: b.value for b in g.bars} for g in self._groups}

    def set_groups(self, groups: tuple[BarGroup, ...]) -> None:
        if groups != self._groups:
            self._groups = groups
            self.updateGeometry()
            self.update()

    # ---- sizes ------------------------------------------------------------------------------

    def _fonts(self) -> tuple[QFont, QFont]:
        label = QFont(self.font())
        label.setPixelSize(16)
        title = QFont(label)
        title.setPixelSize(17)
        title.setBold(True)
        return label, title

    def _rows(self) -> int:
        return max((max(len(g.bars), 1) for g in self._groups), default=1)

    def sizeHint(self) -> QSize:
        height = 2 * PADDING + 22 + TITLE_GAP + self._rows() * (BAR_HEIGHT + ROW_GAP)
        return QSize(640, height)

    def minimumSizeHint(self) -> QSize:
        return QSize(360, self.sizeHint().height())  # beside the figures on an 800 px screen

    # ---- drawing ----------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        self.paint_count += 1
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#ffffff"))
            painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 12, 12)
            groups = self._groups or (BarGroup("Today", (), "Loading…"),)
            width = (self.width() - 2 * PADDING - GROUP_GAP * (len(groups) - 1)) / len(groups)
            for index, group in enumerate(groups):
                x = PADDING + index * (width + GROUP_GAP)
                self._draw_group(painter, group, QRectF(x, PADDING, width, self.height() - 2 * PADDING))
        finally:
            painter.end()

    def _draw_group(self, painter: QPainter, group: BarGroup, area: QRectF) -> None:
        label_font, title_font = self._fonts()
        painter.setFont(title_font)
        painter.setPen(QColor("#263238"))
        title_h = QFontMetrics(title_font).height()
        painter.drawText(QRectF(area.left(), area.top(), area.width(), title_h), Qt.AlignmentFlag.AlignLeft, group.title)
        top = area.top() + title_h + TITLE_GAP
        painter.setFont(label_font)
        metrics = QFontMetrics(label_font)
        if not group.bars:
            painter.setPen(QColor("#607d8b"))
            painter.drawText(QRectF(area.left(), top, area.width(), BAR_HEIGHT), Qt.AlignmentFlag.AlignVCenter, group.empty_text)
            return
        # Labels get what they need (plus slack for rounding), up to half the group's width.
        label_w = min(max(metrics.horizontalAdvance(b.label) for b in group.bars) + 24, area.width() * 0.5)
        bar_left = area.left() + label_w
        bar_room = max(area.width() - label_w - VALUE_ROOM, 10)
        largest = max((b.value for b in group.bars), default=0)
        for row, bar in enumerate(group.bars):
            y = top + row * (BAR_HEIGHT + ROW_GAP)
            painter.setPen(QColor("#37474f"))
            label_rect = QRectF(area.left(), y, label_w - 10, BAR_HEIGHT)
            text = metrics.elidedText(bar.label, Qt.TextElideMode.ElideRight, int(label_rect.width()))
            painter.drawText(label_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
            # the track, then the bar over it
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#eceff1"))
            painter.drawRoundedRect(QRectF(bar_left, y, bar_room, BAR_HEIGHT), 6, 6)
            if bar.value > 0 and largest > 0:
                length = max(bar_room * bar.value / largest, 8)
                painter.setBrush(QColor(bar.colour))
                painter.drawRoundedRect(QRectF(bar_left, y, length, BAR_HEIGHT), 6, 6)
            painter.setPen(QPen(QColor("#1c2b33")))
            value_rect = QRectF(bar_left + bar_room + 8, y, VALUE_ROOM - 8, BAR_HEIGHT)
            painter.drawText(value_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"{bar.value:,}")
