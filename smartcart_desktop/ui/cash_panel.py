"""Cash, taken by the operator: their PIN and the amount received, both on one on-screen keypad,
with the change to hand back.

Whoever stands at the screen cannot confirm cash: the backend completes it only with the
operator's PIN. A wrong PIN is said here, under the PIN, and the PIN is asked again; the amount
stays. The PIN lives only in its line edit and is wiped when the panel is cleared.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRegularExpression, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from smartcart_contract.limits import PIN_MAX, PIN_MIN
from smartcart_contract.money import format_money, parse_money
from smartcart_desktop.checkout.messages import tr
from smartcart_desktop.ui.keypad import AMOUNT_KEYS, Keypad
from smartcart_desktop.ui.style import restyle, set_role

_KEYPAD_MAX_PX = 440


class CashPanel(QWidget):
    changed = Signal()  # the PIN or the amount was edited: whether it is ready may differ
    submitted = Signal()  # Enter in a field

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("cashPanel")
        self._due = 0
        self._currency = "INR"
        self.pin = QLineEdit()
        self.pin.setObjectName("operatorPinEdit")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(PIN_MAX)
        self.pin.setValidator(QRegularExpressionValidator(QRegularExpression(f"[0-9]{{0,{PIN_MAX}}}"), self.pin))
        self.pin_error = set_role(QLabel(), "fieldError")
        self.pin_error.setObjectName("operatorPinError")
        self.pin_error.setWordWrap(True)
        self.amount = QLineEdit()
        self.amount.setObjectName("cashEdit")
        self.amount.setPlaceholderText("0.00")
        self.amount.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"[0-9,]{0,9}(\.[0-9]{0,2})?"), self.amount)
        )
        self.change_label = set_role(QLabel(), "subtitle")
        self.change_label.setObjectName("changeLabel")
        self.keypad = Keypad(AMOUNT_KEYS, columns=4, name="cashKeypad")
        self.keypad.setMaximumWidth(_KEYPAD_MAX_PX)  # keys a thumb's width, not a screen's quarter
        self._pin_error_source: str | None = None
        self._build()
        self.retranslate()
        for edit in (self.pin, self.amount):
            edit.installEventFilter(self)  # the keypad types into the field last tapped
            edit.textEdited.connect(lambda _text: self._edited())
            edit.returnPressed.connect(self.submitted)
        self.keypad.type_into(self.pin)

    def retranslate(self) -> None:
        self.pin_caption.setText(self.tr("Operator PIN"))
        self.amount_caption.setText(self.tr("Cash received"))
        self._show_change()
        if self._pin_error_source:
            self.pin_error.setText(tr(self._pin_error_source))

    def _build(self) -> None:
        self.pin_caption = set_role(QLabel(), "muted")
        self.amount_caption = set_role(QLabel(), "muted")
        fields = QVBoxLayout()
        fields.setSpacing(4)
        fields.addWidget(self.pin_caption)
        fields.addWidget(self.pin)
        fields.addWidget(self.pin_error)
        fields.addWidget(self.amount_caption)
        fields.addWidget(self.amount)
        fields.addStretch(1)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 8, 0, 0)
        grid.setHorizontalSpacing(24)
        grid.addLayout(fields, 0, 0)
        keys = QVBoxLayout()
        keys.addWidget(self.keypad)
        keys.addWidget(self.change_label)  # beside the fields, so both fit an 800×600 screen
        keys.addStretch(1)
        grid.addLayout(keys, 0, 1)
        grid.setColumnStretch(0, 1)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # A tap chooses the field even where the window is not active (no focus events then).
        if event.type() in (QEvent.Type.FocusIn, QEvent.Type.MouseButtonPress) and isinstance(watched, QLineEdit):
            self.keypad.type_into(watched)
        return super().eventFilter(watched, event)

    # ---- what the screen shows --------------------------------------------------------------

    def show_due(self, due_minor: int, currency: str) -> None:
        if (due_minor, currency) != (self._due, self._currency):
            self._due, self._currency = due_minor, currency
            self._show_change()

    def show_pin_error(self, message: str | None) -> None:
        """The backend refused the PIN (or locked the check): say so and ask for it again."""
        self._pin_error_source = message
        self.pin_error.setText(tr(message or ""))
        self.pin.setProperty("invalid", bool(message))
        restyle(self.pin)
        if message:
            self.pin.setText("")
            self.start()
            self.changed.emit()

    def start(self) -> None:
        """The operator begins with the PIN."""
        self.pin.setFocus()
        self.keypad.type_into(self.pin)

    def clear(self) -> None:
        # setText, not clear(): clear() is undoable, so Ctrl+Z would bring the PIN back.
        self.pin.setText("")
        self.amount.setText("")
        self.pin_error.setText("")
        self._pin_error_source = None
        self.pin.setProperty("invalid", False)
        restyle(self.pin)
        self.change_label.setText("")
        self.keypad.type_into(self.pin)

    # ---- what the operator typed ------------------------------------------------------------

    def operator_pin(self) -> str:
        return self.pin.text()

    def received_minor(self) -> int | None:
        return parse_money(self.amount.text())

    def ready(self) -> bool:
        received = self.received_minor()
        return len(self.pin.text()) >= PIN_MIN and received is not None and received >= self._due

    def _edited(self) -> None:
        self._show_change()
        self.changed.emit()

    def _show_change(self) -> None:
        received = self.received_minor()
        if received is None:
            self.change_label.setText("")
        elif received < self._due:
            due = format_money(self._due - received, self._currency)
            self.change_label.setText(self.tr("Still due: {amount}").format(amount=due))
        else:
            change = format_money(received - self._due, self._currency)
            self.change_label.setText(self.tr("Change: {amount}").format(amount=change))
