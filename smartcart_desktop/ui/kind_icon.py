"""The symbol in front of a headline: a message's kind as one of the SVG icons in
resources/icons/ (success, failure, warning, waiting, network), not an emoji a bare Debian
has no font for."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QVBoxLayout

from smartcart_desktop.checkout.messages import Kind, Message, tr
from smartcart_desktop.ui.style import set_kind, svg_pixmap


class KindIcon(QLabel):
    def __init__(self, size: int = 48) -> None:
        super().__init__()
        self.setObjectName("kindIcon")
        self._size = size
        self.kind: Kind | None = None
        self.setFixedSize(size, size)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hide()

    def show_kind(self, kind: Kind | None) -> None:
        self.kind = kind
        if kind is None:
            self.clear()
            self.hide()
            return
        self.setPixmap(svg_pixmap(kind.value, self._size, self.devicePixelRatioF()))
        self.setAccessibleName(kind.value)
        self.show()


def show_message(text_label: QLabel, icon: KindIcon, message: Message | str) -> None:
    """A headline with its icon, and coloured by its kind (the QSS `kind` property), in the
    customer's language."""
    kind = message.kind if isinstance(message, Message) else None
    text_label.setText(tr(str(message)))
    set_kind(text_label, kind.value if kind else None)
    icon.show_kind(kind)


def headline_row(icon: KindIcon, text_label: QLabel, *, centred: bool = True) -> QBoxLayout:
    """Centred (a screen's headline): the icon above the text, which keeps the full width to
    wrap in. Otherwise (a prompt): the icon before the text."""
    if centred:
        column = QVBoxLayout()
        column.setSpacing(8)
        column.addWidget(icon, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(text_label)
        return column
    row = QHBoxLayout()
    row.setSpacing(14)
    row.addWidget(icon, 0, Qt.AlignmentFlag.AlignVCenter)
    row.addWidget(text_label, 1)
    return row
