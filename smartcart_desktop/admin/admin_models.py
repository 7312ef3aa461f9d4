"""What the admin endpoints answer, as the window's own types (kiosk-side ones are in api_models)."""

from __future__ import annotations

from datetime import datetime

from smartcart_desktop.api.models import Wire


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

    def count(self, status: str) -> int:
        return sum(t.sessions for t in self.by_status if t.key == status)

    def amount(self, status: str) -> dict[str, int]:
        """Amount in minor units per currency, for the sessions in `status`."""
        amounts: dict[str, int] = {}
        for total in self.by_status:
            if total.key == status:
                amounts[total.currency] = amounts.get(total.currency, 0) + total.amount_minor
        return amounts


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
