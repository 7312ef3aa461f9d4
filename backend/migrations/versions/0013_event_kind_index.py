"""an index on session_events(kind, reason): /metrics counts look-ups and interruptions by kind
and reason at every scrape (backend/observability/counts.py); without it each scrape reads
every event of the fleet

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_session_events_kind_reason", "session_events", ["kind", "reason"])


def downgrade() -> None:
    op.drop_index("ix_session_events_kind_reason", table_name="session_events")
