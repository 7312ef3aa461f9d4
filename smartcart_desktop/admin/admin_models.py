"""What the admin endpoints answer, as the window's own types (kiosk-side ones are in api_models)."""

from __future__ import annotations

from datetime import datetime

from smartcart_desktop.api.models import Session, Wire


class Unlocked(Wire):
    admin_token: str


class Total(Wire):
    key: str | None = None
    currency: str
    sessions: int
    amount_minor: int


class ReasonCount(Wire):
    reason: str | None = None
    interruptions: int
    sessions: int


class Stats(Wire):
    sessions: int
    interruptions: int
    by_status: list[Total]
    by_method: list[Total]
    by_reason: list[ReasonCount]
    # Money taken as the backend defines it (completed payments), the same figure as the PDF's.
    taken: list[Total]
    taken_by_method: list[Total]
    not_yet_collected: list[Total]

    def taken_amounts(self) -> dict[str, int]:
        """Money taken in minor units per currency."""
        return {t.currency: t.amount_minor for t in self.taken}

    def count(self, status: str) -> int:
        return sum(t.sessions for t in self.by_status if t.key == status)


class OfflinePayment(Wire):
    session_id: str
    order_id: int
    amount_minor: int
    currency: str
    method: str | None = None
    card_last4: str | None = None
    status: str
    accepted_at: datetime
    forwarded_at: datetime | None = None
    outcome: str | None = None
    forward_attempts: int = 0
    last_error: str | None = None
    near_age_limit: bool = False
    loss: bool = False


class OfflinePayments(Wire):
    payments: list[OfflinePayment]
    waiting: int
    waiting_total_minor: int


class ForwardResult(Wire):
    completed: int
    declined: int
    waiting: int
    busy: bool


class SessionPage(Wire):
    sessions: list[Session]  # newest first
    next_cursor: str | None = None
