"""What the checkout shows, derived from the backend's session and nothing else.

`stage_of` and `prompt_of` are pure: the backend owns the truth, these only decide which
screen and which question present it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto

from smartcart_contract.states import Reason, Status
from smartcart_desktop.api.models import Order, ReceiptDocument, Session


class Stage(Enum):
    CART = auto()
    DETAILS = auto()  # the payment form: a fresh session, or a resume that needs the details again
    PROCESSING = auto()
    SCAN_QR = auto()  # a UPI QR is up: waiting for the customer's phone
    ON_TERMINAL = auto()  # waiting for the card on the terminal
    INTERRUPTED = auto()  # waiting for the customer, or for the backend's automatic retry
    SETTLING = auto()  # the backend checks with the gateway before calling it failed or expired
    CANCELLING = auto()  # the backend voids at the gateway before calling it cancelled
    OFFLINE_ACCEPTED = auto()
    COMPLETED = auto()
    DECLINED = auto()
    FAILED = auto()
    EXPIRED = auto()


class PromptKind(Enum):
    TIMEOUT = auto()
    NETWORK = auto()
    INTERRUPTED = auto()  # app closed or crash recovered, details still held by the backend
    OFFLINE_REFUSED = auto()  # the gateway is unreachable and the payment is over an offline limit
    MAX_RETRIES = auto()
    DECLINED = auto()
    EXPIRED = auto()


@dataclass(frozen=True, slots=True)
class Prompt:
    kind: PromptKind
    session: Session
    # A new serial means "ask again" even if the customer answered this kind already.
    serial: tuple[int, int]

    @property
    def identity(self) -> tuple[str, PromptKind]:
        return (self.session.session_id, self.kind)


@dataclass(frozen=True, slots=True)
class Receipt:
    order: Order
    session: Session
    # What the backend issued (GET …/receipt); None if it could not be had (the screen then
    # still says the payment went through and offers the next order).
    document: ReceiptDocument | None
    cash_received_minor: int | None = None

    @property
    def offline(self) -> bool:
        """Accepted offline: the goods are handed over, the bank has not seen it yet."""
        return self.session.status is Status.OFFLINE_ACCEPTED


@dataclass(frozen=True, slots=True)
class FlowState:
    stage: Stage = Stage.CART
    order: Order | None = None
    session: Session | None = None
    prompt: Prompt | None = None
    busy: bool = False
    notice: str | None = None  # e.g. "Payment cancelled", shown on the cart
    error: str | None = None  # the last action's failure, shown where the customer is
    attempt_started: float | None = None  # monotonic time the current attempt was first seen
    receipt: Receipt | None = None
    gateway_timeout_s: float = 30.0
    method_hint: str | None = None  # the payment method the form starts on ("cash" after a refusal)
    payment_methods: tuple[str, ...] = ("card", "upi", "cash")  # as the backend offers them
    operator_pin_error: str | None = None  # cash refused: the operator's PIN was wrong (or locked)

    @property
    def payment_in_flight(self) -> bool:
        return self.session is not None and self.session.status in _IN_FLIGHT

    @property
    def session_id(self) -> str | None:
        return self.session.session_id if self.session else None


_IN_FLIGHT = frozenset({Status.PROCESSING, Status.INTERRUPTED})
_AUTO_RETRY = frozenset({Reason.NETWORK_ERROR, Reason.GATEWAY_ERROR})

_TERMINAL_STAGE = {
    Status.COMPLETED: Stage.COMPLETED,
    Status.DECLINED: Stage.DECLINED,
    Status.FAILED_MAX_RETRIES: Stage.FAILED,
    Status.EXPIRED: Stage.EXPIRED,
    Status.CANCELLED: Stage.CART,
}


def stage_of(session: Session) -> Stage:
    status = session.status
    if status in _TERMINAL_STAGE:
        return _TERMINAL_STAGE[status]
    if session.settling_to is Status.CANCELLED:
        return Stage.CANCELLING
    if status is Status.INITIATED:
        return Stage.DETAILS
    if status is Status.PROCESSING:
        # Waiting on the customer (their phone, the terminal) rather than on the gateway.
        if session.upi_qr is not None:
            return Stage.SCAN_QR
        if session.terminal is not None:
            return Stage.ON_TERMINAL
        return Stage.PROCESSING
    if status is Status.OFFLINE_ACCEPTED:
        return Stage.OFFLINE_ACCEPTED
    # INTERRUPTED from here on
    if session.settling_to is not None or not session.can_resume:
        # No attempts or time left: the backend is about to end it, after asking the gateway.
        return Stage.SETTLING
    if session.needs_payment_details:
        return Stage.DETAILS
    return Stage.INTERRUPTED


_TERMINAL_PROMPT = {
    Status.FAILED_MAX_RETRIES: PromptKind.MAX_RETRIES,
    Status.DECLINED: PromptKind.DECLINED,
    Status.EXPIRED: PromptKind.EXPIRED,
}


def prompt_of(session: Session, epoch: int = 0) -> Prompt | None:
    kind = _TERMINAL_PROMPT.get(session.status)
    if kind is None and stage_of(session) is Stage.INTERRUPTED:
        reason = session.last_interruption_reason
        if session.offline_refusal:
            kind = PromptKind.OFFLINE_REFUSED
        elif reason is Reason.TIMEOUT:
            kind = PromptKind.TIMEOUT
        elif reason in _AUTO_RETRY:
            kind = PromptKind.NETWORK
        else:
            kind = PromptKind.INTERRUPTED
    if kind is None:
        return None
    return Prompt(kind=kind, session=session, serial=(session.interruptions, epoch))
