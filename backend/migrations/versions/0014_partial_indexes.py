"""six indexes of payment_sessions hold only the rows whose key is set: a new session has no
method, card, UPI id, charge, invoice or finish time, and an entry for NULL in each of them
cost every batch of creates six more B-trees to write (backend/db/tables.py, _only_where_set)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# name, columns, unique, the column whose value the index needs
_INDEXES = [
    ("ix_payment_sessions_status_finished", ["status", "finished_at_ms"], False, "finished_at_ms"),
    ("ix_payment_sessions_method_created", ["method", "created_at_ms", "id"], False, "method"),
    ("ix_payment_sessions_last4_created", ["card_last4", "created_at_ms", "id"], False, "card_last4"),
    ("ix_payment_sessions_upi", ["upi_id"], False, "upi_id"),
    ("ix_payment_sessions_charge", ["gateway_charge_id"], False, "gateway_charge_id"),
    ("uq_payment_sessions_invoice_number", ["invoice_number"], True, "invoice_number"),
]


def upgrade() -> None:
    for name, columns, unique, column in _INDEXES:
        where = sa.text(f"{column} IS NOT NULL")
        op.drop_index(name, table_name="payment_sessions")
        op.create_index(name, "payment_sessions", columns, unique=unique, sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for name, columns, unique, _ in _INDEXES:
        op.drop_index(name, table_name="payment_sessions")
        op.create_index(name, "payment_sessions", columns, unique=unique)
