"""offline-first kiosks that sync (issue 17, item 2): the kiosk's outbox, the server's cursor per
kiosk, the replica mark on sessions received by sync, and the origin ids that make a resent
order or event land once

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every session from before is this database's own: server_default false.
    op.add_column(
        "payment_sessions",
        sa.Column("replica", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("orders", sa.Column("origin_order_id", sa.BigInteger(), nullable=True))
    op.create_index("uq_orders_kiosk_origin", "orders", ["kiosk_id", "origin_order_id"], unique=True)
    op.add_column("session_events", sa.Column("origin_event_id", sa.BigInteger(), nullable=True))
    op.create_index(
        "uq_session_events_session_origin", "session_events", ["session_id", "origin_event_id"], unique=True
    )
    op.create_table(
        "sync_outbox",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_sync_outbox"),
        # AUTOINCREMENT: SQLite's plain rowid hands the highest deleted number out again once
        # the forwarder has emptied the table, and the server would take it for a resend.
        sqlite_autoincrement=True,
    )
    op.create_table(
        "sync_cursors",
        sa.Column("kiosk_id", sa.String(length=32), nullable=False),
        sa.Column("through_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kiosk_id", name="pk_sync_cursors"),
    )


def downgrade() -> None:
    op.drop_table("sync_cursors")
    op.drop_table("sync_outbox")
    op.drop_index("uq_session_events_session_origin", table_name="session_events")
    with op.batch_alter_table("session_events", schema=None) as batch_op:
        batch_op.drop_column("origin_event_id")
    op.drop_index("uq_orders_kiosk_origin", table_name="orders")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("origin_order_id")
    with op.batch_alter_table("payment_sessions", schema=None) as batch_op:
        batch_op.drop_column("replica")
