"""Statements written with SQLAlchemy Core, compiled once per dialect, run on the driver cursor.

The writer thread shares the interpreter lock with the event loop, so every microsecond it
spends per request is taken from serving requests. SQLAlchemy's per-execution machinery
(events, execution context, result wrapping) costs about 60 µs a statement, more than SQLite
itself; for the handful of statements on the payment hot path we keep SQLAlchemy for what it
is best at — writing portable SQL — and hand the compiled text straight to the DBAPI driver.

Only plain bound parameters are supported (no expanding IN, no SQL-side defaults): a
statement that needs more is run through SQLAlchemy as usual.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Select, Table
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

_CURSOR = "smartcart_raw_cursor"


def driver_cursor(conn: Connection) -> Any:
    """One DBAPI cursor per connection, kept with it in SQLAlchemy's per-connection info."""
    cursor = conn.info.get(_CURSOR)
    if cursor is None:
        cursor = conn.info[_CURSOR] = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    return cursor


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    positional: tuple[str, ...] | None  # parameter order for qmark/format drivers
    columns: tuple[str, ...]


class Prepared:
    def __init__(self, statement: ClauseElement) -> None:
        self._statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def _for(self, conn: Connection) -> _Compiled:
        dialect = conn.dialect
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            sql = cast(SQLCompiler, self._statement.compile(dialect=dialect))
            columns = tuple(c.key for c in getattr(self._statement, "selected_columns", ()))
            compiled = _Compiled(
                sql=str(sql),
                positional=tuple(sql.positiontup or ()) if sql.positional else None,
                columns=columns,
            )
            self._compiled[dialect.name] = compiled
        return compiled

    def _execute(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        compiled = self._for(conn)
        cursor = driver_cursor(conn)
        arguments: Sequence[Any] | Mapping[str, Any] = (
            params if compiled.positional is None else tuple(params[name] for name in compiled.positional)
        )
        cursor.execute(compiled.sql, arguments)
        return cursor

    def run(self, conn: Connection, params: Mapping[str, Any]) -> int:
        """Execute a DML statement; returns the number of rows it touched."""
        return int(self._execute(conn, params).rowcount)

    def one(self, conn: Connection, params: Mapping[str, Any]) -> dict[str, Any] | None:
        cursor = self._execute(conn, params)
        row = cursor.fetchone()
        cursor.fetchall()  # drain, so the cursor is free for the next statement
        return dict(zip(self._for(conn).columns, row, strict=True)) if row is not None else None

    def all(self, conn: Connection, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        columns = self._for(conn).columns
        return [dict(zip(columns, row, strict=True)) for row in self._execute(conn, params).fetchall()]


class PreparedIn:
    """A SELECT whose only parameter is one expanding IN list (`bindparam(..., expanding=True)`).

    qmark drivers get the compiled text with the list spelled out as `?, ?, …`; others go
    through SQLAlchemy.
    """

    def __init__(self, statement: Select[Any], parameter: str) -> None:
        self._statement = statement
        self._parameter = parameter
        self._columns = tuple(str(c.key) for c in statement.selected_columns)
        self._sql: dict[str, str] = {}

    def all(self, conn: Connection, values: Sequence[Any]) -> list[dict[str, Any]]:
        if not values:
            return []
        if conn.dialect.paramstyle != "qmark":
            rows = conn.execute(self._statement, {self._parameter: list(values)})
            return [dict(row._mapping) for row in rows]
        sql = self._sql.get(conn.dialect.name)
        if sql is None:
            sql = self._sql[conn.dialect.name] = str(self._statement.compile(dialect=conn.dialect))
        text = sql.replace(f"__[POSTCOMPILE_{self._parameter}]", ", ".join("?" * len(values)))
        cursor = driver_cursor(conn)
        cursor.execute(text, list(values))
        return [dict(zip(self._columns, row, strict=True)) for row in cursor.fetchall()]


class InsertMany:
    """Many rows in one INSERT … VALUES (…), (…) statement.

    On SQLite each statement costs one hand-over of the interpreter lock (see above); an
    executemany() costs one per row. Other dialects use SQLAlchemy's executemany.
    """

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        self._table = table
        self._columns = tuple(columns)
        self._row = "(" + ", ".join("?" * len(self._columns)) + ")"
        self._head = f"INSERT INTO {table.name} ({', '.join(self._columns)}) VALUES "

    def run(self, conn: Connection, rows: Sequence[Sequence[Any]]) -> None:
        """`rows` hold their values in the order of `columns`."""
        if not rows:
            return
        if conn.dialect.paramstyle != "qmark":
            conn.execute(self._table.insert(), [dict(zip(self._columns, row, strict=True)) for row in rows])
            return
        sql = self._head + ", ".join([self._row] * len(rows))
        driver_cursor(conn).execute(sql, [value for row in rows for value in row])
