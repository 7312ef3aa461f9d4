"""Refund a completed payment: how much, and why. The dialog asks; the window sends.

One dialog is one refund: it carries one Idempotency-Key from the moment it opens, and every
try it sends (after a timeout, say) goes with that key, so the backend gives the money back once
however often "Refund" is pressed. A new dialog is a new refund, with a new key. Errors (the
amount, the reason, the backend's answer) show inside the dialog, which stays open to fix them.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from smartcart_contract.limits import OPERATOR_REASON_MAX, OPERATOR_REASON_MIN
from smartcart_contract.money import decimal_amount, format_money, parse_money
from smartcart_desktop.ui.awaiting import finished
from smartcart_desktop.ui.style import set_role


class RefundDialog(QDialog):
    submitted = Signal(int, str)  # amount in minor units, reason

    def __init__(
        self, parent: QWidget | None, *, session_id: str, amount_minor: int, currency: str, refundable_minor: int
    ) -> None:
        super().__init__(parent)
        self.setObjectName("refundDialog")
        self.setWindowTitle("SmartCart — Refund")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        # Fits an 800-pixel-wide screen with room to spare.
        self.setMinimumWidth(520)
        self.key = uuid.uuid4().hex
        self.session_id = session_id
        self.currency = currency
        self.paid_minor = amount_minor
        self.refundable_minor = refundable_minor
        self.message = set_role(QLabel("Refund this payment?"), "message")
        self.message.setObjectName("message")
        self.detail = set_role(QLabel(
            f"Paid {format_money(amount_minor, currency)}, {format_money(refundable_minor, currency)} left to refund"
            f" · session {session_id}. "
            "Card and UPI refunds go back through the gateway; cash comes out of the drawer."), "muted")
        self.detail.setObjectName("detail")
        self.detail.setWordWrap(True)
        self.amount = QLineEdit(decimal_amount(refundable_minor, currency))
        self.amount.setObjectName("refundAmount")
        self.reason = QLineEdit()
        self.reason.setObjectName("refundReason")
        self.reason.setPlaceholderText("Reason (required), e.g. item not dispensed")
        self.reason.setMaxLength(OPERATOR_REASON_MAX)
        self.error = set_role(QLabel(), "fieldError")
        self.error.setObjectName("refundError")
        self.error.setWordWrap(True)
        self.error.hide()
        self.back_button = QPushButton("Back")
        self.back_button.setObjectName("backButton")
        self.back_button.setAutoDefault(False)
        self.refund_button = set_role(QPushButton("Refund"), "danger")
        self.refund_button.setObjectName("refundButton")
        self.refund_button.setAutoDefault(False)
        self.back_button.clicked.connect(self.reject)
        self.refund_button.clicked.connect(self._submit)
        self.reason.returnPressed.connect(self._submit)
        for edit in (self.amount, self.reason):
            edit.textEdited.connect(lambda _text: self.error.hide())
        form = QFormLayout()
        form.addRow(f"Amount ({currency})", self.amount)
        form.addRow("Reason", self.reason)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.refund_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 20)
        layout.setSpacing(12)
        layout.addWidget(self.message)
        layout.addWidget(self.detail)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

    def show_error(self, text: str) -> None:
        self.set_busy(False)
        self.error.setText(text)
        self.error.show()

    def set_busy(self, busy: bool) -> None:
        self.refund_button.setEnabled(not busy)
        self.refund_button.setText("Refunding…" if busy else "Refund")

    def _submit(self) -> None:
        if not self.refund_button.isEnabled():
            return  # a try is on its way
        amount = parse_money(self.amount.text(), self.currency)
        reason = self.reason.text().strip()
        if amount is None or amount <= 0:
            self.show_error(f"Enter the amount to refund, e.g. {decimal_amount(self.refundable_minor, self.currency)}.")
        elif amount > self.refundable_minor:
            self.show_error(f"At most {format_money(self.refundable_minor, self.currency)} is left to refund.")
        elif len(reason) < OPERATOR_REASON_MIN:
            self.show_error(f"Enter a reason (at least {OPERATOR_REASON_MIN} characters): it goes into the history.")
        else:
            self.error.hide()
            self.set_busy(True)
            self.submitted.emit(amount, reason)


async def run_refund_dialog(dialog: RefundDialog) -> bool:
    """True once the refund was made (the window accepts the dialog then)."""
    try:
        return await finished(dialog) == QDialog.DialogCode.Accepted
    finally:
        dialog.deleteLater()
