"""payment providers: UPI QR and card-terminal payments (issue 13)

The payment a session waits on at its provider (a UPI QR's payload, a terminal's id, the provider's
id of it, until when it may be paid) and the cash an operator took (received, change).
`method` grows to hold "card_present".

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("provider_request_id", sa.String(length=64)),
    ("upi_qr_payload", sa.String(length=512)),
    ("terminal_id", sa.String(length=32)),
    ("waiting_until_ms", sa.BigInteger()),
    ("cash_received_minor", sa.BigInteger()),
    ("cash_change_minor", sa.BigInteger()),
)


def upgrade() -> None:
    # Plain ADD COLUMNs on both databases (no table copy): rows and their events stay put.
    for name, kind in _COLUMNS:
        op.add_column("payment_sessions", sa.Column(name, kind, nullable=True))
    # SQLite does not enforce a VARCHAR's length, so only PostgreSQL's column needs widening
    # (tables.py spells it so; a batch copy on SQLite would also risk the partial index).
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "payment_sessions", "method", type_=sa.String(length=16), existing_type=sa.String(length=8)
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "payment_sessions", "method", type_=sa.String(length=8), existing_type=sa.String(length=16)
        )
    with op.batch_alter_table("payment_sessions", schema=None) as batch_op:
        for name, _ in reversed(_COLUMNS):
            batch_op.drop_column(name)
