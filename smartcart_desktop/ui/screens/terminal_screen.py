"""Card on the terminal: "Tap, insert or swipe on the terminal" with the amount, the terminal's
id and a Cancel. The card never touches the kiosk; the backend drives the terminal through the
payment provider and the window follows the session until it ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from smartcart_contract.money import format_money
from smartcart_desktop.checkout import messages
from smartcart_desktop.checkout.state import FlowState, Stage
from smartcart_desktop.translation import QT_TRANSLATE_NOOP
from smartcart_desktop.ui.countdown import Countdown
from smartcart_desktop.ui.style import centred_label, set_role, svg_pixmap

_ICON_PX = 120


class TerminalScreen(QWidget):
    cancel_requested = Signal()

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.setObjectName("screen")
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self._state = FlowState()
        self.picture = QLabel()
        self.picture.setObjectName("terminalPicture")
        self.picture.setFixedSize(_ICON_PX, _ICON_PX)
        self.picture.setPixmap(svg_pixmap("terminal", _ICON_PX, self.devicePixelRatioF()))
        self.headline = centred_label("title", "headline", wrap=True)
        self.amount = centred_label("total", "amountLabel")
        self.terminal_label = centred_label("subtitle", "terminalLabel")
        self.countdown_label = centred_label("countdown", "terminalCountdown")
        self.detail = centred_label("muted", "detail", wrap=True)
        self.session_label = centred_label("mono", "sessionLabel")
        self.cancel_button = set_role(QPushButton(), "danger")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(self.cancel_requested)
        waits = QT_TRANSLATE_NOOP("Countdown", "The terminal waits {time}")
        self.countdown = Countdown(self.countdown_label, template=waits, clock=clock)
        self.countdown.expired.connect(self._show_detail)
        self._build()
        self.retranslate()

    def retranslate(self) -> None:
        """The texts that do not depend on the session (show_state renders the rest)."""
        self.headline.setText(messages.tr(messages.ON_TERMINAL))
        self.cancel_button.setText(self.tr("Cancel payment"))
        self._show_detail()
        self.countdown.tick()

    def _show_detail(self) -> None:
        expired = self.countdown.is_expired
        self.detail.setText(messages.tr(messages.TERMINAL_EXPIRED if expired else messages.ON_TERMINAL_DETAIL))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() is QEvent.Type.LanguageChange:  # the customer switched language
            self.retranslate()
            self.show_state(self._state)
        super().changeEvent(event)

    def _build(self) -> None:
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 20, 32, 12)
        layout.setSpacing(12)
        layout.addStretch(1)
        layout.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.headline)
        layout.addWidget(self.amount)
        layout.addWidget(self.terminal_label)
        layout.addWidget(self.countdown_label)
        layout.addWidget(self.detail)
        layout.addStretch(1)
        layout.addLayout(buttons)
        layout.addWidget(self.session_label)

    def show_state(self, state: FlowState) -> None:
        self._state = state
        session = state.session
        terminal = session.terminal if session is not None else None
        if state.stage is not Stage.ON_TERMINAL or session is None or terminal is None:
            self.countdown.stop()
            return
        self.amount.setText(format_money(session.amount_minor, session.currency))
        self.terminal_label.setText(self.tr("Terminal {id}").format(id=terminal.terminal_id))
        self.session_label.setText(self.tr("Session {id}").format(id=session.session_id))
        self.countdown.run_until(terminal.expires_at)
        if not self.countdown.is_expired:
            self._show_detail()

    def focus_target(self) -> QWidget:
        return self.cancel_button
