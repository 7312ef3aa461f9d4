"""Plain records the data layer hands out. ORM rows never leave backend/db/."""

from __future__ import annotations

from dataclasses import dataclass

from backend.payments.states import OrderStatus, Reason, Status


@dataclass(frozen=True, slots=True)
class OrderItemRecord:
    product_id: str
    name: str
    unit_price_minor: int
    quantity: int

    @property
    def line_total_minor(self) -> int:
        return self.unit_price_minor * self.quantity


@dataclass(frozen=True, slots=True)
class OrderRecord:
    id: int
    status: OrderStatus
    currency: str
    total_minor: int
    created_at_ms: int
    paid_at_ms: int | None
    items: tuple[OrderItemRecord, ...]


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: str
    order_id: int
    status: Status
    idempotency_key: str
    amount_minor: int
    currency: str
    attempts: int
    max_attempts: int
    interruptions: int
    last_interruption_reason: Reason | None
    gateway_contacted: bool
    outcome_unknown: bool
    settle_to: Status | None
    method: str | None
    card_brand: str | None
    card_last4: str | None
    upi_id: str | None
    decline_code: str | None
    gateway_charge_id: str | None
    created_at_ms: int
    updated_at_ms: int
    expires_at_ms: int
    finished_at_ms: int | None
    offline_refusal: str | None = None


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: int
    session_id: str
    at_ms: int
    kind: str
    from_status: Status | None
    to_status: Status | None
    attempt: int | None
    reason: str | None
    detail: str | None
