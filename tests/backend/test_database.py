"""The data layer's own promises: concurrent writes share commits; cleanup passes use indexes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import event, insert

from backend.db import migrate
from backend.db.database import Database, make_engine
from backend.db.sessions import passes
from backend.db.tables import Order

ROW = {"status": "PENDING", "currency": "INR", "total_minor": 100, "created_at_ms": 0}


async def test_concurrent_writes_are_committed_together_and_all_kept(database_url: str):
    url = database_url
    migrate.upgrade(url)
    db = Database(url)
    try:
        ids = await asyncio.gather(*(
            db.write(lambda conn: conn.execute(insert(Order), ROW).inserted_primary_key[0])
            for _ in range(200)))
        assert db.jobs_written == 200
        assert db.batches < 100  # group commit: many requests per fsync, not one each
        assert len(set(ids)) == 200
    finally:
        db.close()


async def test_a_failing_job_loses_only_its_own_work(database_url: str):
    url = database_url
    migrate.upgrade(url)
    db = Database(url)

    def half_then_fail(conn):  # type: ignore[no-untyped-def]
        conn.execute(insert(Order), ROW)
        raise ValueError("refused after writing")

    try:
        results = await asyncio.gather(
            db.write(lambda conn: conn.execute(insert(Order), ROW)),
            db.write(half_then_fail),
            db.write(lambda conn: conn.execute(insert(Order), ROW)),
            return_exceptions=True,
        )
        assert isinstance(results[1], ValueError)
        count = await db.read(lambda conn: conn.exec_driver_sql("SELECT count(*) FROM orders").scalar_one())
        assert count == 2
    finally:
        db.close()


@pytest.mark.sqlite_only("reads SQLite's EXPLAIN QUERY PLAN")
def test_every_cleanup_statement_uses_an_index(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    migrate.upgrade(url)
    engine = make_engine(url, pool_size=1)
    statements: list[tuple[str, object]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def capture(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        # The passes find their rows with one SELECT (then change them by id) and purge with a DELETE.
        if statement.lstrip().split()[0] in ("SELECT", "DELETE"):
            statements.append((statement, parameters))

    with engine.connect() as conn, conn.begin():
        passes.expire_untouched(conn, 10**13, steady_ms=10**13)
        passes.mark_contacted_for_expiry(conn, 10**13, steady_ms=10**13)
        passes.purge_finished(conn, 10**13)
        event.remove(engine, "before_cursor_execute", capture)
        plans = [
            " | ".join(row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params))
            for sql, params in statements
        ]
    engine.dispose()

    # The two expiry passes, then the purge; each range served by its index.
    assert len(plans) == 3
    for plan in plans[:2]:
        assert "USING INDEX ix_payment_sessions_status_expires (status=? AND expires_at_ms<?)" in plan, plan
    assert "ix_payment_sessions_status_finished (status=? AND finished_at_ms<?)" in plans[2]
