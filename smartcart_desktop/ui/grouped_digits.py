"""A card number grouped in fours as it is typed ("4242 4242 4242 4242"), with the cursor kept
between the same digits it was between: regrouping must not throw it to the end of the line."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLineEdit

GROUP = 4


def group(digits: str) -> str:
    return " ".join(digits[i : i + GROUP] for i in range(0, len(digits), GROUP))


def regroup(before: str, after: str, cursor: int) -> tuple[str, int]:
    """`after` is what an edit left (cursor at `cursor`), `before` the grouped text it changed:
    the grouped text and where the cursor goes. A backspace that only took a space takes the
    digit before it too, as the customer meant."""
    digits_before_cursor = sum(c.isdigit() for c in after[:cursor])
    digits = "".join(c for c in after if c.isdigit())
    if digits == "".join(c for c in before if c.isdigit()) and len(after) < len(before) and digits_before_cursor:
        digits = digits[: digits_before_cursor - 1] + digits[digits_before_cursor:]
        digits_before_cursor -= 1
    text = group(digits)
    return text, _position_after(text, digits_before_cursor)


def _position_after(text: str, digit_count: int) -> int:
    """The position just after the `digit_count`th digit of `text`."""
    if digit_count == 0:
        return 0
    seen = 0
    for index, char in enumerate(text):
        if char.isdigit():
            seen += 1
            if seen == digit_count:
                return index + 1
    return len(text)


class DigitGrouper(QObject):
    """Keeps a line edit's digits grouped after every edit the user makes."""

    def __init__(self, edit: QLineEdit) -> None:
        super().__init__(edit)
        self._edit = edit
        self._shown = edit.text()
        edit.textEdited.connect(self._edited)
        edit.textChanged.connect(self._changed)

    def _edited(self, text: str) -> None:
        grouped, cursor = regroup(self._shown, text, self._edit.cursorPosition())
        if grouped != text:
            # setText, not an undoable edit: the grouping is the form's, not the customer's.
            self._edit.setText(grouped)
        self._edit.setCursorPosition(cursor)
        self._shown = grouped

    def _changed(self, text: str) -> None:
        self._shown = text  # set by the program (cleared, say): the next edit starts from here
