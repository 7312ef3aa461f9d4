"""What the admin endpoints answer, as the window's own types (kiosk-side ones are in api_models)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

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
    # Money taken as the backend defines it (completed payments less refunds), the PDF's figure too.
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


class RefundResult(Wire):
    refund_id: int
    session_id: str
    amount_minor: int
    currency: str
    method: str
    reason: str
    status: str  # pending (the gateway's answer not heard yet), succeeded, failed
    error: str | None = None
    refundable_minor: int
    replayed: bool = False


class RefundInfo(Wire):
    refund_id: int
    amount_minor: int
    currency: str
    reason: str
    status: str


class RefundList(Wire):
    refunds: list[RefundInfo]


class MethodLine(Wire):
    method: str
    currency: str
    payments: int
    taken_minor: int
    refunds: int
    refunded_minor: int
    net_minor: int


class Unsettled(Wire):
    kind: str
    session_id: str
    amount_minor: int
    detail: str


class Mismatch(Wire):
    kind: str
    detail: str
    session_id: str | None = None
    charge_id: str | None = None
    amount_minor: int | None = None


class Reconciliation(Wire):
    checked: bool
    detail: str
    matched_charges: int = 0
    matched_refunds: int = 0
    mismatches: list[Mismatch] = Field(default_factory=list)


class ZReport(Wire):
    shift_id: int
    final: bool
    currency: str
    opened_at: datetime
    until: datetime
    opening_float_minor: int
    methods: list[MethodLine]
    taken_minor: int
    refunded_minor: int
    net_minor: int
    cash_taken_minor: int
    cash_refunded_minor: int
    expected_cash_minor: int
    counted_cash_minor: int | None = None
    difference_minor: int | None = None
    note: str | None = None
    unsettled: list[Unsettled] = Field(default_factory=list)
    reconciliation: Reconciliation


class Shift(Wire):
    shift_id: int
    status: str  # open, closed
    currency: str
    opening_float_minor: int
    opened_at: datetime
    closed_at: datetime | None = None
    counted_cash_minor: int | None = None
    note: str | None = None
    report: ZReport | None = None
