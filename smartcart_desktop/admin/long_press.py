"""A long press on a widget (mouse or touch): the kiosk's hidden way to the admin PIN."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QWidget

HOLD_MS = 1500
SLOP_PX = 24  # a finger drifts a little


class LongPress(QObject):
    triggered = Signal()

    def __init__(self, target: QWidget, hold_ms: int = HOLD_MS) -> None:
        super().__init__(target)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(hold_ms)
        self._timer.timeout.connect(self.triggered)
        self._origin = QPoint()
        target.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            self._origin = event.position().toPoint()
            self._timer.start()
        elif kind == QEvent.Type.MouseMove and isinstance(event, QMouseEvent):
            if (event.position().toPoint() - self._origin).manhattanLength() > SLOP_PX:
                self._timer.stop()
        elif kind in (QEvent.Type.MouseButtonRelease, QEvent.Type.Leave, QEvent.Type.Hide):
            self._timer.stop()
        return False
