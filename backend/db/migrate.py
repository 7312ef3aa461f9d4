"""Bring a database to the current schema with alembic; existing rows are kept.

Several processes may start at once on one database (a fleet on PostgreSQL, or two processes on
one SQLite file): the upgrade runs in one transaction that holds a lock every other upgrader
waits for — a transaction-scoped advisory lock on PostgreSQL, an exclusive transaction on
SQLite — so the second process finds the schema at head and does nothing.

The usual start finds the schema at head: that is one query of alembic's version table.
When there is work (a first run, an upgrade) alembic runs in a child process: alembic and the
migration scripts (15 MB resident) would otherwise stay loaded in the kiosk for good.
"""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import DBAPIError

import backend
from backend.db.database import make_engine

if TYPE_CHECKING:
    from alembic.config import Config

# The newest migration in backend/migrations/versions. tests/backend/test_migrations.py checks
# it against alembic's own reading of the scripts, so a new migration cannot forget it.
HEAD = "0014"

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


class MigrationFailed(RuntimeError):
    """The schema could not be brought up to date; the database is as it was before."""


def upgrade(url: str, revision: str = "head") -> None:
    """Blocking: call it from a thread, never from the event loop. Raises MigrationFailed."""
    if not at_revision(url, revision):
        _upgrade_in_child(url, revision)


def at_revision(url: str, revision: str = "head") -> bool:
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn, conn.begin():
            return _at(conn, revision)
    finally:
        engine.dispose()


def _upgrade_in_child(url: str, revision: str) -> None:
    # The child imports the same backend as this process, wherever that was imported from.
    source = str(Path(backend.__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")])))
    done = subprocess.run(
        [sys.executable, "-m", "backend.db.migrate", revision],
        input=url,  # not on the command line, where other users could read a password in it
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        cause = lines[-1] if lines else f"the migration process exited with status {done.returncode}"
        raise MigrationFailed(
            f"The database could not be brought up to the current schema ({revision}): {cause}. "
            "Its transaction was rolled back, so the database is as it was before this start."
        )


def upgrade_here(url: str, revision: str = "head") -> None:
    """The upgrade itself, with alembic, in this process."""
    # On SQLite the engine's BEGIN EXCLUSIVE is the lock, taken by the first statement.
    engine = make_engine(url, pool_size=1, begin="BEGIN EXCLUSIVE")
    try:
        with engine.connect() as conn, conn.begin():
            if _at(conn, revision):
                return  # another process was first
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            # Alembic reads the version again under the lock and joins this transaction.
            from alembic import command

            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def _child_main() -> int:
    """The child process of _upgrade_in_child: its last line on stderr says what failed."""
    try:
        upgrade_here(sys.stdin.read(), sys.argv[1])
    except Exception as exc:
        traceback.print_exc()
        cause = exc.orig if isinstance(exc, DBAPIError) else exc  # the database's own words
        print(f"{type(cause).__name__}: {cause}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_child_main())
