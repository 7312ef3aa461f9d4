""""Waiting for verification" without waiting: the receipt's facts read off the session itself.

A session reads COMPLETED only once its order was marked paid in the same transaction (and
OFFLINE_ACCEPTED only once the order was handed over), so the order and the summary the
window used to fetch again after it would only repeat what the session already says.
"""

from __future__ import annotations

from smartcart_contract.states import OrderStatus, Status
from smartcart_desktop.api.models import Order, Session, Summary


def settled_order(order: Order, session: Session) -> Order:
    """The order as the handed-over session left it: paid, or (accepted offline) released."""
    if session.status is Status.COMPLETED:
        return order.model_copy(update={"status": OrderStatus.PAID, "paid_at": session.finished_at})
    if session.status is Status.OFFLINE_ACCEPTED:
        return order.model_copy(update={"status": OrderStatus.RELEASED, "paid_at": None})
    return order


def summary_of(session: Session) -> Summary:
    """The backend's `…/summary`, worked out from the session (its duration ends when it did)."""
    end = session.finished_at or session.updated_at
    return Summary(
        session_id=session.session_id,
        order_id=session.order_id,
        status=session.status,
        attempts=session.attempts,
        max_attempts=session.max_attempts,
        duration_seconds=round((end - session.created_at).total_seconds(), 3),
        interruptions=session.interruptions,
        last_interruption_reason=session.last_interruption_reason,
        can_resume=session.can_resume,
    )
