"""The schema. Only the data layer (backend/db/) imports this module.

Times are integer epoch milliseconds and money integer minor units: both portable across
SQLite and PostgreSQL, exact, and cheap to compare in the indexed cleanup statements.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from backend.kiosks import DEFAULT_KIOSK_ID
from smartcart_contract.states import OPEN

# Stable constraint names let alembic alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Ids the API accepts go up to 2**62: 64-bit everywhere. SQLite's INTEGER already is, and a key
# column must stay spelled INTEGER there to be the rowid (AUTOINCREMENT-like ids): the variant
# keeps SQLite's DDL as it always was, PostgreSQL gets BIGINT (migration 0004).
ID = BigInteger().with_variant(Integer, "sqlite")

# "card_present" outgrew VARCHAR(8). SQLite never enforced the length: its DDL stays as it was and
# only PostgreSQL's column is widened (migration 0008).
METHOD = String(16).with_variant(String(8), "sqlite")


# Written out, not bound: SQLite uses a partial index only when the query repeats its literal WHERE.
OPEN_STATUS_SQL = "status IN (" + ", ".join(f"'{s}'" for s in sorted(OPEN)) + ")"


def _only_where_set(column: str) -> dict[str, Any]:
    """An index of the rows whose `column` has a value. A new session has no method, card,
    UPI id, charge, invoice or finish time yet: an index over all rows would take an entry
    for NULL at every create, and a batch of creates would write that B-tree's pages too
    (a fifth of a batch's time with six such indexes, bench/session_creates.py). Every query
    compares the column (=, <, IN), which tells both databases the value is not NULL."""
    where = text(f"{column} IS NOT NULL")
    return {"sqlite_where": where, "postgresql_where": where}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    status: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(BigInteger)
    created_at_ms: Mapped[int] = mapped_column(BigInteger)
    paid_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    # The kiosk that took the order (backend/kiosks/); its sessions are that kiosk's.
    kiosk_id: Mapped[str] = mapped_column(String(32), server_default=DEFAULT_KIOSK_ID)
    # On the fleet server, an order a kiosk replicated (backend/sync/): its id on that kiosk.
    origin_order_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (Index("uq_orders_kiosk_origin", "kiosk_id", "origin_order_id", unique=True),)


class OrderItem(Base):
    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ID, ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)


class PaymentSession(Base):
    __tablename__ = "payment_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    order_id: Mapped[int] = mapped_column(ID, ForeignKey("orders.id"))
    status: Mapped[str] = mapped_column(String(24))
    # Bumped by every update; a move's compare-and-set includes it so that checks made on the
    # row read in the same transaction still hold when the row is written.
    version: Mapped[int] = mapped_column(Integer, default=0)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    interruptions: Mapped[int] = mapped_column(Integer, default=0)
    last_interruption_reason: Mapped[str | None] = mapped_column(String(24))
    # True once any request of this session may have reached the gateway; from then on every
    # retry, cancel or expiry asks the gateway first.
    gateway_contacted: Mapped[bool] = mapped_column(Boolean, default=False)
    # The last attempt's outcome is not known yet (timeout, reset, lost reply).
    outcome_unknown: Mapped[bool] = mapped_column(Boolean, default=False)
    # A terminal state this session is headed for once the gateway confirms no charge stands
    # (CANCELLED, FAILED_MAX_RETRIES, EXPIRED); the reconciler finishes the move.
    settle_to: Mapped[str | None] = mapped_column(String(24))
    method: Mapped[str | None] = mapped_column(METHOD)
    card_brand: Mapped[str | None] = mapped_column(String(16))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    upi_id: Mapped[str | None] = mapped_column(String(100))
    decline_code: Mapped[str | None] = mapped_column(String(64))
    gateway_charge_id: Mapped[str | None] = mapped_column(String(64))
    created_at_ms: Mapped[int] = mapped_column(BigInteger)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger)
    expires_at_ms: Mapped[int] = mapped_column(BigInteger)
    finished_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    # Why the last attempt could not be accepted offline (over a limit); the kiosk offers cash.
    offline_refusal: Mapped[str | None] = mapped_column(String(200))
    # The backend instance (backend/fleet/instance.py) that drives this session's attempts.
    owner: Mapped[str | None] = mapped_column(String(32))
    # A payment the customer makes at the provider (UPI QR, card terminal): the provider's id of
    # it, the QR's payload, the terminal, and until when it may be paid (steady timeline, like
    # expires_at_ms). Kept so that a restart finds the same payment again by the session's key.
    provider_request_id: Mapped[str | None] = mapped_column(String(64))
    upi_qr_payload: Mapped[str | None] = mapped_column(String(512))
    terminal_id: Mapped[str | None] = mapped_column(String(32))
    waiting_until_ms: Mapped[int | None] = mapped_column(BigInteger)
    # Cash the operator confirmed: what was handed over and the change given back.
    cash_received_minor: Mapped[int | None] = mapped_column(BigInteger)
    cash_change_minor: Mapped[int | None] = mapped_column(BigInteger)
    # Its tax invoice's number ("SC/2627/000123"), given in the move to COMPLETED (migration 0011).
    invoice_number: Mapped[str | None] = mapped_column(String(16))
    # The kiosk whose order this pays: only that kiosk (and the admin) may see or move it.
    kiosk_id: Mapped[str] = mapped_column(String(32), server_default=DEFAULT_KIOSK_ID)
    # A copy a kiosk replicated to this server (backend/sync/): that kiosk drives it, so no pass
    # of this server expires, recovers or takes it over, and no request moves it.
    replica: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        # At most one open session per order, enforced by the database itself.
        Index(
            "uq_payment_sessions_open_order",
            "order_id",
            unique=True,
            sqlite_where=text(OPEN_STATUS_SQL),
            postgresql_where=text(OPEN_STATUS_SQL),
        ),
        Index("ix_payment_sessions_status_expires", "status", "expires_at_ms"),
        Index("ix_payment_sessions_status_finished", "status", "finished_at_ms", **_only_where_set("finished_at_ms")),
        # Newest first by (created_at_ms, id): the history list's keyset order, also the exports'.
        # Each filter of the list has an index whose tail is that order, so a page is read off
        # the index without sorting (backend/db/sessions/search.py).
        Index("ix_payment_sessions_created_id", "created_at_ms", "id"),
        Index("ix_payment_sessions_status_created", "status", "created_at_ms", "id"),
        Index("ix_payment_sessions_method_created", "method", "created_at_ms", "id", **_only_where_set("method")),
        # What an operator types to find one payment: exact matches.
        Index("ix_payment_sessions_order", "order_id"),
        Index("ix_payment_sessions_last4_created", "card_last4", "created_at_ms", "id", **_only_where_set("card_last4")),
        Index("ix_payment_sessions_upi", "upi_id", **_only_where_set("upi_id")),
        Index("ix_payment_sessions_charge", "gateway_charge_id", **_only_where_set("gateway_charge_id")),
        # No invoice number twice, whatever writes it (NULLs, not yet invoiced, do not clash).
        Index("uq_payment_sessions_invoice_number", "invoice_number", unique=True, **_only_where_set("invoice_number")),
        # The admin's lists and exports of one kiosk, in the same keyset order.
        Index("ix_payment_sessions_kiosk_created", "kiosk_id", "created_at_ms", "id"),
    )


class SessionEvent(Base):
    __tablename__ = "session_events"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("payment_sessions.id", ondelete="CASCADE"), index=True
    )
    at_ms: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    attempt: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    # On the fleet server, a replicated event's id on its kiosk: a resent event lands once.
    origin_event_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        Index("uq_session_events_session_origin", "session_id", "origin_event_id", unique=True),
        # /metrics counts events by kind and reason at each scrape: read from the index alone.
        Index("ix_session_events_kind_reason", "kind", "reason"),
    )


class OfflinePayment(Base):
    """A card or UPI payment accepted while the gateway was unreachable, waiting to be forwarded.

    `sealed_source` is the Fernet-encrypted payment source: the only place the card number and
    CVV ever rest, and only until the gateway answers the forward.
    """

    __tablename__ = "offline_payments"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("payment_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    accepted_at_ms: Mapped[int] = mapped_column(BigInteger)
    sealed_source: Mapped[bytes | None] = mapped_column(LargeBinary)
    forward_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    forwarded_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    outcome: Mapped[str | None] = mapped_column(String(24))

    __table_args__ = (Index("ix_offline_payments_waiting", "outcome", "accepted_at_ms"),)


class Lease(Base):
    """Who may run a singleton task (the forwarder) until when; taken by compare-and-set."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at_ms: Mapped[int] = mapped_column(BigInteger)


class AdminPinState(Base):
    """The admin PIN's wrong guesses and lockout, shared by every process on the database.

    One row (id 1). Changed only by single UPDATE statements whose SET reads the row's own
    values, so guesses made at once by several processes each count exactly once.
    """

    __tablename__ = "admin_pin_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    failures: Mapped[int] = mapped_column(Integer)
    locked_until_ms: Mapped[int] = mapped_column(BigInteger)


class OfflineUnreadable(Base):
    """A sealed offline payment that a forwarder could not open (wrong key, damaged bytes).

    One row per key that failed: the forwarder holding that key passes the payment by, and one
    holding another key (a fleet started with mismatched keys, or the right key restored) still
    tries it. The sealed bytes stay in offline_payments untouched.
    """

    __tablename__ = "offline_unreadable"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("offline_payments.session_id", ondelete="CASCADE"), primary_key=True
    )
    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    reason: Mapped[str] = mapped_column(String(200))
    at_ms: Mapped[int] = mapped_column(BigInteger)


