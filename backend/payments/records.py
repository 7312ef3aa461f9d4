"""Plain records the data layer hands out. ORM rows never leave backend/db/."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar, dataclass_transform

from backend.kiosks import DEFAULT_KIOSK_ID
from smartcart_contract.states import OrderStatus, Reason, Status

_R = TypeVar("_R")


@dataclass_transform(frozen_default=True)
def record(cls: type[_R]) -> type[_R]:
    """A record: frozen for the type checker (mypy --strict refuses any assignment to a field),
    a plain slotted dataclass at run time, hashable and compared by value as a frozen one is.
    A frozen dataclass's __init__ sets every field through object.__setattr__: 3.2 µs for the
    36 fields of a SessionRecord against 0.5 µs, and the database writer builds one for every
    session it creates, while the event loop waits for it (README, Benchmarks)."""
    return dataclass(slots=True, unsafe_hash=True)(cls)


@record
class OrderItemRecord:
    product_id: str
    name: str
    unit_price_minor: int
    quantity: int

    @property
    def line_total_minor(self) -> int:
        return self.unit_price_minor * self.quantity


@record
class OrderRecord:
    id: int
    status: OrderStatus
    currency: str
    total_minor: int
    created_at_ms: int
    paid_at_ms: int | None
    items: tuple[OrderItemRecord, ...]
    kiosk_id: str = DEFAULT_KIOSK_ID


@record
class SessionRecord:
    # What every session has from its creation on ...
    id: str
    order_id: int
    status: Status
    idempotency_key: str
    amount_minor: int
    currency: str
    max_attempts: int
    created_at_ms: int
    updated_at_ms: int
    expires_at_ms: int
    # ... and what its attempts add; the defaults are a new session's.
    attempts: int = 0
    interruptions: int = 0
    last_interruption_reason: Reason | None = None
    gateway_contacted: bool = False
    outcome_unknown: bool = False
    settle_to: Status | None = None
    method: str | None = None
    card_brand: str | None = None
    card_last4: str | None = None
    upi_id: str | None = None
    decline_code: str | None = None
    gateway_charge_id: str | None = None
    finished_at_ms: int | None = None
    offline_refusal: str | None = None
    owner: str | None = None
    provider_request_id: str | None = None
    upi_qr_payload: str | None = None
    terminal_id: str | None = None
    waiting_until_ms: int | None = None
    cash_received_minor: int | None = None
    cash_change_minor: int | None = None
    invoice_number: str | None = None  # given when it becomes COMPLETED (backend/db/invoices.py)
    kiosk_id: str = DEFAULT_KIOSK_ID
    # A copy its kiosk replicated to the fleet server: read-only there (backend/sync/).
    replica: bool = False


@record
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


@record
class SessionView:
    """A session as the kiosk is shown it: the stored record, judged at `as_of_ms` by the
    process that may be driving it."""

    record: SessionRecord
    as_of_ms: int
    can_resume: bool
    needs_payment_details: bool
    next_retry_at_ms: int | None
    events: list[EventRecord] | None = None
