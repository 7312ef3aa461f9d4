"""the history list's indexes: newest first by (created_at_ms, id), per status and method, and
the exact look-ups of an order id, a card's last 4, a UPI id and a gateway charge id

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_INDEXES = (
    ("ix_payment_sessions_created_id", ["created_at_ms", "id"]),
    ("ix_payment_sessions_status_created", ["status", "created_at_ms", "id"]),
    ("ix_payment_sessions_method_created", ["method", "created_at_ms", "id"]),
    ("ix_payment_sessions_order", ["order_id"]),
    ("ix_payment_sessions_last4_created", ["card_last4", "created_at_ms", "id"]),
    ("ix_payment_sessions_upi", ["upi_id"]),
    ("ix_payment_sessions_charge", ["gateway_charge_id"]),
)


def upgrade() -> None:
    for name, columns in _INDEXES:
        op.create_index(name, "payment_sessions", columns)
    # (created_at_ms, id) serves everything the one-column index did.
    op.drop_index("ix_payment_sessions_created", table_name="payment_sessions")


def downgrade() -> None:
    op.create_index("ix_payment_sessions_created", "payment_sessions", ["created_at_ms"])
    for name, _ in reversed(_INDEXES):
        op.drop_index(name, table_name="payment_sessions")