class InvoiceCounter(Base):
    """The last invoice number given in one series (the prefix) and financial year ("2627").

    Moved on only by `UPDATE … SET last_number = last_number + 1` inside the transaction that
    completes the session (backend/db/invoices.py): the row lock orders the processes of a
    fleet, and a rollback takes the number back with the completion, so there is no gap.
    """

    __tablename__ = "invoice_counters"

    series: Mapped[str] = mapped_column(String(4), primary_key=True)
    financial_year: Mapped[str] = mapped_column(String(4), primary_key=True)
    last_number: Mapped[int] = mapped_column(BigInteger)


class Kiosk(Base):
    """A registered kiosk (backend/kiosks/). Only a hash of its token is kept; a revoked kiosk
    keeps its row, so that its past orders and sessions still name it."""

    __tablename__ = "kiosks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    # SHA-256 of the token, hex; NULL for the default kiosk, whose token is configured.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at_ms: Mapped[int] = mapped_column(BigInteger)
    revoked_at_ms: Mapped[int | None] = mapped_column(BigInteger)


class Shift(Base):
    """A till shift: opened with a float, closed with a counted drawer and its Z report.

    `open_slot` is 1 while the shift is open and NULL once closed: its unique index lets at most
    one shift be open, whichever process opens it. Wall times bound the report; steady times
    (backend/clock.py) give its true length whatever the wall clock did meanwhile.
    """

    __tablename__ = "shifts"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    open_slot: Mapped[int | None] = mapped_column(Integer, unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    opening_float_minor: Mapped[int] = mapped_column(BigInteger)
    opened_at_ms: Mapped[int] = mapped_column(BigInteger)
    opened_steady_ms: Mapped[int] = mapped_column(BigInteger)
    closed_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    closed_steady_ms: Mapped[int | None] = mapped_column(BigInteger)
    counted_cash_minor: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(String(500))
    # The Z report as it was at the close (JSON): a closed shift's report never changes.
    report: Mapped[str | None] = mapped_column(Text)


class Refund(Base):
    """Money given back on a COMPLETED session, recorded as an intent (`pending`) before the
    gateway is asked, under `gateway_key`, so that a retry or a restart finishes it exactly once."""

    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("payment_sessions.id", ondelete="CASCADE"))
    # The caller's Idempotency-Key, and a fingerprint of what it asked under it.
    idempotency_key: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    gateway_key: Mapped[str] = mapped_column(String(64), unique=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    gateway_refund_id: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(String(200))
    shift_id: Mapped[int | None] = mapped_column(ID, ForeignKey("shifts.id"))
    created_at_ms: Mapped[int] = mapped_column(BigInteger)
    finished_at_ms: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        Index("uq_refunds_session_key", "session_id", "idempotency_key", unique=True),
        Index("ix_refunds_status", "status"),
        Index("ix_refunds_shift", "shift_id"),
    )


class SyncOutbox(Base):
    """On a kiosk: the sessions changed, in commit order, still to be sent to the fleet server.

    Filled in the transaction of the change itself (backend/sync/outbox.py). `seq` is never
    handed out twice, even after the table was emptied: the server acknowledges by it.
    """

    __tablename__ = "sync_outbox"
    __table_args__ = ({"sqlite_autoincrement": True},)

    seq: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(32))


class SyncCursor(Base):
    """On the fleet server: the highest outbox seq of each kiosk applied here."""

    __tablename__ = "sync_cursors"

    kiosk_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    through_seq: Mapped[int] = mapped_column(BigInteger)


def table_of(model: type[Base]) -> Table:
    """A model's Table, typed as one (SQLAlchemy types `__table__` as a FromClause)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table
