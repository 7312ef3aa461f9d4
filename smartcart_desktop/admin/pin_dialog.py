"""The admin PIN: typed or tapped on a keypad (kiosks often have no keyboard); and, at the
first start of a kiosk with no PIN set, the one message that shows the PIN it was given."""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from smartcart_contract.limits import PIN_MAX, PIN_MIN
from smartcart_desktop.ui.keypad import PIN_KEYS, Keypad
from smartcart_desktop.ui.style import set_role

WRONG_PIN = "Wrong PIN"


class PinDialog(QDialog):
    submitted = Signal(str)

    def __init__(
        self,
        parent: QWidget | None,
        *,
        name: str = "adminPinDialog",
        message: str = "Admin: enter the PIN",
        action: str = "Unlock",
    ) -> None:
        """`message` and `action` (the submit button's text) say what the PIN is for."""
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle("SmartCart — Admin")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(460)
        self.message = set_role(QLabel(message), "message")
        self.message.setObjectName("message")
        self.pin = QLineEdit()
        self.pin.setObjectName("pinEdit")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(PIN_MAX)
        self.pin.setValidator(QRegularExpressionValidator(QRegularExpression(f"[0-9]{{0,{PIN_MAX}}}"), self.pin))
        self.pin.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.error = set_role(QLabel(), "error")
        self.error.setObjectName("pinError")
        self.error.setWordWrap(True)
        self.error.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAutoDefault(False)
        self.unlock_button = set_role(QPushButton(action), "primary")
        self.unlock_button.setObjectName("unlockButton")
        self.unlock_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.unlock_button.clicked.connect(self._submit)
        self.pin.returnPressed.connect(self._submit)
        self.pin.textChanged.connect(self._edited)
        self._busy = False
        self._build()
        self._edited()

    def _build(self) -> None:
        keypad = Keypad(PIN_KEYS)
        keypad.type_into(self.pin)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.unlock_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 24)
        layout.setSpacing(14)
        layout.addWidget(self.message)
        layout.addWidget(self.pin)
        layout.addWidget(self.error)
        layout.addWidget(keypad)
        layout.addLayout(buttons)

    def _edited(self) -> None:
        self.unlock_button.setEnabled(not self._busy and len(self.pin.text()) >= PIN_MIN)

    def _submit(self) -> None:
        if self._busy or len(self.pin.text()) < PIN_MIN:
            return
        self.error.hide()
        self.submitted.emit(self.pin.text())

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.pin.setReadOnly(busy)
        self._edited()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self.pin.clear()
        self.pin.setFocus()


def show_generated_pin(parent: QWidget, pin: str) -> QMessageBox:
    """No PIN was set, so the backend generated one at this first start and keeps only its
    hash: this is the one time it is shown. Not blocking: the kiosk starts behind it."""
    box = QMessageBox(parent)
    box.setObjectName("generatedPinMessage")
    box.setWindowTitle("SmartCart — Admin PIN")
    box.setIcon(QMessageBox.Icon.Information)
    box.setText(f"The admin PIN of this kiosk is {pin}")
    box.setInformativeText(
        "Note it now: it is shown only this once. It opens the admin panel "
        "(Ctrl+Alt+Shift+A, or a long press on the status bar). To choose your own, set "
        "SMARTCART_ADMIN_PIN; to get a new one, delete the admin_pin file in the data directory."
    )
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
