"""Payment session bodies: create, pay, resume, cancel, interrupt, cash, and the session as read."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from backend.clock import iso
from backend.http.schemas.common import RequestModel, ResponseModel
from backend.http.schemas.fields import JsonInt
from backend.payments.records import EventRecord, SessionRecord, SessionView
from smartcart_contract import limits
from smartcart_contract.payment_methods import PaymentMethod
from smartcart_contract.states import Reason, Status


class CreateSessionIn(RequestModel):
    order_id: JsonInt = Field(ge=1, le=2**62)


class CancelIn(RequestModel):
    reason: str = Field("cancelled by customer", min_length=1, max_length=limits.CANCEL_REASON_MAX)


ClientReason = Literal["APP_CLOSED", "NETWORK_ERROR", "TIMEOUT"]


class InterruptIn(RequestModel):
    reason: ClientReason
    detail: str | None = Field(None, max_length=limits.INTERRUPT_DETAIL_MAX)


class CompleteIn(RequestModel):
    method: Literal["cash"]
    amount_received_minor: JsonInt = Field(ge=0, le=10**12, description="cash handed over; at least the amount due")
    # Optional here so that a missing PIN is a 403 (the kiosk alone may not confirm cash), not a 400.
    operator_pin: SecretStr | None = Field(
        None, description="the operator's PIN: the kiosk token alone cannot confirm cash", max_length=64
    )


class UpiQrOut(ResponseModel):
    payload: str = Field(description="upi://pay?pa=…&pn=…&am=…&tr=…&cu=INR, to show as a QR code")
    expires_at: int = Field(description="when the QR is closed unpaid, epoch ms")


class TerminalOut(ResponseModel):
    terminal_id: str
    expires_at: int = Field(description="when the terminal stops prompting, epoch ms")


class SessionCreatedOut(ResponseModel):
    success: Literal[True] = True
    session_id: str
    order_id: int
    max_attempts: int
    expires_at: str
    status: Status
    message: str
    created: bool = Field(description="false when the order's open session was returned")

    @classmethod
    def of(cls, session: SessionRecord, *, created: bool) -> SessionCreatedOut:
        return cls(
            session_id=session.id,
            order_id=session.order_id,
            max_attempts=session.max_attempts,
            expires_at=iso(session.expires_at_ms) or "",
            status=session.status,
            created=created,
            message="Payment session created" if created else "This order already has an open session",
        )


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
    upi_qr: UpiQrOut | None = Field(None, description="the QR to show while the payment waits for it")
    terminal: TerminalOut | None = Field(None, description="the terminal prompting for the card, while it waits")
    cash_received_minor: int | None = None
    cash_change_minor: int | None = None
    invoice_number: str | None = Field(
        None, description="the tax invoice's number (SC/2627/000123), given when the session is COMPLETED"
    )
    kiosk_id: str = Field(description="the kiosk whose order this pays (backend/kiosks/)")
    message: str | None = None
    events: list[EventOut] | None = None

    @classmethod
    def of(cls, view: SessionView, *, message: str | None = None) -> SessionOut:
        """Every field is taken by its name from the view or its record (`…_at` from
        `…_at_ms`), so a field added to the record and to this model needs no third list."""
        record = view.record
        fields: dict[str, object] = {"message": message, **_waiting_on(record)}
        for name in cls.model_fields:
            if name in fields or name == "success":
                continue
            source = _RENAMED.get(name, name)
            for holder in (view, record):
                if hasattr(holder, source):
                    fields[name] = getattr(holder, source)
                    break
                if hasattr(holder, source + "_ms"):
                    fields[name] = iso(getattr(holder, source + "_ms"))
                    break
        if view.events is not None:
            fields["events"] = [EventOut.of(e) for e in view.events]
        return cls.model_validate(fields)


def _waiting_on(record: SessionRecord) -> dict[str, object]:
    """The QR or terminal the customer is to pay at, while the session waits on it (once it is
    open at the provider: before that there is nothing to scan or tap)."""
    waiting = (
        record.status is Status.PROCESSING
        and record.settle_to is None
        and record.waiting_until_ms is not None
        and record.provider_request_id is not None
    )
    qr = terminal = None
    if waiting and record.method == PaymentMethod.UPI_QR and record.upi_qr_payload:
        qr = UpiQrOut(payload=record.upi_qr_payload, expires_at=record.waiting_until_ms or 0)
    if waiting and record.method == PaymentMethod.CARD_PRESENT and record.terminal_id:
        terminal = TerminalOut(terminal_id=record.terminal_id, expires_at=record.waiting_until_ms or 0)
    return {"upi_qr": qr, "terminal": terminal}


# SessionOut's names (the seed's API) for record fields called otherwise in the data layer.
_RENAMED = {"session_id": "id", "settling_to": "settle_to"}


class PayAcceptedOut(SessionOut):
    """The session as the request left it, so that the window need not read it again; with
    the seed's `attempt` (the same as `attempts`)."""

    attempt: int

    @classmethod
    def accepted(cls, view: SessionView, *, message: str) -> PayAcceptedOut:
        session = SessionOut.of(view, message=message)
        return cls.model_validate({**session.model_dump(), "attempt": view.record.attempts})


class SessionQuery(RequestModel):
    history: bool = Field(False, description="with the session's events (its history); 1 or true")


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

    @classmethod
    def of(cls, view: SessionView) -> SummaryOut:
        session = view.record
        end = session.finished_at_ms or view.as_of_ms
        return cls(
            session_id=session.id,
            order_id=session.order_id,
            status=session.status,
            attempts=session.attempts,
            max_attempts=session.max_attempts,
            duration_seconds=round((end - session.created_at_ms) / 1000, 3),
            interruptions=session.interruptions,
            last_interruption_reason=session.last_interruption_reason,
            can_resume=view.can_resume,
        )


class ActiveSessionsOut(ResponseModel):
    sessions: list[SessionOut]
    total: int
