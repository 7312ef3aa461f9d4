"""Alembic environment: always handed a live connection by backend.db.migrate."""

from alembic import context

from backend.db.tables import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things in place; batch mode copies the table and keeps its rows.
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
