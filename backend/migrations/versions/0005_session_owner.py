"""payment_sessions.owner: the backend instance that drives a session's attempts

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases (no table copy): rows and their events stay put.
    # Sessions from before have no owner; any instance may take them over.
    op.add_column("payment_sessions", sa.Column("owner", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment_sessions", schema=None) as batch_op:
        batch_op.drop_column("owner")
