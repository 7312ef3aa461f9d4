"""An on-screen numeric keypad (kiosks often have no keyboard): it types into a line edit.

Its keys take no focus, so tapping one leaves the cursor in the field it types into.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLineEdit, QPushButton, QWidget

from smartcart_desktop.ui.style import set_role

BACKSPACE = "⌫"
CLEAR = "C"
PIN_KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", BACKSPACE, "0", CLEAR)
# Four to a row: three rows leave the cash panel room for its fields on an 800×600 screen.
AMOUNT_KEYS = ("1", "2", "3", BACKSPACE, "4", "5", "6", ".", "7", "8", "9", "0")


class Keypad(QWidget):
    pressed = Signal(str)  # the key, after it has been typed into the target

    def __init__(self, keys: Sequence[str] = PIN_KEYS, *, columns: int = 3, name: str = "") -> None:
        super().__init__()
        self.setObjectName(name or "keypad")
        self._target: QLineEdit | None = None
        self.keys: dict[str, QPushButton] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        for index, key in enumerate(keys):
            button = set_role(QPushButton(key), "keypad")
            button.setObjectName(f"key-{key}")
            button.setAutoDefault(False)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, k=key: self._key(k))
            grid.addWidget(button, index // columns, index % columns)
            self.keys[key] = button

    def type_into(self, target: QLineEdit | None) -> None:
        self._target = target

    def _key(self, key: str) -> None:
        target = self._target
        if target is not None and not target.isReadOnly():
            if key == BACKSPACE:
                target.backspace()
            elif key == CLEAR:
                target.clear()
            else:
                target.insert(key)  # through the edit's validator, and emits textEdited, as a key would
            target.setFocus()
        self.pressed.emit(key)
