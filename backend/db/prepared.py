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

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Boolean, Connection, Integer, Select, String, Table
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


# The positional placeholder of each driver paramstyle these classes spell out themselves
# (psycopg takes %s even where SQLAlchemy compiles %(name)s); any other goes through SQLAlchemy.
_MARK = {"qmark": "?", "format": "%s", "pyformat": "%s"}


class PreparedIn:
    """A SELECT whose only parameter is one expanding IN list (`bindparam(..., expanding=True)`).

    The text is compiled once per dialect; each run spells the list out as the driver's
    placeholders (`?, ?, …` for SQLite, `%s, %s, …` for psycopg).

    On SQLite the rows come back as one JSON array in one row: Python's sqlite3 lets go of the
    interpreter lock at every row it steps to, and on the writer thread each hand-over means
    waiting for the event loop to give the lock back. Forty rows stepped one by one cost a batch
    of session creates 4 ms of such waits (bench/session_creates.py). Only columns whose values
    JSON carries unchanged (integers, text, booleans stored as 0/1) are read this way, and the
    rows come in no particular order (every caller keys them by id).
    """

    def __init__(self, statement: Select[Any], parameter: str) -> None:
        self._statement = statement
        self._parameter = parameter
        self._token = f"__[POSTCOMPILE_{parameter}]"
        self._columns = tuple(str(c.key) for c in statement.selected_columns)
        self._as_json = all(isinstance(c.type, _JSON_EXACT) for c in statement.selected_columns)
        self._sql: dict[str, tuple[str, bool] | None] = {}  # dialect -> (text, rows as one JSON array)

    def _sql_for(self, conn: Connection) -> tuple[str, bool] | None:
        dialect = conn.dialect
        if dialect.name not in self._sql:
            sql = str(self._statement.compile(dialect=dialect))
            if dialect.paramstyle not in _MARK or sql.count(self._token) != 1:
                self._sql[dialect.name] = None
            elif dialect.name == "sqlite" and self._as_json:
                names = ", ".join(dialect.identifier_preparer.quote(c) for c in self._columns)
                self._sql[dialect.name] = (f"SELECT json_group_array(json_array({names})) FROM ({sql})", True)
            else:
                self._sql[dialect.name] = (sql, False)
        return self._sql[dialect.name]

    def all(self, conn: Connection, values: Sequence[Any]) -> list[dict[str, Any]]:
        if not values:
            return []
        compiled = self._sql_for(conn)
        if compiled is None:
            rows = conn.execute(self._statement, {self._parameter: list(values)})
            return [dict(row._mapping) for row in rows]
        sql, as_json = compiled
        marks = ", ".join([_MARK[conn.dialect.paramstyle]] * len(values))
        cursor = driver_cursor(conn)
        cursor.execute(sql.replace(self._token, marks), list(values))
        if as_json:
            (array,) = cursor.fetchone()
            found = json.loads(array)
        else:
            found = cursor.fetchall()
        return [dict(zip(self._columns, row, strict=True)) for row in found]


# Column types whose every value survives SQLite's json_array() and json.loads() as it was
# (an Enum is a String; BigInteger an Integer). Not floats (printed to 15 digits), not blobs.
_JSON_EXACT = (Integer, String, Boolean)


class InsertMany:
    """Many rows in one INSERT … VALUES (…), (…) statement, run on the driver cursor.

    On SQLite each statement costs one hand-over of the interpreter lock (see above); an
    executemany() costs one per row. Names are quoted and placeholders spelled per dialect.
    """

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        self._table = table
        self._columns = tuple(columns)
        self._parts: dict[str, tuple[str, str] | None] = {}  # dialect -> (INSERT … VALUES, one row)

    def _parts_for(self, conn: Connection) -> tuple[str, str] | None:
        dialect = conn.dialect
        if dialect.name not in self._parts:
            mark = _MARK.get(dialect.paramstyle)
            quote = dialect.identifier_preparer
            head = (
                f"INSERT INTO {quote.format_table(self._table)} "
                f"({', '.join(quote.quote(c) for c in self._columns)}) VALUES "
            )
            self._parts[dialect.name] = (head, "(" + ", ".join([mark] * len(self._columns)) + ")") if mark else None
        return self._parts[dialect.name]

    def run(self, conn: Connection, rows: Sequence[Sequence[Any]]) -> None:
        """`rows` hold their values in the order of `columns`."""
        if not rows:
            return
        parts = self._parts_for(conn)
        if parts is None:
            conn.execute(self._table.insert(), [dict(zip(self._columns, row, strict=True)) for row in rows])
            return
        head, one_row = parts
        driver_cursor(conn).execute(head + ", ".join([one_row] * len(rows)), [v for row in rows for v in row])
