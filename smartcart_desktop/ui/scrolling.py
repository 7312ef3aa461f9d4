"""Content that may not fit an 800×600 screen scrolls inside its screen instead of growing the
window past the screen (a top-level window grows to its layout's minimum size)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

_MIN_HEIGHT = 80  # a couple of lines stay in view however small the screen


class FittingScroll(QScrollArea):
    """Scrolls vertically only. Asks for its content's full size (so nothing scrolls where there
    is room) but needs only the content's width and a couple of lines' height."""

    def __init__(self, content: QWidget) -> None:
        super().__init__()
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(content)
        content.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # A scroll area is not told when its content's size hint changes (rows filled in, shown
        # again): ask the layout around it to measure again.
        if watched is self.widget() and event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.Show):
            self.updateGeometry()
        return super().eventFilter(watched, event)

    def sizeHint(self) -> QSize:
        content = self.widget()
        if content is None:
            return super().sizeHint()
        hint = content.sizeHint()
        return QSize(hint.width() + self._bar_width(), hint.height())

    def minimumSizeHint(self) -> QSize:
        content = self.widget()
        width = content.minimumSizeHint().width() if content is not None else 0
        return QSize(width + self._bar_width(), _MIN_HEIGHT)

    def _bar_width(self) -> int:
        # Room for the scroll bar is kept whether it shows or not: no reflow when it appears.
        return self.verticalScrollBar().sizeHint().width()


def scrolling(content: QWidget) -> FittingScroll:
    return FittingScroll(content)
