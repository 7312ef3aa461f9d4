"""64-bit ids on PostgreSQL: orders, order items and session events, and the columns naming an order

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

The API accepts order ids up to 2**62; 0001 made these columns INTEGER, which is 32-bit on
PostgreSQL (and its SERIAL sequences stop at 2**31 - 1). ALTER … TYPE bigint rewrites each table
in place and keeps every row; the indexes and foreign keys on the columns are rebuilt with them.

SQLite's INTEGER is 64-bit already, so there is nothing to do there. Batch mode would copy the
tables instead, and with foreign keys on, dropping the old `orders` or `payment_sessions` would
cascade-delete the rows that refer to them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Referencing columns first, then the keys they refer to.
_COLUMNS = [
    ("order_items", "order_id"),
    ("payment_sessions", "order_id"),
    ("orders", "id"),
    ("order_items", "id"),
    ("session_events", "id"),
]
_SERIAL = ["orders", "order_items", "session_events"]


def _on_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _sequences() -> list[str]:
    bind = op.get_bind()
    names = (
        bind.execute(sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table}).scalar()
        for table in _SERIAL
    )
    return [name for name in names if name]


def upgrade() -> None:
    if not _on_postgresql():
        return
    for table, column in _COLUMNS:
        op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=False)
    # A SERIAL's sequence is typed too: AS bigint also lifts its maximum to 2**63 - 1.
    for sequence in _sequences():
        op.execute(f"ALTER SEQUENCE {sequence} AS bigint")


def downgrade() -> None:
    if not _on_postgresql():
        return
    for sequence in _sequences():
        op.execute(f"ALTER SEQUENCE {sequence} AS integer")
    for table, column in reversed(_COLUMNS):
        op.alter_column(table, column, type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=False)
