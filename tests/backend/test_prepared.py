"""Statements run on the driver cursor (backend/db/prepared.py) read back exactly what is stored.

On SQLite a PreparedIn reads its rows as one JSON array (one step instead of one per row):
the values must survive that trip unchanged, and a column JSON would not carry exactly must
still be read row by row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, Float, Integer, MetaData, String, Table, bindparam, select

from backend.db.database import make_engine
from backend.db.prepared import PreparedIn

_META = MetaData()
_THINGS = Table(
    "things",
    _META,
    Column("id", Integer, primary_key=True),
    Column("big", BigInteger),
    Column("label", String(200)),
    Column("flag", Boolean),
)
_MEASURES = Table("measures", _META, Column("id", Integer, primary_key=True), Column("value", Float))

_ROWS: list[dict[str, Any]] = [
    {"id": 1, "big": 2**62, "label": 'quote " backslash \\ and newline\n', "flag": True},
    {"id": 2, "big": -(2**63), "label": "नमस्ते, ₹ 80.00", "flag": False},
    {"id": 3, "big": None, "label": None, "flag": None},
    {"id": 4, "big": 0, "label": '{"looks": ["like", "json"]}', "flag": True},
    {"id": 5, "big": 7, "label": "", "flag": False},
]

_BY_IDS = PreparedIn(select(_THINGS).where(_THINGS.c.id.in_(bindparam("ids", expanding=True))), "ids")
_MEASURES_BY_IDS = PreparedIn(select(_MEASURES).where(_MEASURES.c.id.in_(bindparam("ids", expanding=True))), "ids")


def test_rows_come_back_as_they_were_stored(database_url: str) -> None:
    engine = make_engine(database_url, pool_size=1)
    try:
        _META.create_all(engine)
        with engine.connect() as conn, conn.begin():
            conn.execute(_THINGS.insert(), _ROWS)
            found = _BY_IDS.all(conn, [1, 2, 3, 4, 5, 99])
            nothing = _BY_IDS.all(conn, [98, 99])
        by_id = {row["id"]: row for row in found}
        assert len(found) == len(_ROWS)
        for expected in _ROWS:
            got = by_id[expected["id"]]
            # SQLite stores booleans as 0/1 either way; the records convert them (mapping.py).
            assert {**got, "flag": None if got["flag"] is None else bool(got["flag"])} == expected
        assert nothing == []
    finally:
        engine.dispose()


def test_a_float_column_keeps_every_digit(database_url: str) -> None:
    """SQLite prints a JSON number to 15 digits: 0.1 + 0.2 would come back as 0.3."""
    engine = make_engine(database_url, pool_size=1)
    try:
        _META.create_all(engine)
        with engine.connect() as conn, conn.begin():
            conn.execute(_MEASURES.insert(), [{"id": 1, "value": 0.1 + 0.2}, {"id": 2, "value": 1e300 / 3}])
            found = {row["id"]: row["value"] for row in _MEASURES_BY_IDS.all(conn, [1, 2])}
        assert found == {1: 0.1 + 0.2, 2: 1e300 / 3}
    finally:
        engine.dispose()
