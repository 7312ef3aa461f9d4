""""Waiting for verification" without waiting: the order's state read off the session itself.

A session reads COMPLETED only once its order was marked paid in the same transaction (and
OFFLINE_ACCEPTED only once the order was handed over), so the order the window used to fetch
again after it would only repeat what the session already says.
"""

from __future__ import annotations

from smartcart_contract.states import OrderStatus, Status
from smartcart_desktop.api.models import Order, Session


def settled_order(order: Order, session: Session) -> Order:
    """The order as the handed-over session left it: paid, or (accepted offline) released."""
    if session.status is Status.COMPLETED:
        return order.model_copy(update={"status": OrderStatus.PAID, "paid_at": session.finished_at})
    if session.status is Status.OFFLINE_ACCEPTED:
        return order.model_copy(update={"status": OrderStatus.RELEASED, "paid_at": None})
    return order

