"""refunds and shifts (issue 15)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# As backend/db/tables.py spells them: INTEGER on SQLite (the rowid), BIGINT elsewhere.
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "shifts",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("open_slot", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("opening_float_minor", sa.BigInteger(), nullable=False),
        sa.Column("opened_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("opened_steady_ms", sa.BigInteger(), nullable=False),
        sa.Column("closed_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("closed_steady_ms", sa.BigInteger(), nullable=True),
        sa.Column("counted_cash_minor", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("report", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_shifts"),
        sa.UniqueConstraint("open_slot", name="uq_shifts_open_slot"),
    )
    op.create_table(
        "refunds",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(32), nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("gateway_key", sa.String(64), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("gateway_refund_id", sa.String(40), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("shift_id", _ID, nullable=True),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("finished_at_ms", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_refunds"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["payment_sessions.id"], name="fk_refunds_session_id_payment_sessions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["shift_id"], ["shifts.id"], name="fk_refunds_shift_id_shifts"),
        sa.UniqueConstraint("gateway_key", name="uq_refunds_gateway_key"),
    )
    op.create_index("uq_refunds_session_key", "refunds", ["session_id", "idempotency_key"], unique=True)
    op.create_index("ix_refunds_status", "refunds", ["status"])
    op.create_index("ix_refunds_shift", "refunds", ["shift_id"])


def downgrade() -> None:
    op.drop_table("refunds")
    op.drop_table("shifts")
