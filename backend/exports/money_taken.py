"""What counts as money taken: the one definition behind every money total (the PDF's, the JSON
export's, and the overview's "Taken today" through GET /api/payments/stats).

A session's amount is money taken when the session is COMPLETED: the gateway holds the charge,
or the operator confirmed the cash in the drawer. Nothing else is, however it is filtered:
DECLINED, CANCELLED, EXPIRED and FAILED_MAX_RETRIES took nothing, and an open session has not
taken anything yet. OFFLINE_ACCEPTED is not money taken either: the customer has the goods, but
no charge exists until the payment is forwarded, and the gateway may still decline it (a loss).
The kiosk holds no money for it, only sealed card or UPI details, so it is counted beside the
money taken ("accepted offline, not yet collected"), never inside it. Cash is never accepted
offline: it completes at once.

Refunds take money back out: every total of money taken is net of the refunds that succeeded
(a COMPLETED session stays COMPLETED when refunded). A pending refund (recorded, the gateway's
answer not yet heard) is not subtracted until it succeeds; a failed one gave nothing back.
Which refunds belong to which period is one rule per kind of period:
- a range of sessions (exports, the PDF, the overview's stats): the refunds of those sessions,
  whenever they were made, so each session's row nets out;
- a shift (the Z report): money moves when it moves, so the payments completed during the shift
  and the refunds made during it (the drawer's cash went out then).
Both count the same predicates below, so for a shift whose payments were made and refunded
within it the PDF, the overview and the Z report give one figure.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

from smartcart_contract.states import Status

TAKEN: frozenset[Status] = frozenset({Status.COMPLETED})
NOT_YET_COLLECTED: frozenset[Status] = frozenset({Status.OFFLINE_ACCEPTED})


REFUNDED: frozenset[str] = frozenset({"succeeded"})


def refunded(refund_status_column: Any) -> ColumnElement[bool]:
    """Refunds that gave money back: subtracted from the money taken."""
    return refund_status_column.in_(sorted(REFUNDED))  # type: ignore[no-any-return]


def taken(status_column: Any) -> ColumnElement[bool]:
    return status_column.in_(sorted(s.value for s in TAKEN))  # type: ignore[no-any-return]


def not_yet_collected(status_column: Any) -> ColumnElement[bool]:
    return status_column.in_(sorted(s.value for s in NOT_YET_COLLECTED))  # type: ignore[no-any-return]
