"""Every sentence the customer reads about a payment, in one place. The seed's wording is kept.

The seed opened its headlines with emoji ("✅", "❌", "⏱️"…); a bare Debian has no font for
them and draws empty boxes. A headline is a `Message` instead: its words and a `Kind`, which
the screens show as one of the SVG icons in resources/icons/ (named after the kind).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from smartcart_contract.money import format_money
from smartcart_desktop.api.models import Session


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


PROCESSING = "Processing payment..."
SUBMITTED = Message(Kind.SUCCESS, "Payment request submitted! Waiting for verification...")
COMPLETED = Message(Kind.SUCCESS, "Payment complete")
CANCELLED = "Payment cancelled"
CANCELLING = "Cancelling… making sure no charge stands at the bank."
SETTLING = "Checking with the bank before closing this payment…"
MAX_RETRIES = Message(Kind.FAILURE, "Maximum retry attempts exceeded.")
MAX_RETRIES_DETAIL = "No charge was made. You can try again from the cart."
EXPIRED = Message(Kind.WAITING, "This payment session expired.")
EXPIRED_DETAIL = "No charge was made. You can start again from the cart."
ACCEPTED_OFFLINE = Message(Kind.SUCCESS, "Payment accepted offline")
OFFLINE_ACCEPTED = "It will be sent to the bank as soon as the connection is back. Please take your items."
OFFLINE_MARK = "Accepted offline — will be sent when the connection returns"
OFFLINE_REFUSED_FALLBACK = "This payment cannot be accepted while offline."
CASH_INSTEAD = "You can cancel this card or UPI payment and pay in cash instead."
CRASH_CONFIRM = "Crash SmartCart now?"
CRASH_DETAIL = (
    "Recovery drill: the backend process is killed at once (SIGKILL), like a power cut — no "
    "clean-up runs. With the embedded backend that is this whole app. At the next start a "
    "payment left in flight is offered for resuming."
)
CLOSE_GUARD = "Payment is in progress. Are you sure you want to leave?"
OUTCOME_UNKNOWN = "We are checking whether the last attempt went through — you will never be charged twice."
OPERATOR_QUIT = "Admin PIN to close SmartCart"
WRONG_OPERATOR_PIN = "Wrong operator PIN: nothing was charged."
SCAN_QR = "Scan the QR code with any UPI app"
SCAN_QR_DETAIL = "Then approve the payment on your phone. This screen moves on by itself."
QR_EXPIRED = "This QR code has expired. Closing it…"
ON_TERMINAL = "Tap, insert or swipe on the terminal"
ON_TERMINAL_DETAIL = "Follow the instructions on the terminal. Your card never touches this screen."
TERMINAL_EXPIRED = "The terminal stopped waiting. Closing this payment…"
RESUME_DETAILS = "Enter the payment details again to resume this payment."

_DECLINES = {
    "card_declined": "The card was declined by the bank.",
    "insufficient_funds": "The card was declined: insufficient funds.",
    "upi_declined": "The UPI payment was declined.",
}


def attempt_of(session: Session) -> str:
    return f"{session.attempts}/{session.max_attempts}"


def timeout(session: Session) -> Message:
    return Message(Kind.WAITING, f"Payment timeout (attempt {attempt_of(session)}). You can retry or cancel.")


def network_error(session: Session) -> Message:
    return Message(Kind.NETWORK, f"Network error detected (attempt {attempt_of(session)}). Would you like to retry?")


def still_unreachable(session: Session) -> Message:
    """A retry (the customer's or the backend's own) met the same network error again."""
    return Message(
        Kind.NETWORK, f"The bank still cannot be reached (attempt {attempt_of(session)}). Would you like to retry?"
    )


def interrupted(session: Session) -> Message:
    return Message(Kind.WARNING, f"Payment interrupted (attempt {attempt_of(session)}). You can retry or cancel.")


def offline_refused(session: Session) -> Message:
    return Message(Kind.NETWORK, session.offline_refusal or OFFLINE_REFUSED_FALLBACK)


def offline_refused_detail(session: Session) -> str:
    return f"The bank cannot be reached (attempt {attempt_of(session)}). {CASH_INSTEAD}"


def retry_countdown(seconds_left: float | None) -> str:
    if seconds_left is None:
        return "Tap “Retry now” when the connection is back."
    if seconds_left <= 0:
        return "Retrying now…"
    return f"Retrying automatically in {max(1, round(seconds_left))} s…"


def declined(session: Session) -> Message:
    return Message(Kind.FAILURE, _DECLINES.get(session.decline_code or "", "The payment was declined."))


def unfinished_payment(session: Session) -> str:
    amount = format_money(session.amount_minor, session.currency)
    return f"An unfinished payment for order #{session.order_id} ({amount}) was found."


def next_attempt(session: Session) -> str:
    number = min(session.attempts + 1, session.max_attempts)
    return f"Attempt {number} of {session.max_attempts}"


def current_attempt(session: Session) -> str:
    return f"Attempt {max(session.attempts, 1)} of {session.max_attempts}"
