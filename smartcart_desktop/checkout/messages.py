"""Every sentence the customer reads about a payment, in one place. The seed's wording is kept.

The seed opened its headlines with emoji ("✅", "❌", "⏱️"…); a bare Debian has no font for
them and draws empty boxes. A headline is a `Message` instead: its words and a `Kind`, which
the screens show as one of the SVG icons in resources/icons/ (named after the kind).

The constants are the English source texts, translated where shown (`tr`): state that holds one
follows a language switch. The functions translate when called, at render time.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from smartcart_contract.money import format_money
from smartcart_desktop.api.models import Session
from smartcart_desktop.translation import QT_TRANSLATE_NOOP, translate

CONTEXT = "messages"


def tr(text: str) -> str:
    """One of the texts below in the customer's language; any other text (the backend's own
    message, say) unchanged."""
    return translate(CONTEXT, text)


class Kind(Enum):
    SUCCESS = "success"
    FAILURE = "failure"
    WARNING = "warning"
    WAITING = "waiting"
    NETWORK = "network"


@dataclass(frozen=True, slots=True)
class Message:
    kind: Kind
    text: str

    def __str__(self) -> str:
        return self.text


PROCESSING = QT_TRANSLATE_NOOP("messages", "Processing payment...")
SUBMITTED = Message(Kind.SUCCESS, QT_TRANSLATE_NOOP("messages", "Payment request submitted! Waiting for verification..."))
COMPLETED = Message(Kind.SUCCESS, QT_TRANSLATE_NOOP("messages", "Payment complete"))
CANCELLED = QT_TRANSLATE_NOOP("messages", "Payment cancelled")
CANCEL_UNCONFIRMED = QT_TRANSLATE_NOOP(
    "messages", "Payment cancelled. Your money is safe: if anything was taken it will be refunded automatically."
)
CANCELLING = QT_TRANSLATE_NOOP("messages", "Cancelling… making sure no charge stands at the bank.")
SETTLING = QT_TRANSLATE_NOOP("messages", "Checking with the bank before closing this payment…")
MAX_RETRIES = Message(Kind.FAILURE, QT_TRANSLATE_NOOP("messages", "Maximum retry attempts exceeded."))
MAX_RETRIES_DETAIL = QT_TRANSLATE_NOOP("messages", "No charge was made. You can try again from the cart.")
EXPIRED = Message(Kind.WAITING, QT_TRANSLATE_NOOP("messages", "This payment session expired."))
EXPIRED_DETAIL = QT_TRANSLATE_NOOP("messages", "No charge was made. You can start again from the cart.")
ACCEPTED_OFFLINE = Message(Kind.SUCCESS, QT_TRANSLATE_NOOP("messages", "Payment accepted offline"))
OFFLINE_ACCEPTED = QT_TRANSLATE_NOOP(
    "messages", "It will be sent to the bank as soon as the connection is back. Please take your items."
)
OFFLINE_MARK = QT_TRANSLATE_NOOP("messages", "Accepted offline — will be sent when the connection returns")
OFFLINE_REFUSED_FALLBACK = QT_TRANSLATE_NOOP("messages", "This payment cannot be accepted while offline.")
CASH_INSTEAD = QT_TRANSLATE_NOOP("messages", "You can cancel this card or UPI payment and pay in cash instead.")
# Tester and operator texts: in English, like the tester panel and the admin window.
CRASH_CONFIRM = "Crash SmartCart now?"
CRASH_DETAIL = (
    "Recovery drill: the backend process is killed at once (SIGKILL), like a power cut — no "
    "clean-up runs. With the embedded backend that is this whole app. At the next start a "
    "payment left in flight is offered for resuming."
)
CLOSE_GUARD = QT_TRANSLATE_NOOP("messages", "Payment is in progress. Are you sure you want to leave?")
OUTCOME_UNKNOWN = QT_TRANSLATE_NOOP(
    "messages", "We are checking whether the last attempt went through — you will never be charged twice."
)
OPERATOR_QUIT = "Admin PIN to close SmartCart"
WRONG_OPERATOR_PIN = QT_TRANSLATE_NOOP("messages", "Wrong operator PIN: nothing was charged.")
SCAN_QR = QT_TRANSLATE_NOOP("messages", "Scan the QR code with any UPI app")
SCAN_QR_DETAIL = QT_TRANSLATE_NOOP("messages", "Then approve the payment on your phone. This screen moves on by itself.")
QR_EXPIRED = QT_TRANSLATE_NOOP("messages", "This QR code has expired. Closing it…")
ON_TERMINAL = QT_TRANSLATE_NOOP("messages", "Tap, insert or swipe on the terminal")
ON_TERMINAL_DETAIL = QT_TRANSLATE_NOOP(
    "messages", "Follow the instructions on the terminal. Your card never touches this screen."
)
TERMINAL_EXPIRED = QT_TRANSLATE_NOOP("messages", "The terminal stopped waiting. Closing this payment…")
RESUME_DETAILS = QT_TRANSLATE_NOOP("messages", "Enter the payment details again to resume this payment.")

_DECLINES = {
    "card_declined": QT_TRANSLATE_NOOP("messages", "The card was declined by the bank."),
    "insufficient_funds": QT_TRANSLATE_NOOP("messages", "The card was declined: insufficient funds."),
    "upi_declined": QT_TRANSLATE_NOOP("messages", "The UPI payment was declined."),
}


def attempt_of(session: Session) -> str:
    return f"{session.attempts}/{session.max_attempts}"


def timeout(session: Session) -> Message:
    text = tr(QT_TRANSLATE_NOOP("messages", "Payment timeout (attempt {attempt}). You can retry or cancel."))
    return Message(Kind.WAITING, text.format(attempt=attempt_of(session)))


def network_error(session: Session) -> Message:
    text = tr(QT_TRANSLATE_NOOP("messages", "Network error detected (attempt {attempt}). Would you like to retry?"))
    return Message(Kind.NETWORK, text.format(attempt=attempt_of(session)))


def still_unreachable(session: Session) -> Message:
    """A retry (the customer's or the backend's own) met the same network error again."""
    text = tr(QT_TRANSLATE_NOOP("messages", "The bank still cannot be reached (attempt {attempt}). Would you like to retry?"))
    return Message(Kind.NETWORK, text.format(attempt=attempt_of(session)))


def interrupted(session: Session) -> Message:
    text = tr(QT_TRANSLATE_NOOP("messages", "Payment interrupted (attempt {attempt}). You can retry or cancel."))
    return Message(Kind.WARNING, text.format(attempt=attempt_of(session)))


def offline_refused(session: Session) -> Message:
    # The backend's own sentence (with its limit) when it gave one: shown as it is.
    return Message(Kind.NETWORK, session.offline_refusal or tr(OFFLINE_REFUSED_FALLBACK))


def offline_refused_detail(session: Session) -> str:
    text = tr(QT_TRANSLATE_NOOP("messages", "The bank cannot be reached (attempt {attempt})."))
    return f"{text.format(attempt=attempt_of(session))} {tr(CASH_INSTEAD)}"


def retry_countdown(seconds_left: float | None) -> str:
    if seconds_left is None:
        return tr(QT_TRANSLATE_NOOP("messages", "Tap “Retry now” when the connection is back."))
    if seconds_left <= 0:
        return tr(QT_TRANSLATE_NOOP("messages", "Retrying now…"))
    text = tr(QT_TRANSLATE_NOOP("messages", "Retrying automatically in {seconds} s…"))
    return text.format(seconds=max(1, round(seconds_left)))


def declined(session: Session) -> Message:
    fallback = QT_TRANSLATE_NOOP("messages", "The payment was declined.")
    return Message(Kind.FAILURE, tr(_DECLINES.get(session.decline_code or "", fallback)))


def unfinished_payment(session: Session) -> str:
    amount = format_money(session.amount_minor, session.currency)
    text = tr(QT_TRANSLATE_NOOP("messages", "An unfinished payment for order #{order} ({amount}) was found."))
    return text.format(order=session.order_id, amount=amount)


def next_attempt(session: Session) -> str:
    number = min(session.attempts + 1, session.max_attempts)
    return tr(QT_TRANSLATE_NOOP("messages", "Attempt {number} of {total}")).format(number=number, total=session.max_attempts)


def current_attempt(session: Session) -> str:
    number = max(session.attempts, 1)
    return tr(QT_TRANSLATE_NOOP("messages", "Attempt {number} of {total}")).format(number=number, total=session.max_attempts)
