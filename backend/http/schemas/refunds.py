"""Refund bodies: the request an admin makes, and a refund as read."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from backend.clock import iso
from backend.http.schemas.common import RequestModel, ResponseModel
from backend.http.schemas.fields import JsonInt
from backend.refunds.records import RefundOutcome, RefundRecord
from smartcart_contract import limits

IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


class RefundIn(RequestModel):
    amount_minor: JsonInt = Field(ge=1, le=2**53 - 1, description="how much to give back, in minor units")
    reason: str = Field(
        min_length=limits.OPERATOR_REASON_MIN,
        max_length=limits.OPERATOR_REASON_MAX,
        description="recorded with the refund and in the session history",
    )


class RefundOut(ResponseModel):
    refund_id: int
    session_id: str
    amount_minor: int
    currency: str
    method: str
    reason: str
    status: Literal["pending", "succeeded", "failed"] = Field(
        description="pending: recorded, the gateway's answer not known yet; it is finished by the "
        "same request sent again (same Idempotency-Key) or by the backend itself"
    )
    gateway_refund_id: str | None
    error: str | None
    shift_id: int | None
    created_at: str
    finished_at: str | None

    @classmethod
    def of(cls, refund: RefundRecord) -> RefundOut:
        return cls(
            refund_id=refund.id,
            session_id=refund.session_id,
            amount_minor=refund.amount_minor,
            currency=refund.currency,
            method=refund.method,
            reason=refund.reason,
            status=refund.status.value,
            gateway_refund_id=refund.gateway_refund_id,
            error=refund.error,
            shift_id=refund.shift_id,
            created_at=iso(refund.created_at_ms) or "",
            finished_at=iso(refund.finished_at_ms),
        )


class RefundResultOut(RefundOut):
    taken_minor: int = Field(description="what the payment took")
    refundable_minor: int = Field(description="what is left to refund after every refund not failed")
    replayed: bool = Field(description="true when this repeats the refund made earlier under this key")

    @classmethod
    def of_outcome(cls, outcome: RefundOutcome) -> RefundResultOut:
        return cls(
            **RefundOut.of(outcome.refund).model_dump(),
            taken_minor=outcome.taken_minor,
            refundable_minor=outcome.refundable_minor,
            replayed=not outcome.created,
        )


class RefundListOut(ResponseModel):
    refunds: list[RefundOut]
