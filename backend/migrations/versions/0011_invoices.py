"""invoice numbers per financial year (issue 14): payment_sessions.invoice_number (unique) and
one counter row per series and financial year

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: sessions completed before have no invoice number
    # (none was issued then, and one given now would break the series' order by date).
    op.add_column("payment_sessions", sa.Column("invoice_number", sa.String(length=16), nullable=True))
    op.create_index(
        "uq_payment_sessions_invoice_number", "payment_sessions", ["invoice_number"], unique=True
    )
    op.create_table(
        "invoice_counters",
        sa.Column("series", sa.String(length=4), nullable=False),
        sa.Column("financial_year", sa.String(length=4), nullable=False),
        sa.Column("last_number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("series", "financial_year", name="pk_invoice_counters"),
    )


def downgrade() -> None:
    op.drop_table("invoice_counters")
    op.drop_index("uq_payment_sessions_invoice_number", table_name="payment_sessions")
    with op.batch_alter_table("payment_sessions", schema=None) as batch_op:
        batch_op.drop_column("invoice_number")
