"""store-and-forward: offline payments and the forwarder's lease

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "offline_payments",
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("accepted_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("sealed_source", sa.LargeBinary(), nullable=True),
        sa.Column("forward_attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("forwarded_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["payment_sessions.id"],
            name=op.f("fk_offline_payments_session_id_payment_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_offline_payments")),
    )
    with op.batch_alter_table("offline_payments", schema=None) as batch_op:
        batch_op.create_index("ix_offline_payments_waiting", ["outcome", "accepted_at_ms"], unique=False)
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )


def downgrade() -> None:
    op.drop_table("leases")
    with op.batch_alter_table("offline_payments", schema=None) as batch_op:
        batch_op.drop_index("ix_offline_payments_waiting")
    op.drop_table("offline_payments")
