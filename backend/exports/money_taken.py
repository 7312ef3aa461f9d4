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
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

from smartcart_contract.states import Status

TAKEN: frozenset[Status] = frozenset({Status.COMPLETED})
NOT_YET_COLLECTED: frozenset[Status] = frozenset({Status.OFFLINE_ACCEPTED})


def taken(status_column: Any) -> ColumnElement[bool]:
    return status_column.in_(sorted(s.value for s in TAKEN))  # type: ignore[no-any-return]


def not_yet_collected(status_column: Any) -> ColumnElement[bool]:
    return status_column.in_(sorted(s.value for s in NOT_YET_COLLECTED))  # type: ignore[no-any-return]
