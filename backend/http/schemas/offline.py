"""Store-and-forward: payments accepted offline, for the admin."""

from __future__ import annotations

from pydantic import (
    Field,
)

from backend.http.schemas.common import ResponseModel
from smartcart_contract.states import Status


class OfflinePaymentOut(ResponseModel):
    session_id: str
    order_id: int
    amount_minor: int
    currency: str
    method: str | None
    card_last4: str | None
    status: Status
    accepted_at: str
    forwarded_at: str | None
    outcome: str | None
    forward_attempts: int
    last_error: str | None
    near_age_limit: bool = Field(description="waiting for more than 80% of the allowed age")
    loss: bool = Field(description="declined after the goods were handed over")


class OfflinePaymentsOut(ResponseModel):
    payments: list[OfflinePaymentOut]
    waiting: int
    waiting_total_minor: int


class ForwardResultOut(ResponseModel):
    completed: int
    declined: int
    waiting: int
    busy: bool
