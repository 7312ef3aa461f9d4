"""Payment session states and interruption reasons (DESIGN.md §4).

Which moves are allowed between states is the backend's business alone
(`backend/payments/states.py`); what a state means to a reader is shared here.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    INITIATED = "INITIATED"
    PROCESSING = "PROCESSING"
    INTERRUPTED = "INTERRUPTED"
    COMPLETED = "COMPLETED"
    DECLINED = "DECLINED"
    CANCELLED = "CANCELLED"
    FAILED_MAX_RETRIES = "FAILED_MAX_RETRIES"
    EXPIRED = "EXPIRED"
    OFFLINE_ACCEPTED = "OFFLINE_ACCEPTED"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL

    @property
    def finished_for_customer(self) -> bool:
        """Nothing more for the customer to do: terminal, or accepted offline (the backend
        still forwards it to the gateway, but the goods are handed over)."""
        return self in TERMINAL or self is Status.OFFLINE_ACCEPTED


class Reason(StrEnum):
    """Why the last attempt ended without a known success."""

    TIMEOUT = "TIMEOUT"
    NETWORK_ERROR = "NETWORK_ERROR"
    GATEWAY_ERROR = "GATEWAY_ERROR"
    APP_CLOSED = "APP_CLOSED"
    CRASH_RECOVERED = "CRASH_RECOVERED"


class OrderStatus(StrEnum):
    PENDING = "PENDING"
    # Handed over after its payment was accepted offline; PAID once the forward succeeds.
    RELEASED = "RELEASED"
    PAID = "PAID"


TERMINAL = frozenset(
    {Status.COMPLETED, Status.DECLINED, Status.CANCELLED, Status.FAILED_MAX_RETRIES, Status.EXPIRED}
)
OPEN = frozenset(Status) - TERMINAL

# Reasons after which the backend retries by itself; the others wait for the customer.
AUTO_RETRY = frozenset({Reason.NETWORK_ERROR, Reason.GATEWAY_ERROR})
