"""Refunds as the rest of the backend sees them; ORM rows never leave backend/db/."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RefundStatus(StrEnum):
    # Recorded, the gateway not yet known to have done it: counts against what is left to refund.
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    # The gateway said a definite no: nothing was given back, the amount is free again.
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RefundRequest:
    session_id: str
    idempotency_key: str
    amount_minor: int
    reason: str


@dataclass(frozen=True, slots=True)
class RefundRecord:
    id: int
    session_id: str
    idempotency_key: str
    request_hash: str
    gateway_key: str
    # The session's own gateway key: the charge this refund gives money back from.
    charge_key: str
    amount_minor: int
    currency: str
    method: str
    reason: str
    status: RefundStatus
    gateway_refund_id: str | None
    error: str | None
    shift_id: int | None
    created_at_ms: int
    finished_at_ms: int | None


@dataclass(frozen=True, slots=True)
class RefundOutcome:
    refund: RefundRecord
    # What the session took, and what is left to refund after every refund not failed.
    taken_minor: int
    refundable_minor: int
    # False: this answer repeats a refund made earlier under the same Idempotency-Key.
    created: bool
