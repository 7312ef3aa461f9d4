"""Processing: "Processing payment..." with a bar counting down the gateway timeout.

The same screen stays up while the payment is interrupted (the prompt asking what to do is
hosted here, in place of the headline and the Cancel button, see `host_prompt`) and while the
backend settles a cancel or a failure at the gateway.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from smartcart_contract.money import format_money
from smartcart_desktop.checkout import messages
from smartcart_desktop.checkout.state import FlowState, Stage
from smartcart_desktop.translation import QT_TRANSLATE_NOOP
from smartcart_desktop.ui.kind_icon import KindIcon, headline_row, show_message
from smartcart_desktop.ui.style import centred_label, set_role

_SCALE = 1000  # progress bar steps


class ProcessingScreen(QWidget):
    cancel_requested = Signal()

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.setObjectName("screen")
        self._clock = clock
        self._state = FlowState()
        self._prompt: QDialog | None = None
        self.headline_icon = KindIcon()
        self.headline = centred_label("title", "headline", text=messages.tr(messages.PROCESSING), wrap=True)
        self.amount = centred_label("total")
        self.attempt_label = centred_label("subtitle", "attemptLabel")
        self.progress = QProgressBar()
        self.progress.setObjectName("countdown")
        self.progress.setRange(0, _SCALE)
        self.progress.setMinimumWidth(320)
        self.detail = centred_label("subtitle", "detail", wrap=True)
        self.session_label = centred_label("mono", "sessionLabel")
        self.cancel_button = set_role(QPushButton(), "danger")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(self.cancel_requested)
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._tick)
        self._build()
        self.retranslate()

    def retranslate(self) -> None:
        """The texts that do not depend on the session (show_state renders the rest)."""
        self.cancel_button.setText(self.tr("Cancel payment"))
        self._tick()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() is QEvent.Type.LanguageChange:  # the customer switched language
            self.retranslate()
            self.show_state(self._state)
        super().changeEvent(event)

    def _build(self) -> None:
        bar_row = QHBoxLayout()
        bar_row.addStretch(1)
        bar_row.addWidget(self.progress, 4)
        bar_row.addStretch(1)
        button_row = QHBoxLayout()
        button_row.addStretch(1)
        button_row.addWidget(self.cancel_button)
        button_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 12)
        layout.setSpacing(16)
        layout.addStretch(1)
        layout.addLayout(headline_row(self.headline_icon, self.headline))
        layout.addWidget(self.amount)
        layout.addWidget(self.attempt_label)
        layout.addLayout(bar_row)
        layout.addWidget(self.detail)
        self._prompt_row = QHBoxLayout()
        layout.addLayout(self._prompt_row)
        layout.addStretch(1)
        layout.addLayout(button_row)
        layout.addWidget(self.session_label)

    def show_state(self, state: FlowState) -> None:
        self._state = state
        session = state.session
        if session is None:
            self._timer.stop()
            return
        self.amount.setText(format_money(session.amount_minor, session.currency))
        self.attempt_label.setText(messages.current_attempt(session))
        self.session_label.setText(self.tr("Session {id}").format(id=session.session_id))
        headline, detail = _texts(state)
        show_message(self.headline, self.headline_icon, headline)
        self.detail.setText(messages.tr(detail))
        counting = state.stage is Stage.PROCESSING and state.attempt_started is not None
        # Counting down an attempt; busy while the backend settles; nothing while it waits for
        # the customer's answer to the prompt.
        waiting = state.stage in (Stage.CANCELLING, Stage.SETTLING)
        self.progress.setRange(0, 0 if waiting else _SCALE)
        self._arrange()
        if counting:
            self._timer.start()
        else:
            self._timer.stop()
        self._tick()

    def host_prompt(self, prompt: QDialog) -> None:
        """Show `prompt` here. While it is up it says what happened and holds the buttons,
        so the headline, the attempt and the Cancel button make way for it."""
        prompt.setParent(self)
        self._prompt_row.addWidget(prompt)
        self._centre_prompt()
        self._prompt = prompt
        prompt.finished.connect(lambda _code: self._prompt_gone(prompt))
        self._arrange(prompt_up=True)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._centre_prompt()

    def _centre_prompt(self) -> None:
        """Centred by margins, not alignment: an aligned widget gets its size hint's height,
        not the height its wrapped lines need at the width it is given."""
        prompt, layout = self._prompt, self.layout()
        if prompt is None or layout is None:
            return
        margins = layout.contentsMargins()
        room = self.width() - margins.left() - margins.right()
        side = max(0, (room - prompt.maximumWidth()) // 2)
        self._prompt_row.setContentsMargins(side, 0, side, 0)

    def _prompt_gone(self, prompt: QDialog) -> None:
        if self._prompt is prompt:
            self._prompt = None
            self._arrange()

    def _arrange(self, *, prompt_up: bool | None = None) -> None:
        if prompt_up is None:
            prompt_up = self._prompt is not None
        stage = self._state.stage
        for widget in (self.headline, self.attempt_label, self.detail):
            widget.setVisible(not prompt_up)
        self.headline_icon.setVisible(not prompt_up and self.headline_icon.kind is not None)
        self.cancel_button.setVisible(not prompt_up and stage in (Stage.PROCESSING, Stage.INTERRUPTED))
        self.progress.setVisible(stage is not Stage.INTERRUPTED)

    def _tick(self) -> None:
        state = self._state
        if state.stage is not Stage.PROCESSING or state.attempt_started is None:
            self.progress.setFormat("")
            return
        total = max(state.gateway_timeout_s, 0.001)
        remaining = max(0.0, total - (self._clock() - state.attempt_started))
        self.progress.setValue(round(_SCALE * remaining / total))
        self.progress.setFormat(self.tr("{seconds} s").format(seconds=f"{remaining:.0f}"))


def _texts(state: FlowState) -> tuple[str, str]:
    """English source texts (in the messages context), translated where shown."""
    session = state.session
    assert session is not None
    if state.stage is Stage.CANCELLING:
        return QT_TRANSLATE_NOOP("messages", "Cancelling…"), messages.CANCELLING
    if state.stage is Stage.SETTLING:
        return QT_TRANSLATE_NOOP("messages", "Please wait…"), messages.SETTLING
    if state.stage is Stage.INTERRUPTED:
        interrupted = QT_TRANSLATE_NOOP("messages", "Payment interrupted")
        return interrupted, QT_TRANSLATE_NOOP("messages", "Please choose how to continue.")
    return messages.PROCESSING, QT_TRANSLATE_NOOP("messages", "Please do not remove your card or close this window.")
