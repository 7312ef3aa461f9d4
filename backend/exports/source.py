"""A dedicated, read-only database connection for one export.

An export may last as long as a slow download. It therefore never borrows a connection (or a
thread) from the kiosk's Database, whose two readers serve every status poll: each export opens
its own connection and closes it when done. On SQLite the file is opened read-only
(`mode=ro`), which is safe beside a running kiosk: in WAL mode readers never block the writer
and see one consistent snapshot for the whole read transaction. A missing file is an error,
never silently created. Other databases (PostgreSQL) use one REPEATABLE READ transaction, so
the totals and the list of a report agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from backend.db.database import sync_url


class SourceError(Exception):
    """The database to export from cannot be used (missing file, in-memory URL)."""


def _sqlite_path(url: URL) -> Path:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        raise SourceError(f"Exports need a SQLite database file, not {database or 'an in-memory database'!r}.")
    path = Path(database).expanduser().resolve()
    if not path.is_file():
        raise SourceError(f"No database file at {path}.")
    return path


def read_engine(database_url: str) -> Engine:
    url = make_url(sync_url(database_url))
    if url.get_backend_name() != "sqlite":
        return create_engine(url, poolclass=NullPool, isolation_level="REPEATABLE READ")

    path = _sqlite_path(url)
    read_only = URL.create(
        "sqlite+pysqlite",
        database=f"file:{quote(str(path))}",
        query={"mode": "ro", "uri": "true"},
    )
    engine = create_engine(read_only, poolclass=NullPool, connect_args={"timeout": 10})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's BEGIN below open the transaction (pysqlite would not for a SELECT),
        # so that every query of one export reads the same snapshot.
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


@contextmanager
def read_connection(database_url: str) -> Iterator[Connection]:
    """One read transaction on its own connection; closed (and rolled back) on exit."""
    engine = read_engine(database_url)
    try:
        with engine.connect() as conn, conn.begin():
            yield conn
    finally:
        engine.dispose()
