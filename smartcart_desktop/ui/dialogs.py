"""Dialogs a coroutine can await without a nested event loop.

`ask()` shows a dialog with `open()` (see ui.awaiting) and returns the Answer it closed with.

The payment prompts (timeout, network error…) are not windows: they sit inside the processing
screen. A window-modal dialog blocks its whole window, and with it the tester panel docked in
it and the admin window (a child window of the kiosk's), exactly when a tester wants to clear
the fault or an admin to cancel the payment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from smartcart_desktop.api.models import Session
from smartcart_desktop.checkout import messages
from smartcart_desktop.checkout.messages import Message
from smartcart_desktop.checkout.state import Prompt, PromptKind
from smartcart_desktop.translation import QT_TRANSLATE_NOOP, translate
from smartcart_desktop.ui.awaiting import finished
from smartcart_desktop.ui.kind_icon import KindIcon, headline_row, show_message
from smartcart_desktop.ui.style import set_role

_CONTEXT = "dialogs"


class Answer(IntEnum):
    # QDialog reserves 0 and 1 (Rejected, Accepted); ours start above them.
    DISMISSED = 100  # closed by the program because the question no longer applies
    RETRY = 101
    CANCEL = 102
    BACK_TO_CART = 103
    ANOTHER_METHOD = 104
    RESUME = 105
    DISCARD = 106
    LEAVE = 107
    STAY = 108
    QUIT = 109
    PAY_CASH = 110
    CRASH = 111


@dataclass(frozen=True, slots=True)
class Choice:
    answer: Answer
    text: str  # an English source text (context "dialogs"), shown translated
    role: str = "secondary"  # primary | secondary | danger (stylesheet roles)


class KioskDialog(QDialog):
    """A question with large buttons. Esc (and the title bar's ×) gives the `escape` answer.

    `inline`: a panel inside `parent` instead of a window of its own (see the module doc)."""

    def __init__(
        self,
        parent: QWidget | None,
        *,
        name: str,
        message: str | Message,
        choices: Sequence[Choice],
        escape: Answer,
        detail: str = "",
        inline: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle("SmartCart")
        if inline:
            self.setWindowFlags(Qt.WindowType.Widget)
            self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)  # the QSS frame and background
            self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Esc reaches it
            self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
            set_role(self, "inlinePrompt")
            self.setMinimumWidth(_INLINE_WIDTH)  # wide enough that its lines wrap little on 800 px
            self.setMaximumWidth(2 * _INLINE_WIDTH)  # and not a banner across a 1920 px screen
        else:
            self.setWindowModality(Qt.WindowModality.WindowModal)
            self.setMinimumWidth(min(620, _screen_width(parent) - 40))
        self._escape = escape
        self.icon = KindIcon(44)
        self.message = set_role(QLabel(), "message")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        show_message(self.message, self.icon, message)
        self.detail = set_role(QLabel(), "subtitle")
        self.detail.setObjectName("detail")
        self.detail.setWordWrap(True)
        self.set_detail(detail)
        self.buttons: dict[Answer, QPushButton] = {}
        self._choices = tuple(choices)
        row = QHBoxLayout()
        row.addStretch(1)
        for choice in choices:
            row.addWidget(self._button(choice))
        layout = QVBoxLayout(self)
        if inline:
            layout.setContentsMargins(24, 16, 24, 16)
            layout.setSpacing(12)
        else:
            layout.setContentsMargins(32, 28, 32, 24)
            layout.setSpacing(18)
        layout.addLayout(headline_row(self.icon, self.message, centred=False))
        layout.addWidget(self.detail)
        layout.addLayout(row)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() is QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        for choice in self._choices:
            self.buttons[choice.answer].setText(translate(_CONTEXT, choice.text))

    def _button(self, choice: Choice) -> QPushButton:
        button = QPushButton(translate(_CONTEXT, choice.text))
        button.setObjectName(f"{choice.answer.name.lower()}Button")
        set_role(button, choice.role)
        # Enter must not pick a button the customer did not look at; they tap instead.
        button.setAutoDefault(False)
        button.clicked.connect(lambda: self.done(choice.answer))
        self.buttons[choice.answer] = button
        return button

    def set_message(self, message: str | Message) -> None:
        show_message(self.message, self.icon, message)

    def set_detail(self, text: str) -> None:
        """`text`: ours in English (shown translated) or already in the customer's language."""
        self.detail.setText(messages.tr(text))
        self.detail.setVisible(bool(text))

    def dismiss(self) -> None:
        if self.isVisible():
            self.done(Answer.DISMISSED)

    def reject(self) -> None:
        self.done(self._escape)


async def ask(dialog: QDialog) -> Answer:
    """Show `dialog` and wait for its answer while the loop keeps running."""
    try:
        code = await finished(dialog, dismissed=Answer.DISMISSED)
    finally:
        dialog.deleteLater()
    try:
        return Answer(code)
    except ValueError:  # a plain QDialog's Accepted/Rejected
        return Answer.DISMISSED


# ---- the kiosk's questions ------------------------------------------------------------------


class PromptDialog(KioskDialog):
    """The question for an interrupted payment, inline on the processing screen (`parent`);
    follows the session as it changes."""

    def __init__(self, parent: QWidget, prompt: Prompt) -> None:
        choices, escape = _PROMPT_CHOICES[prompt.kind]
        super().__init__(
            parent,
            name=f"{prompt.kind.name.lower()}Dialog",
            message="",
            choices=choices,
            escape=escape,
            inline=True,
        )
        self.prompt = prompt
        self._countdown = QTimer(self)
        self._countdown.setInterval(250)
        self._countdown.timeout.connect(self._tick)
        self.show_prompt(prompt)

    def show_prompt(self, prompt: Prompt) -> None:
        self.prompt = prompt
        self.set_message(_prompt_message(prompt))
        self._tick()
        counting = prompt.kind in (PromptKind.NETWORK, PromptKind.OFFLINE_REFUSED)
        if counting and prompt.session.next_retry_at is not None:
            self._countdown.start()
        else:
            self._countdown.stop()

    def retranslate(self) -> None:
        super().retranslate()
        self.show_prompt(self.prompt)

    def _tick(self) -> None:
        self.set_detail(_prompt_detail(self.prompt))


def asks(prompt: Prompt) -> bool:
    """Whether the prompt is a question. A payment that has ended (declined, out of attempts,
    expired) is said once, by the result screen, whose buttons are the next step."""
    return prompt.kind in _PROMPT_CHOICES


def _prompt_message(prompt: Prompt) -> Message:
    session, kind = prompt.session, prompt.kind
    if kind is PromptKind.TIMEOUT:
        return messages.timeout(session)
    if kind is PromptKind.NETWORK:
        # Attempts after the first were retries: the bank is *still* unreachable.
        return messages.still_unreachable(session) if session.attempts > 1 else messages.network_error(session)
    if kind is PromptKind.OFFLINE_REFUSED:
        return messages.offline_refused(session)
    return messages.interrupted(session)


def _prompt_detail(prompt: Prompt) -> str:
    session = prompt.session
    if prompt.kind is PromptKind.NETWORK:
        lines = [messages.retry_countdown(seconds_until(session.next_retry_at))]
    elif prompt.kind is PromptKind.OFFLINE_REFUSED:
        lines = [messages.offline_refused_detail(session)]
        if session.next_retry_at is not None:  # the backend tries the bank again meanwhile
            lines.append(messages.retry_countdown(seconds_until(session.next_retry_at)))
    else:
        lines = []
    if session.outcome_unknown and not session.status.terminal:
        lines.append(messages.tr(messages.OUTCOME_UNKNOWN))
    refusal_elsewhere = prompt.kind is not PromptKind.OFFLINE_REFUSED  # else it is the message itself
    if session.offline_refusal and refusal_elsewhere and not session.status.terminal:
        lines.append(session.offline_refusal)  # the backend's sentence, as it wrote it
    return "\n".join(lines)


def seconds_until(moment: datetime | None) -> float | None:
    if moment is None:
        return None
    return (moment - datetime.now(UTC)).total_seconds()


def _screen_width(widget: QWidget | None) -> int:
    screen = widget.screen() if widget is not None else None
    return screen.availableGeometry().width() if screen is not None else 800


_INLINE_WIDTH = 600

_CANCEL = Choice(Answer.CANCEL, QT_TRANSLATE_NOOP("dialogs", "Cancel"), "danger")
_RETRY_OR_CANCEL = (
    (_CANCEL, Choice(Answer.RETRY, QT_TRANSLATE_NOOP("dialogs", "Retry"), "primary")),
    Answer.CANCEL,
)
_PROMPT_CHOICES: dict[PromptKind, tuple[tuple[Choice, ...], Answer]] = {
    PromptKind.TIMEOUT: _RETRY_OR_CANCEL,
    PromptKind.INTERRUPTED: _RETRY_OR_CANCEL,
    PromptKind.NETWORK: (
        (_CANCEL, Choice(Answer.RETRY, QT_TRANSLATE_NOOP("dialogs", "Retry now"), "primary")),
        Answer.CANCEL,
    ),
    PromptKind.OFFLINE_REFUSED: (
        (_CANCEL, Choice(Answer.PAY_CASH, QT_TRANSLATE_NOOP("dialogs", "Cancel and pay cash"), "primary")),
        Answer.CANCEL,
    ),
}


def close_guard_dialog(parent: QWidget) -> KioskDialog:
    return KioskDialog(
        parent,
        name="closeGuardDialog",
        message=messages.CLOSE_GUARD,
        detail=QT_TRANSLATE_NOOP(
            "messages", "If you leave, the payment is paused and can be resumed when SmartCart starts again."
        ),
        choices=(
            Choice(Answer.LEAVE, QT_TRANSLATE_NOOP("dialogs", "Yes, leave"), "danger"),
            Choice(Answer.STAY, QT_TRANSLATE_NOOP("dialogs", "No, stay"), "primary"),
        ),
        escape=Answer.STAY,
    )


def resume_offer_dialog(parent: QWidget, session: Session) -> KioskDialog:
    return KioskDialog(
        parent,
        name="resumeOfferDialog",
        message=messages.unfinished_payment(session),
        detail=messages.OUTCOME_UNKNOWN if session.outcome_unknown else "",
        choices=(
            Choice(Answer.DISCARD, QT_TRANSLATE_NOOP("dialogs", "Cancel it"), "danger"),
            Choice(Answer.RESUME, QT_TRANSLATE_NOOP("dialogs", "Resume"), "primary"),
        ),
        escape=Answer.DISMISSED,
    )


def crash_confirm_dialog(parent: QWidget) -> KioskDialog:
    """Tester mode: the crash drill kills the process; ask first, "No" is the safe answer."""
    return KioskDialog(
        parent,
        name="crashConfirmDialog",
        message=messages.CRASH_CONFIRM,
        detail=messages.CRASH_DETAIL,
        choices=(Choice(Answer.STAY, "No", "primary"), Choice(Answer.CRASH, "Yes, crash now", "danger")),
        escape=Answer.STAY,
    )
