"""kiosk identity: registered kiosks, and the kiosk of every order and payment session (issue 17)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import time

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Rows from before kiosks had names belong to the one kiosk there was: the one the single
# SMARTCART_KIOSK_TOKEN speaks for (backend/kiosks/__init__.py).
_DEFAULT = "default"


def upgrade() -> None:
    kiosks = op.create_table(
        "kiosks",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("revoked_at_ms", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosks")),
        sa.UniqueConstraint("name", name=op.f("uq_kiosks_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_kiosks_token_hash")),
    )
    # Its token is the configured one, never stored: token_hash stays NULL. Created: when the
    # database learned of kiosks (its rows from before are older still).
    now_ms = int(time.time() * 1000)
    op.bulk_insert(kiosks, [{"id": _DEFAULT, "name": _DEFAULT, "token_hash": None, "created_at_ms": now_ms}])
    # A plain ADD COLUMN with a constant default on both databases: no table copy, every
    # existing row reads as the default kiosk's.
    for table in ("orders", "payment_sessions"):
        op.add_column(
            table,
            sa.Column("kiosk_id", sa.String(length=32), nullable=False, server_default=_DEFAULT),
        )
    op.create_index(
        "ix_payment_sessions_kiosk_created", "payment_sessions", ["kiosk_id", "created_at_ms", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_payment_sessions_kiosk_created", table_name="payment_sessions")
    for table in ("payment_sessions", "orders"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("kiosk_id")
    op.drop_table("kiosks")
