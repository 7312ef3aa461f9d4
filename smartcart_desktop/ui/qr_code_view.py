"""A QR code drawn crisp at any size: segno encodes the payload, this paints its modules at a
whole number of pixels each, with the four-module quiet zone scanners need.

Painted from segno's module matrix rather than a scaled image: a bitmap stretched to the widget
would blur or distort module edges, which phone cameras read worse.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

QUIET_ZONE = 4  # modules of white around the code (ISO/IEC 18004)
_MIN_MODULE_PX = 4  # below this a phone at arm's length struggles


class QrCodeView(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("qrCode")
        self._payload: str | None = None
        self._matrix: tuple[bytearray, ...] = ()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    @property
    def payload(self) -> str | None:
        return self._payload

    def show_payload(self, payload: str | None) -> None:
        if payload == self._payload:
            return
        self._payload = payload
        import segno  # 1.5 MB resident: loaded by the first UPI payment, not at start-up

        # Never a micro QR (UPI apps do not read them); error level M at least, more if it fits.
        self._matrix = tuple(segno.make_qr(payload, error="m").matrix) if payload else ()
        self.updateGeometry()
        self.update()

    def modules(self) -> int:
        """Modules per side, quiet zone included (0 with no code)."""
        return len(self._matrix) + 2 * QUIET_ZONE if self._matrix else 0

    def module_px(self) -> int:
        side = self.modules()
        return max(1, min(self.width(), self.height()) // side) if side else 0

    def minimumSizeHint(self) -> QSize:
        side = (self.modules() or 33) * _MIN_MODULE_PX
        return QSize(side, side)

    def sizeHint(self) -> QSize:
        side = (self.modules() or 33) * 10
        return QSize(side, side)

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._matrix:
            return
        scale = self.module_px()
        side = self.modules() * scale
        left, top = (self.width() - side) // 2, (self.height() - side) // 2
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.fillRect(QRect(left, top, side, side), QColor("#ffffff"))
        dark = QColor("#000000")
        origin_x, origin_y = left + QUIET_ZONE * scale, top + QUIET_ZONE * scale
        for row, line in enumerate(self._matrix):
            column = 0
            while column < len(line):
                if not line[column]:
                    column += 1
                    continue
                start = column
                while column < len(line) and line[column]:
                    column += 1  # one rectangle per run of dark modules
                painter.fillRect(
                    origin_x + start * scale, origin_y + row * scale, (column - start) * scale, scale, dark
                )
        painter.end()


