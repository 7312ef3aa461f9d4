"""An on-screen keyboard for a kiosk without one: keys a finger can hit, typing into one field.

The keys never take the focus, so the field keeps its cursor, its validator and its Enter; a key
goes in through QLineEdit.insert(), which honours both the validator and the maximum length.
Shift capitalises the next letter only, as phone keyboards do.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QGridLayout, QLineEdit, QPushButton, QSizePolicy, QWidget

from smartcart_desktop.ui.style import set_role

BACKSPACE = "⌫"  # the PIN keypad's own key, so one font covers both
SHIFT = "Shift"
SPACE = "Space"
_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl-", "zxcvbnm.@_")


class TouchKeyboard(QWidget):
    def __init__(self, target: QLineEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("touchKeyboard")
        # Never squeezed below its keys' height: what has to give is the text around it.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.target = target
        self.keys: dict[str, QPushButton] = {}
        self._shifted = False
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        for row, keys in enumerate(_ROWS):
            for column, key in enumerate(keys):
                grid.addWidget(self._key(key), row, column)
        last = len(_ROWS)
        grid.addWidget(self._key(SHIFT), last, 0, 1, 2)
        grid.addWidget(self._key(SPACE), last, 2, 1, 6)
        grid.addWidget(self._key(BACKSPACE), last, 8, 1, 2)

    def _key(self, key: str) -> QPushButton:
        button = set_role(QPushButton(key), "touchKey")
        button.setObjectName(f"touchKey-{key}")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setAutoDefault(False)
        button.clicked.connect(lambda _=False, k=key: self.press(k))
        self.keys[key] = button
        return button

    def press(self, key: str) -> None:
        target = self.target
        if key == BACKSPACE:
            target.backspace()
        elif key == SHIFT:
            self._set_shift(not self._shifted)
        else:
            text = " " if key == SPACE else key
            target.insert(text.upper() if self._shifted else text)
            self._set_shift(False)
        target.setFocus()

    def _set_shift(self, on: bool) -> None:
        self._shifted = on
        for key, button in self.keys.items():
            if key.isalpha() and len(key) == 1:
                button.setText(key.upper() if on else key)


class KeyboardWhileFocused(QObject):
    """A TouchKeyboard over the bottom of `field`'s window while the field has the focus, as a
    phone's keyboard comes up: for fields in crowded screens that have no room for one of their
    own. Keys never take the focus, so tapping them keeps the keyboard up; focus elsewhere (or
    Esc) puts it away."""

    def __init__(self, field: QLineEdit) -> None:
        super().__init__(field)
        self.field = field
        self.keyboard = TouchKeyboard(field, field.window())
        self.keyboard.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # opaque over the page
        self.keyboard.setAutoFillBackground(True)
        self.keyboard.hide()
        field.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.field:
            kind = event.type()
            if kind == QEvent.Type.FocusIn:
                self._show()
            elif kind in (QEvent.Type.FocusOut, QEvent.Type.Hide) or _is_escape(event):
                self.keyboard.hide()
        return super().eventFilter(watched, event)

    def _show(self) -> None:
        window, keyboard = self.field.window(), self.keyboard
        hint = keyboard.sizeHint()
        width = min(window.width() - 16, max(hint.width(), 640))
        keyboard.setGeometry((window.width() - width) // 2, window.height() - hint.height() - 8, width, hint.height())
        keyboard.raise_()
        keyboard.show()


def _is_escape(event: QEvent) -> bool:
    return isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape
