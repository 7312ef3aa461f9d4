"""UPI by QR: the dynamic QR code the backend made for this payment, large, with the amount, the
payee and a countdown to the QR's expiry; Cancel.

The customer scans it with any UPI app and approves on their phone; the backend learns the
outcome from the payment provider and the window follows the session, as on the processing
screen. When the countdown runs out the code is taken off the screen (a payment made after
the backend has closed it would only be refunded) while the backend closes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from smartcart_contract.money import format_money
from smartcart_desktop.checkout import messages
from smartcart_desktop.checkout.state import FlowState, Stage
from smartcart_desktop.ui.countdown import Countdown
from smartcart_desktop.ui.qr_code_view import QrCodeView
from smartcart_desktop.ui.style import centred_label, set_role


def upi_payee(payload: str) -> str:
    """The payee's name the QR carries (`pn`), else its UPI address (`pa`)."""
    query = parse_qs(urlsplit(payload).query)
    for key in ("pn", "pa"):
        if query.get(key):
            return query[key][0]
    return ""


class UpiQrScreen(QWidget):
    cancel_requested = Signal()

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.setObjectName("screen")
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self._state = FlowState()
        self.qr = QrCodeView()
        self.expired_note = centred_label("subtitle", "qrExpired", wrap=True)
        self.expired_note.hide()
        self.headline = set_role(QLabel(), "title")
        self.headline.setObjectName("headline")
        self.headline.setWordWrap(True)
        self.amount = set_role(QLabel(), "total")
        self.amount.setObjectName("amountLabel")
        self.payee = set_role(QLabel(), "subtitle")
        self.payee.setObjectName("payeeLabel")
        self.payee.setWordWrap(True)
        self.countdown_label = set_role(QLabel(), "countdown")
        self.countdown_label.setObjectName("qrCountdown")
        self.detail = set_role(QLabel(), "muted")
        self.detail.setObjectName("detail")
        self.detail.setWordWrap(True)
        self.session_label = set_role(QLabel(), "mono")
        self.session_label.setObjectName("sessionLabel")
        self.cancel_button = set_role(QPushButton(), "danger")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.countdown = Countdown(self.countdown_label, clock=clock)
        self.countdown.expired.connect(self._expired)
        self._build()
        self.retranslate()

    def retranslate(self) -> None:
        """The texts that do not depend on the session (show_state renders the rest)."""
        self.expired_note.setText(messages.tr(messages.QR_EXPIRED))
        self.headline.setText(messages.tr(messages.SCAN_QR))
        self.detail.setText(messages.tr(messages.SCAN_QR_DETAIL))
        self.cancel_button.setText(self.tr("Cancel payment"))
        self.countdown.tick()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() is QEvent.Type.LanguageChange:  # the customer switched language
            self.retranslate()
            self.show_state(self._state)
        super().changeEvent(event)

    def _build(self) -> None:
        code = QVBoxLayout()
        code.addWidget(self.qr, 1)
        code.addWidget(self.expired_note, 1)
        about = QVBoxLayout()
        about.setSpacing(10)
        about.addStretch(1)
        about.addWidget(self.headline)
        about.addWidget(self.amount)
        about.addWidget(self.payee)
        about.addWidget(self.countdown_label)
        about.addWidget(self.detail)
        about.addStretch(1)
        about.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignLeft)
        body = QHBoxLayout()
        body.setSpacing(28)
        body.addLayout(code, 3)
        body.addLayout(about, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 16, 28, 10)
        layout.setSpacing(8)
        layout.addLayout(body, 1)
        layout.addWidget(self.session_label)

    def show_state(self, state: FlowState) -> None:
        self._state = state
        session = state.session
        upi_qr = session.upi_qr if session is not None else None
        if state.stage is not Stage.SCAN_QR or session is None or upi_qr is None:
            self.countdown.stop()
            return
        self.qr.show_payload(upi_qr.payload)
        payee = upi_payee(upi_qr.payload)
        self.payee.setText(self.tr("To {payee}").format(payee=payee) if payee else "")
        self.amount.setText(format_money(session.amount_minor, session.currency))
        self.session_label.setText(self.tr("Session {id}").format(id=session.session_id))
        self.countdown.run_until(upi_qr.expires_at)
        self._show_code(not self.countdown.is_expired)

    def focus_target(self) -> QWidget:
        return self.cancel_button

    def _expired(self) -> None:
        self._show_code(False)

    def _show_code(self, shown: bool) -> None:
        self.qr.setVisible(shown)
        self.expired_note.setVisible(not shown)
        self.detail.setVisible(shown)
