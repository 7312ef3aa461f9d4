"""Bring a database to the current schema with alembic; existing rows are kept.

Several processes may start at once on one database (a fleet on PostgreSQL, or two processes on
one SQLite file): the upgrade runs in one transaction that holds a lock every other upgrader
waits for — a transaction-scoped advisory lock on PostgreSQL, an exclusive transaction on
SQLite — so the second process finds the schema at head and does nothing.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from backend.db.database import make_engine

# Any fixed 64-bit number, the same in every process: the key of the migration lock.
_MIGRATION_LOCK_KEY = 0x5C_4D16_0001


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", "backend:migrations")
    return config


def _at(conn: Connection, revision: str) -> bool:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads() if revision == "head" else [revision]
    return set(MigrationContext.configure(conn).get_current_heads()) == set(heads)


def upgrade(url: str, revision: str = "head") -> None:
    """Blocking: call it from a thread, never from the event loop."""
    # On SQLite the engine's BEGIN EXCLUSIVE is the lock, taken by the first statement.
    engine = make_engine(url, pool_size=1, begin="BEGIN EXCLUSIVE")
    try:
        with engine.connect() as conn, conn.begin():
            if _at(conn, revision):
                return  # the usual start: nothing to do
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            # Alembic reads the version again under the lock and joins this transaction.
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    finally:
        engine.dispose()
