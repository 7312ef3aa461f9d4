"""An operator action needs a reason: it is recorded in the session's history."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from smartcart_contract.limits import CANCEL_REASON_MAX, OPERATOR_REASON_MAX, OPERATOR_REASON_MIN
from smartcart_desktop.ui.awaiting import finished
from smartcart_desktop.ui.style import set_role
from smartcart_desktop.ui.touch_keyboard import TouchKeyboard

REASON_MIN = OPERATOR_REASON_MIN
# An operator's cancel goes to the kiosk's cancel endpoint as "operator: <reason>".
REASON_MAX = min(OPERATOR_REASON_MAX, CANCEL_REASON_MAX - len("operator: "))
REASON_REQUIRED = f"Enter a reason (at least {REASON_MIN} characters): it goes into the session's history."


class ReasonDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None,
        *,
        message: str,
        detail: str,
        confirm: str,
        confirm_role: str = "primary",
        touch: bool = False,
    ) -> None:
        """`touch`: with an on-screen keyboard (a kiosk has no physical one)."""
        super().__init__(parent)
        self.setObjectName("reasonDialog")
        self.setWindowTitle("SmartCart — Admin")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(640)
        self.message = set_role(QLabel(message), "message")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.detail = set_role(QLabel(detail), "muted")
        self.detail.setObjectName("detail")
        self.detail.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setObjectName("reasonEdit")
        self.reason.setPlaceholderText("Reason (required)")
        self.reason.setMaxLength(REASON_MAX)
        self.error = set_role(QLabel(REASON_REQUIRED), "fieldError")
        self.error.setObjectName("reasonError")
        self.error.setWordWrap(True)
        self.error.hide()
        self.back_button = QPushButton("Back")
        self.back_button.setObjectName("backButton")
        self.back_button.setAutoDefault(False)
        self.confirm_button = set_role(QPushButton(confirm), confirm_role)
        self.confirm_button.setObjectName("confirmButton")
        self.confirm_button.setAutoDefault(False)
        self.back_button.clicked.connect(self.reject)
        self.confirm_button.clicked.connect(self._confirm)
        self.reason.returnPressed.connect(self._confirm)
        self.reason.textEdited.connect(lambda _text: self.error.hide())
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.confirm_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 24)
        layout.setSpacing(12)
        layout.addWidget(self.message)
        layout.addWidget(self.detail)
        layout.addWidget(self.reason)
        layout.addWidget(self.error)
        self.keyboard = TouchKeyboard(self.reason) if touch else None
        if self.keyboard is not None:
            layout.addWidget(self.keyboard)
            self.setMinimumWidth(700)  # ten keys a row, each wide enough for a finger
        layout.addLayout(buttons)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        layout = self.layout()
        if self.keyboard is not None and layout is not None:
            # A box layout's minimum leaves out what wrapped text needs at this width, and the
            # keys would be squeezed to make room for it: ask for the wrapped height too.
            needed = layout.totalHeightForWidth(self.width())
            if needed > self.height():
                self.setMinimumHeight(needed)

    def text(self) -> str:
        return self.reason.text().strip()

    def _confirm(self) -> None:
        if len(self.text()) < REASON_MIN:
            self.error.show()  # refused: the dialog stays open
            self.reason.setFocus()
            return
        self.accept()


async def ask_reason(
    parent: QWidget, *, message: str, detail: str, confirm: str, confirm_role: str = "primary", touch: bool = False
) -> str | None:
    """The reason the operator gave, or None if they went back."""
    dialog = ReasonDialog(
        parent, message=message, detail=detail, confirm=confirm, confirm_role=confirm_role, touch=touch
    )
    try:
        code = await finished(dialog)
        return dialog.text() if code == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()
