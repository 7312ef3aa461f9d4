"""payment_sessions.offline_refusal: why a payment could not be accepted offline

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: where SQLite cannot ALTER in place it copies the table with every row,
    # including sessions whose offline payments still wait to be forwarded.
    with op.batch_alter_table("payment_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("offline_refusal", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment_sessions", schema=None) as batch_op:
        batch_op.drop_column("offline_refusal")
