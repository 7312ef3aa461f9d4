"""Bring a database to the current schema with alembic; existing rows are kept.

Several processes may start at once on one database (a fleet on PostgreSQL, or two processes on
one SQLite file): the upgrade runs in one transaction that holds a lock every other upgrader
waits for — a transaction-scoped advisory lock on PostgreSQL, an exclusive transaction on
SQLite — so the second process finds the schema at head and does nothing.

The usual start finds the schema at head: that is one query of alembic's version table, and
alembic itself (a tenth of a second and 11 MB to import) is loaded only when there is work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

from backend.db.database import make_engine

if TYPE_CHECKING:
    from alembic.config import Config

# The newest migration in backend/migrations/versions. tests/backend/test_migrations.py checks
# it against alembic's own reading of the scripts, so a new migration cannot forget it.
HEAD = "0012"

# Any fixed 64-bit number, the same in every process: the key of the migration lock.
_MIGRATION_LOCK_KEY = 0x5C_4D16_0001


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "backend:migrations")
    return config


def current_revisions(conn: Connection) -> frozenset[str]:
    """The revisions alembic recorded in this database; none for an empty database."""
    if not inspect(conn).has_table("alembic_version"):
        return frozenset()
    return frozenset(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _at(conn: Connection, revision: str) -> bool:
    return current_revisions(conn) == {HEAD if revision == "head" else revision}


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
            from alembic import command

            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    finally:
        engine.dispose()
