"""The payment session state machine: the moves allowed between states.

DESIGN.md §4 lists the moves; this module is the only place that knows them. Every
transition in the data layer is a compare-and-set against `sources(target)`. The states and
reasons themselves are shared with the window (`smartcart_contract.states`).
"""

from __future__ import annotations

from smartcart_contract.states import Status

# target -> the states it may be reached from.
# INTERRUPTED -> COMPLETED | DECLINED is a look-up at the gateway finding the outcome of an
# attempt whose reply never arrived (DESIGN.md §4 invariants: "a charge found there completes
# the session"); the move list there only shows it through PROCESSING.
# PROCESSING -> EXPIRED is a payment waiting on the customer (a UPI QR shown, a terminal prompting)
# whose time to pay ran out: closed at the provider first, then looked up (backend/payments/waiting.py).
_SOURCES: dict[Status, frozenset[Status]] = {
    Status.PROCESSING: frozenset({Status.INITIATED, Status.INTERRUPTED}),
    Status.INTERRUPTED: frozenset({Status.PROCESSING}),
    Status.COMPLETED: frozenset(
        {Status.PROCESSING, Status.INITIATED, Status.INTERRUPTED, Status.OFFLINE_ACCEPTED}
    ),
    Status.DECLINED: frozenset({Status.PROCESSING, Status.INTERRUPTED, Status.OFFLINE_ACCEPTED}),
    Status.CANCELLED: frozenset({Status.INITIATED, Status.INTERRUPTED, Status.PROCESSING}),
    Status.FAILED_MAX_RETRIES: frozenset({Status.INTERRUPTED}),
    Status.EXPIRED: frozenset({Status.INITIATED, Status.INTERRUPTED, Status.PROCESSING}),
    Status.OFFLINE_ACCEPTED: frozenset({Status.PROCESSING, Status.INTERRUPTED}),
}


def sources(target: Status) -> frozenset[Status]:
    return _SOURCES.get(target, frozenset())


def is_allowed(current: Status, target: Status) -> bool:
    return current in sources(target)
