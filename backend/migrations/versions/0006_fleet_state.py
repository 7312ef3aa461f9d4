"""fleet-wide state: the admin PIN's lockout, and sealed offline payments a forwarder cannot open

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Its one row is created by the first PIN check (INSERT … ON CONFLICT DO NOTHING).
    op.create_table(
        "admin_pin_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_pin_state")),
    )
    op.create_table(
        "offline_unreadable",
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["offline_payments.session_id"],
            name=op.f("fk_offline_unreadable_session_id_offline_payments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "key_id", name=op.f("pk_offline_unreadable")),
    )


def downgrade() -> None:
    op.drop_table("offline_unreadable")
    op.drop_table("admin_pin_state")
