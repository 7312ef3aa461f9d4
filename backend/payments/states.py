"""The payment session state machine: states, reasons and the moves allowed between them.

DESIGN.md §4 lists the moves; this module is the only place that knows them. Every
transition in the data layer is a compare-and-set against `sources(target)`.
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

# target -> the states it may be reached from.
# INTERRUPTED -> COMPLETED | DECLINED is a look-up at the gateway finding the outcome of an
# attempt whose reply never arrived (DESIGN.md §4 invariants: "a charge found there completes
# the session"); the move list there only shows it through PROCESSING.
_SOURCES: dict[Status, frozenset[Status]] = {
    Status.PROCESSING: frozenset({Status.INITIATED, Status.INTERRUPTED}),
    Status.INTERRUPTED: frozenset({Status.PROCESSING}),
    Status.COMPLETED: frozenset(
        {Status.PROCESSING, Status.INITIATED, Status.INTERRUPTED, Status.OFFLINE_ACCEPTED}
    ),
    Status.DECLINED: frozenset({Status.PROCESSING, Status.INTERRUPTED, Status.OFFLINE_ACCEPTED}),
    Status.CANCELLED: frozenset({Status.INITIATED, Status.INTERRUPTED, Status.PROCESSING}),
    Status.FAILED_MAX_RETRIES: frozenset({Status.INTERRUPTED}),
    Status.EXPIRED: frozenset({Status.INITIATED, Status.INTERRUPTED}),
    Status.OFFLINE_ACCEPTED: frozenset({Status.PROCESSING, Status.INTERRUPTED}),
}


def sources(target: Status) -> frozenset[Status]:
    return _SOURCES.get(target, frozenset())


def is_allowed(current: Status, target: Status) -> bool:
    return current in sources(target)
