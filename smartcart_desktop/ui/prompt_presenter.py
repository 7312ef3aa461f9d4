"""Puts the flow's current question (timeout, network error, interrupted, refused offline) on
the processing screen and hands the customer's answer back to the flow as an intent.

The question follows the backend: when the session moves on by itself (an automatic retry
started, a look-up found the charge), the open prompt is taken away unanswered. A payment
that has ended (declined, out of attempts, expired) is no question: the result screen says it.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject

from smartcart_desktop.app.background import BackgroundTasks
from smartcart_desktop.checkout.flow import CheckoutFlow
from smartcart_desktop.checkout.state import FlowState, Prompt
from smartcart_desktop.ui.dialogs import Answer, PromptDialog, ask, asks
from smartcart_desktop.ui.screens.processing_screen import ProcessingScreen

log = logging.getLogger(__name__)


class PromptPresenter(QObject):
    def __init__(self, flow: CheckoutFlow, host: ProcessingScreen) -> None:
        super().__init__(host)
        self._flow = flow
        self._host = host
        self._tasks = BackgroundTasks("prompt presenter")
        self._dialog: PromptDialog | None = None
        # (identity, serial) of the last question answered: not asked again until it changes.
        self._answered: tuple[object, tuple[int, int]] | None = None
        flow.state_changed.connect(self._on_state)

    @property
    def dialog(self) -> PromptDialog | None:
        return self._dialog

    async def stop(self) -> None:
        await self._tasks.cancel_all()

    def _on_state(self, state: FlowState) -> None:
        if self._tasks.closed:
            return
        prompt = state.prompt if state.prompt is not None and asks(state.prompt) else None
        if self._dialog is not None and (prompt is None or prompt.identity != self._dialog.prompt.identity):
            self._close_dialog()
        if prompt is None:
            self._answered = None
            return
        if self._dialog is not None:
            self._dialog.show_prompt(prompt)
        elif self._answered != (prompt.identity, prompt.serial):
            self._open(prompt)

    def _open(self, prompt: Prompt) -> None:
        dialog = PromptDialog(self._host, prompt)
        self._host.host_prompt(dialog)
        self._dialog = dialog
        self._tasks.spawn(self._ask(dialog), name=f"prompt-{prompt.kind.name}")

    def _close_dialog(self) -> None:
        dialog, self._dialog = self._dialog, None
        if dialog is not None:
            dialog.dismiss()

    async def _ask(self, dialog: PromptDialog) -> None:
        answer = await ask(dialog)
        prompt = dialog.prompt
        if self._dialog is dialog:
            self._dialog = None
        if answer is Answer.DISMISSED:
            return
        self._answered = (prompt.identity, prompt.serial)
        log.info("customer answered %s to %s", answer.name, prompt.kind.name)
        self._forward(answer, prompt)

    def _forward(self, answer: Answer, prompt: Prompt) -> None:
        if answer is Answer.RETRY:
            self._flow.retry()
        elif answer is Answer.CANCEL:
            self._flow.cancel()
        elif answer is Answer.ANOTHER_METHOD:
            self._flow.use_another_method()
        elif answer is Answer.PAY_CASH:
            self._flow.pay_cash_instead()
        elif answer is Answer.BACK_TO_CART:
            self._flow.back_to_cart()
        else:
            log.warning("no intent for %s on %s", answer.name, prompt.kind)

