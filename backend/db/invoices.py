"""Giving out invoice numbers: one counter row per series and financial year, moved on in the
transaction that completes the session.

Why in that transaction: the number and the COMPLETED status commit together or not at all, so a
completion that rolls back (a lost compare-and-set, a failed batch run again) takes its number
back with it: no gap, and no number given twice. The counter's UPDATE takes the row's lock, which
two processes on one PostgreSQL database then wait on in turn (READ COMMITTED re-reads the row
after the wait, so each adds one to what the other committed); on SQLite the writer's
BEGIN IMMEDIATE already makes the transactions take turns.

The series (prefix and time zone) comes from the shop's settings through the writer connection's
`info` (Database(context=…)); a Database made without it numbers in the default series.
"""

from __future__ import annotations

from sqlalchemy import Connection, Executable, update
from sqlalchemy.dialects import postgresql, sqlite

from backend.db.tables import InvoiceCounter, table_of
from backend.receipts.invoice_series import DEFAULT_SERIES, InvoiceSeries

SERIES = "smartcart_invoice_series"  # conn.info key

_C = table_of(InvoiceCounter)


def series_of(conn: Connection) -> InvoiceSeries:
    series = conn.info.get(SERIES, DEFAULT_SERIES)
    assert isinstance(series, InvoiceSeries)
    return series


def next_invoice_number(conn: Connection, at_ms: int) -> str:
    """The next number of the connection's series in the financial year of `at_ms`."""
    series = series_of(conn)
    year = series.financial_year(at_ms)
    serial = _bump(conn, series.prefix, year)
    if serial is None:  # the year's first invoice: start its counter (once, whoever is first)
        conn.execute(_start_counter(conn.dialect.name, series.prefix, year))
        serial = _bump(conn, series.prefix, year)
        assert serial is not None
    return series.number(year, serial)


def _start_counter(dialect: str, prefix: str, year: str) -> Executable:
    # INSERT … ON CONFLICT DO NOTHING: a process that lost the race to create the row waits for
    # the winner's commit, then finds the row there and counts on from it.
    row = {"series": prefix, "financial_year": year, "last_number": 0}
    if dialect == "postgresql":
        return postgresql.insert(_C).values(row).on_conflict_do_nothing()
    return sqlite.insert(_C).values(row).on_conflict_do_nothing()


def _bump(conn: Connection, prefix: str, year: str) -> int | None:
    bumped: int | None = conn.execute(
        update(_C)
        .where(_C.c.series == prefix, _C.c.financial_year == year)
        .values(last_number=_C.c.last_number + 1)
        .returning(_C.c.last_number)
    ).scalar_one_or_none()
    return bumped
