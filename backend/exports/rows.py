"""One exported row: a payment session with its order, and how its columns are written."""

from __future__ import annotations

from dataclasses import dataclass

from backend.clock import iso
from backend.kiosks import DEFAULT_KIOSK_ID
from smartcart_contract.money import decimal_amount

# The CSV header and the JSON keys, in this order: camelCase like the rest of the API.
COLUMNS: tuple[str, ...] = (
    "sessionId",
    "orderId",
    "orderStatus",
    "status",
    "method",
    "cardBrand",
    "cardLast4",
    "amount",
    "amountMinor",
    "currency",
    "attempts",
    "maxAttempts",
    "interruptions",
    "lastInterruptionReason",
    "declineCode",
    "gatewayChargeId",
    "createdAt",
    "finishedAt",
    "offlineAcceptedAt",
    "forwardedAt",
    "offlineOutcome",
    "cashReceived",
    "cashChange",
    "kiosk",
    # What was given back (refunds that succeeded); the payment's money taken is amount - refunded.
    "refunded",
    "refundedMinor",
)

Value = str | int | None


@dataclass(frozen=True, slots=True)
class ExportRow:
    """Field order matches the SELECT in query.py."""

    session_id: str
    order_id: int
    order_status: str
    status: str
    method: str | None
    card_brand: str | None
    card_last4: str | None
    amount_minor: int
    currency: str
    attempts: int
    max_attempts: int
    interruptions: int
    last_interruption_reason: str | None
    decline_code: str | None
    gateway_charge_id: str | None
    created_at_ms: int
    finished_at_ms: int | None
    offline_accepted_at_ms: int | None = None
    forwarded_at_ms: int | None = None
    offline_outcome: str | None = None
    cash_received_minor: int | None = None
    cash_change_minor: int | None = None
    kiosk_id: str = DEFAULT_KIOSK_ID
    refunded_minor: int = 0

    @property
    def amount(self) -> str:
        return decimal_amount(self.amount_minor, self.currency)

    def values(self) -> tuple[Value, ...]:
        """The row in COLUMNS order: amounts as decimal strings, times as ISO 8601 UTC."""
        return (
            self.session_id,
            self.order_id,
            self.order_status,
            self.status,
            self.method,
            self.card_brand,
            self.card_last4,
            self.amount,
            self.amount_minor,
            self.currency,
            self.attempts,
            self.max_attempts,
            self.interruptions,
            self.last_interruption_reason,
            self.decline_code,
            self.gateway_charge_id,
            iso(self.created_at_ms),
            iso(self.finished_at_ms),
            iso(self.offline_accepted_at_ms),
            iso(self.forwarded_at_ms),
            self.offline_outcome,
            self._money(self.cash_received_minor),
            self._money(self.cash_change_minor),
            self.kiosk_id,
            decimal_amount(self.refunded_minor, self.currency),
            self.refunded_minor,
        )

    def _money(self, minor: int | None) -> str | None:
        return None if minor is None else decimal_amount(minor, self.currency)
