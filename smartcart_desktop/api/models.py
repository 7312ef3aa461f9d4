"""What the backend answers, as the window's own types (the window never imports `backend`).

Models ignore fields they do not know, so a newer backend does not break an older window.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from smartcart_contract.states import OrderStatus, Reason, Status


class Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore")


class Product(Wire):
    id: str
    name: str
    price_minor: int
    currency: str
    image: str | None = None


class ProductList(Wire):
    products: list[Product]


class OrderItem(Wire):
    product_id: str
    name: str
    unit_price_minor: int
    quantity: int
    line_total_minor: int


class Order(Wire):
    order_id: int
    status: OrderStatus
    total_minor: int
    currency: str
    items: list[OrderItem]
    created_at: datetime
    paid_at: datetime | None = None

    @property
    def paid(self) -> bool:
        return self.status is OrderStatus.PAID

    @property
    def released(self) -> bool:
        """Handed over after its payment was accepted offline; PAID once forwarded."""
        return self.status is OrderStatus.RELEASED

    @property
    def settled(self) -> bool:
        """Paid, or handed over on an offline payment: a new purchase needs a new order."""
        return self.paid or self.released


class SessionCreated(Wire):
    session_id: str
    order_id: int
    max_attempts: int
    status: Status
    created: bool
    message: str


class SessionEvent(Wire):
    at: datetime
    kind: str
    from_status: Status | None = None
    to_status: Status | None = None
    attempt: int | None = None
    reason: str | None = None
    detail: str | None = None


class UpiQr(Wire):
    """The dynamic QR the customer scans while the session waits (`upi://pay?pa=…&am=…&tr=…`)."""

    payload: str
    expires_at: datetime  # the backend's deadline; it sends wall-clock milliseconds


class Terminal(Wire):
    """The card terminal the payment waits on (tap, insert or swipe)."""

    terminal_id: str
    expires_at: datetime | None = None


class Session(Wire):
    session_id: str
    order_id: int
    status: Status
    attempts: int
    max_attempts: int
    can_resume: bool
    needs_payment_details: bool
    last_interruption_reason: Reason | None = None
    interruptions: int = 0
    settling_to: Status | None = None
    outcome_unknown: bool = False
    next_retry_at: datetime | None = None
    amount_minor: int
    currency: str
    method: str | None = None
    card_brand: str | None = None
    card_last4: str | None = None
    upi_id: str | None = None
    decline_code: str | None = None
    gateway_charge_id: str | None = None
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    finished_at: datetime | None = None
    offline_refusal: str | None = None  # why it could not be accepted offline: offer cash or cancel
    upi_qr: UpiQr | None = None  # while a UPI QR payment waits for the customer's phone
    terminal: Terminal | None = None  # while a card payment waits on the terminal
    cash_received_minor: int | None = None
    cash_change_minor: int | None = None
    invoice_number: str | None = None  # given when it is COMPLETED
    kiosk_id: str | None = None  # the kiosk that took it (the admin's lists show it)
    message: str | None = None
    events: list[SessionEvent] | None = None


class SessionList(Wire):
    sessions: list[Session]
    total: int


class Summary(Wire):
    session_id: str
    order_id: int
    status: Status
    attempts: int
    max_attempts: int
    duration_seconds: float
    interruptions: int
    last_interruption_reason: Reason | None = None
    can_resume: bool


class Validation(Wire):
    valid: bool
    errors: dict[str, str] = Field(default_factory=dict)
    brand: str | None = None


class GatewayHealth(Wire):
    reachable: bool | None = None


class Health(Wire):
    gateway: GatewayHealth
    tester: bool = False
    offline_pending: int = 0
    offline_enabled: bool = False


class SyncStatus(Wire):
    """`GET /api/sync/status`: what the kiosk still has to send to the fleet server."""

    enabled: bool = False  # a fleet server is configured
    pending: int = 0
    last_success_at: str | None = None
    last_error: str | None = None
    last_error_at: str | None = None
    # The server answered the last try with a 4xx (e.g. sync_invoice_clash): its code and message.
    refused: bool = False
    refused_status: int | None = None
    refused_code: str | None = None
    refused_message: str | None = None


class BackendConfig(Wire):
    """`GET /api/config`: the timings and modes of the backend this window talks to."""

    gateway_timeout_s: float
    max_attempts: int
    retry_delay_s: float
    session_ttl_s: float
    currency: str
    offline_enabled: bool = False
    tester: bool = False
    # The ways this kiosk takes money, in the order to offer them. A backend from before
    # issue 13 does not say: it took typed card, typed UPI and cash.
    payment_methods: tuple[str, ...] = ("card", "upi", "cash")


class FaultHit(Wire):
    at: str
    mode: str
    method: str
    path: str
    session_id: str | None = None


class Faults(Wire):
    mode: str
    rate: float
    latency_ms: int
    log: list[FaultHit] = Field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.mode != "none"


class CrashAccepted(Wire):
    crashing: bool = True



class ReceiptTax(Wire):
    rate_percent: str
    taxable_minor: int
    cgst_minor: int
    sgst_minor: int


class ReceiptLine(Wire):
    name: str
    quantity: int
    unit_price_minor: int
    total_minor: int
    tax: ReceiptTax | None = None


class ReceiptDocument(Wire):
    """`GET …/receipt`: the receipt as the backend builds it, to show and to print as it is."""

    title: str  # English, as printed; the window names the title_kind in the customer's language
    title_kind: str | None = None  # "tax_invoice", "receipt", "provisional"
    shop_name: str
    shop_address: list[str]
    gstin: str | None = None
    invoice_number: str | None = None
    order_id: int
    issued_at: datetime
    issued_at_text: str
    lines: list[ReceiptLine]
    currency: str
    taxable_minor: int
    cgst_minor: int
    sgst_minor: int
    total_minor: int
    method: str | None = None
    paid_with: str  # English, for the printer; the window makes its own from the fields below
    card_brand: str | None = None
    card_last4: str | None = None
    upi_id: str | None = None
    cash_received_minor: int | None = None
    cash_change_minor: int | None = None
    gateway_reference: str | None = None
    offline: bool = False

    @property
    def taxed(self) -> bool:
        return any(line.tax is not None for line in self.lines)
