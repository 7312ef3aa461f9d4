"""Request and response bodies of the HTTP API. The OpenAPI document is generated from these.

Requests reject unknown fields. Field names on the wire are camelCase, as in the seed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    SecretStr,
    field_validator,
)
from pydantic.alias_generators import to_camel

from backend.gateway.client import CardSource, PaymentSource, UpiSource
from backend.http.schemas.fields import JsonInt
from backend.payments import card_rules
from backend.payments.records import EventRecord, OrderRecord, SessionRecord
from backend.payments.states import OrderStatus, Reason, Status


def iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )


class RequestModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", str_strip_whitespace=True
    )


class ResponseModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


# ---- errors ---------------------------------------------------------------------------------


class ErrorBody(ResponseModel):
    code: str
    message: str
    status: str | None = Field(None, description="the session's (or order's) current status, on 409")


# ---- catalog and orders ---------------------------------------------------------------------


class ProductOut(ResponseModel):
    id: str
    name: str
    price_minor: int
    currency: str
    image: str | None = None


class ProductsOut(ResponseModel):
    products: list[ProductOut]


class OrderItemIn(RequestModel):
    product_id: str = Field(min_length=1, max_length=64)
    quantity: JsonInt = Field(ge=1, le=99)


class CreateOrderIn(RequestModel):
    items: list[OrderItemIn] = Field(min_length=1, max_length=50)


class OrderItemOut(ResponseModel):
    product_id: str
    name: str
    unit_price_minor: int
    quantity: int
    line_total_minor: int


class OrderOut(ResponseModel):
    order_id: int
    status: OrderStatus
    total_minor: int
    currency: str
    items: list[OrderItemOut]
    created_at: str
    paid_at: str | None = None

    @classmethod
    def of(cls, order: OrderRecord) -> OrderOut:
        return cls(
            order_id=order.id,
            status=order.status,
            total_minor=order.total_minor,
            currency=order.currency,
            created_at=iso(order.created_at_ms) or "",
            paid_at=iso(order.paid_at_ms),
            items=[
                OrderItemOut(
                    product_id=i.product_id,
                    name=i.name,
                    unit_price_minor=i.unit_price_minor,
                    quantity=i.quantity,
                    line_total_minor=i.line_total_minor,
                )
                for i in order.items
            ],
        )


# ---- payment details ------------------------------------------------------------------------


class CardIn(RequestModel):
    # SecretStr keeps the number and CVV out of reprs, logs and tracebacks.
    number: SecretStr = Field(
        description="16 digits, Luhn-valid; spaces allowed",
        json_schema_extra={"pattern": card_rules.CARD_NUMBER_PATTERN},
    )
    holder: str = Field(min_length=1, max_length=100)
    expiry: str = Field(
        description="MM/YY, not in the past",
        json_schema_extra={"pattern": card_rules.EXPIRY_PATTERN},
    )
    cvv: SecretStr = Field(description="3 digits", json_schema_extra={"pattern": r"^[0-9]{3}$"})

    @field_validator("number")
    @classmethod
    def _number(cls, value: SecretStr) -> SecretStr:
        problem = card_rules.card_number_problem(value.get_secret_value())
        if problem:
            raise ValueError(problem)
        return SecretStr(card_rules.normalise_card_number(value.get_secret_value()))

    @field_validator("expiry")
    @classmethod
    def _expiry(cls, value: str) -> str:
        problem = card_rules.expiry_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("cvv")
    @classmethod
    def _cvv(cls, value: SecretStr) -> SecretStr:
        problem = card_rules.cvv_problem(value.get_secret_value())
        if problem:
            raise ValueError(problem)
        return value


def _upi_id(value: str) -> str:
    if problem := card_rules.upi_problem(value):
        raise ValueError(problem)
    return value


UpiId = Annotated[
    str,
    Field(max_length=100, json_schema_extra={"pattern": card_rules.UPI_PATTERN}),
    AfterValidator(_upi_id),
]


class CardPaymentIn(RequestModel):
    method: Literal["card"]
    card: CardIn

    def source(self) -> PaymentSource:
        return CardSource(
            number=self.card.number.get_secret_value(),
            expiry=self.card.expiry,
            cvv=self.card.cvv.get_secret_value(),
        )


class UpiPaymentIn(RequestModel):
    method: Literal["upi"]
    upi_id: UpiId

    def source(self) -> PaymentSource:
        return UpiSource(upi_id=self.upi_id)


PaymentDetailsIn = CardPaymentIn | UpiPaymentIn
PaymentDetails = Annotated[PaymentDetailsIn, Field(discriminator="method")]


class PayIn(RootModel[PaymentDetails]):
    pass


class NoDetailsIn(RequestModel):
    """An empty body: resume with the details this process still holds."""


class ResumeIn(RootModel[CardPaymentIn | UpiPaymentIn | NoDetailsIn]):
    """Payment details are needed again only when this process no longer holds them."""

    def details(self) -> CardPaymentIn | UpiPaymentIn | None:
        return None if isinstance(self.root, NoDetailsIn) else self.root


class ValidateIn(RequestModel):
    """Partial details, as typed so far; every field optional."""

    number: str | None = Field(None, max_length=40)
    expiry: str | None = Field(None, max_length=10)
    cvv: str | None = Field(None, max_length=10)
    holder: str | None = Field(None, max_length=200)
    upi_id: str | None = Field(None, max_length=200)


class ValidateOut(ResponseModel):
    valid: bool
    errors: dict[str, str]
    brand: str | None = None


# ---- sessions -------------------------------------------------------------------------------


class CreateSessionIn(RequestModel):
    order_id: JsonInt = Field(ge=1, le=2**62)


class CancelIn(RequestModel):
    reason: str = Field("cancelled by customer", min_length=1, max_length=200)


ClientReason = Literal["APP_CLOSED", "NETWORK_ERROR", "TIMEOUT"]


class InterruptIn(RequestModel):
    reason: ClientReason
    detail: str | None = Field(None, max_length=500)


class CompleteIn(RequestModel):
    method: Literal["cash"]
    amount_received_minor: JsonInt | None = Field(None, ge=0, le=10**12)


class SessionCreatedOut(ResponseModel):
    success: Literal[True] = True
    session_id: str
    order_id: int
    max_attempts: int
    expires_at: str
    status: Status
    message: str
    created: bool = Field(description="false when the order's open session was returned")


class EventOut(ResponseModel):
    at: str
    kind: str
    from_status: Status | None
    to_status: Status | None
    attempt: int | None
    reason: str | None
    detail: str | None

    @classmethod
    def of(cls, event: EventRecord) -> EventOut:
        return cls(
            at=iso(event.at_ms) or "",
            kind=event.kind,
            from_status=event.from_status,
            to_status=event.to_status,
            attempt=event.attempt,
            reason=event.reason,
            detail=event.detail,
        )


class SessionOut(ResponseModel):
    success: Literal[True] = True
    session_id: str
    order_id: int
    status: Status
    attempts: int
    max_attempts: int
    can_resume: bool
    needs_payment_details: bool = Field(description="a resume must carry the details again")
    last_interruption_reason: Reason | None
    interruptions: int
    settling_to: Status | None = Field(
        description="terminal state the session is headed for once the gateway confirms"
    )
    outcome_unknown: bool
    next_retry_at: str | None = Field(description="when the automatic retry will start")
    amount_minor: int
    currency: str
    method: str | None
    card_brand: str | None
    card_last4: str | None
    upi_id: str | None
    decline_code: str | None
    gateway_charge_id: str | None
    created_at: str
    updated_at: str
    expires_at: str
    finished_at: str | None
    offline_refusal: str | None = Field(
        None, description="why the payment could not be accepted offline: offer cash or cancel"
    )
    message: str | None = None
    events: list[EventOut] | None = None


class PayAcceptedOut(ResponseModel):
    success: Literal[True] = True
    session_id: str
    status: Status
    attempt: int
    max_attempts: int
    message: str


class SummaryOut(ResponseModel):
    session_id: str
    order_id: int
    status: Status
    attempts: int
    max_attempts: int
    duration_seconds: float
    interruptions: int
    last_interruption_reason: Reason | None
    can_resume: bool


class ActiveSessionsOut(ResponseModel):
    sessions: list[SessionOut]
    total: int


class GatewayHealthOut(ResponseModel):
    reachable: bool | None


class ConfigOut(ResponseModel):
    """What a window needs to know about the backend it talks to (it may be remote)."""

    gateway_timeout_s: float
    max_attempts: int
    retry_delay_s: float
    session_ttl_s: float
    currency: str
    offline_enabled: bool
    tester: bool


class HealthOut(ResponseModel):
    status: Literal["ok"] = "ok"
    gateway: GatewayHealthOut
    offline_pending: int = Field(description="payments accepted offline, waiting to be forwarded")
    offline_enabled: bool
    tester: bool


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


SessionIdPath = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]


def session_record_fields(session: SessionRecord) -> dict[str, object]:
    """The part of SessionOut that comes straight from the stored record."""
    return {
        "session_id": session.id,
        "order_id": session.order_id,
        "status": session.status,
        "attempts": session.attempts,
        "max_attempts": session.max_attempts,
        "last_interruption_reason": session.last_interruption_reason,
        "interruptions": session.interruptions,
        "settling_to": session.settle_to,
        "outcome_unknown": session.outcome_unknown,
        "amount_minor": session.amount_minor,
        "currency": session.currency,
        "method": session.method,
        "card_brand": session.card_brand,
        "card_last4": session.card_last4,
        "upi_id": session.upi_id,
        "decline_code": session.decline_code,
        "gateway_charge_id": session.gateway_charge_id,
        "created_at": iso(session.created_at_ms),
        "updated_at": iso(session.updated_at_ms),
        "expires_at": iso(session.expires_at_ms),
        "finished_at": iso(session.finished_at_ms),
        "offline_refusal": session.offline_refusal,
    }


# ---- admin -----------------------------------------------------------------------------------


class UnlockIn(RequestModel):
    pin: str = Field(min_length=4, max_length=12, pattern=r"^[0-9]+$")


class UnlockOut(ResponseModel):
    admin_token: str


class OperatorActionIn(RequestModel):
    reason: str = Field(min_length=3, max_length=200, description="recorded in the session history")


class TotalOut(ResponseModel):
    key: str | None
    currency: str
    sessions: int
    amount_minor: int


class ReasonCountOut(ResponseModel):
    reason: str | None
    interruptions: int
    sessions: int


class StatsOut(ResponseModel):
    sessions: int
    interruptions: int
    by_status: list[TotalOut]
    by_method: list[TotalOut]
    by_reason: list[ReasonCountOut]


# ---- tester mode ------------------------------------------------------------------------------


class FaultHitOut(ResponseModel):
    at: str
    mode: str
    method: str
    path: str
    session_id: str | None


class FaultsOut(ResponseModel):
    mode: str
    rate: float
    latency_ms: int
    log: list[FaultHitOut]
