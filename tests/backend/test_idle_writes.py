"""Zero writes while idle: with nothing to forward, reconcile or expire, a running backend
commits nothing, so a kiosk's flash is not worn by a server waiting for customers.

"A minute" runs in well under a second: every period is shrunk through the settings, so the
window below holds at least as many passes of every background loop as a real idle minute
(60 reconciler and forwarder passes, 6 heartbeats, and more cleanup passes than the one every
5 minutes)."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
from aiohttp import web

from backend import app_keys
from backend.db import leases
from backend.db.sessions import reads
from backend.db.tables import Lease
from tests.backend.api import eventually
from tests.backend.conftest import MovableClock

# Every background period shrunk; offline payments off (the default).
IDLE = {
    "instance_lease_s": 0.15,  # a heartbeat every 50 ms
    "reconcile_min_s": 0.005,  # reconciler and forwarder: a pass every 5 ms while idle
    "reconcile_max_s": 0.05,
    "health_probe_s": 0.02,
    "cleanup_interval_s": 0.02,
}
PASSES = 120  # reconciler and forwarder passes: two idle minutes' worth
BEATS = 12  # heartbeats: two minutes' worth at the default 30 s lease
CLEANUPS = 10  # cleanup passes (one per 5 minutes by default)


@contextlib.contextmanager
def write_counter(database_url: str, data_dir: Path) -> Iterator[Callable[[], Any]]:
    """A probe of everything a commit changes, read from outside the server.

    SQLite: the files' sizes and `PRAGMA data_version`, which another connection's commit moves.
    PostgreSQL: for every table of this test's database, its row count and the highest
    xmin and xmax of its rows: an insert or update leaves a row stamped with a new transaction
    id, a delete lowers the count, and a row lock (SELECT ... FOR UPDATE) stamps xmax. It is
    read per database because the cluster is shared with the rest of the run (autovacuum's
    ANALYZE of other databases takes transaction ids too); `pg_stat_database.xact_commit` is no
    measure, it counts read-only transactions (every pass reads)."""
    if database_url.startswith("sqlite"):
        path = data_dir / "kiosk.db"
        conn = sqlite3.connect(path)
        try:

            def probe() -> Any:
                wal = path.with_name("kiosk.db-wal")
                version = conn.execute("PRAGMA data_version").fetchone()[0]
                return (path.stat().st_size, wal.stat().st_size if wal.exists() else None, version)

            yield probe
        finally:
            conn.close()
        return
    pg = psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True)
    try:

        tables = [row[0] for row in pg.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )]
        assert "payment_sessions" in tables

        def pg_probe() -> Any:
            return {
                table: pg.execute(
                    f'SELECT count(*), max(xmin::text::bigint), max(xmax::text::bigint) FROM "{table}"'
                ).fetchone()
                for table in tables
            }

        yield pg_probe
    finally:
        pg.close()


async def settle(app: web.Application) -> None:
    """Wait until the background loops have each run a few times since now."""
    reconciler, forwarder, instance = (app[app_keys.RECONCILER], app[app_keys.FORWARDER],
                                       app[app_keys.INSTANCE])
    start = (reconciler.passes, forwarder.passes, instance.beats)

    async def counts() -> tuple[int, int, int]:
        return (reconciler.passes, forwarder.passes, instance.beats)

    await eventually(counts, lambda now: all(n >= s + 3 for n, s in zip(now, start, strict=True)),
                     what="a few passes of every loop")


async def test_an_idle_backend_commits_nothing(start_app, database_url: str, tmp_path: Path):
    api, app, _ = await start_app(**IDLE)
    # Some history first: a completed payment (its driver claimed it, so the lease was renewed)
    # and an open session that is far from expiring.
    paid = await api.session()
    await api.pay(paid)
    await api.wait_for(paid, "COMPLETED")
    await api.session()
    await settle(app)

    reconciler, forwarder, instance = (app[app_keys.RECONCILER], app[app_keys.FORWARDER],
                                       app[app_keys.INSTANCE])
    db = app[app_keys.DATABASE]
    with write_counter(database_url, tmp_path) as probe:
        before = probe()
        start = (reconciler.passes, forwarder.passes, instance.beats, time.monotonic())

        async def window() -> tuple[int, int, int, float]:
            return (reconciler.passes - start[0], forwarder.passes - start[1],
                    instance.beats - start[2], time.monotonic() - start[3])

        await eventually(
            window,
            lambda w: w[0] >= PASSES and w[1] >= PASSES and w[2] >= BEATS
            and w[3] >= CLEANUPS * IDLE["cleanup_interval_s"],
            what="an idle minute's worth of passes",
        )
        assert probe() == before

    # The lease of an idle process lapsed: nothing renewed it while nothing was in flight.
    now = app[app_keys.CLOCK]()
    live = await db.read(lambda conn: conn.execute(leases.live_holders(leases.INSTANCE_PREFIX, now)).all())
    assert live == []
    # ... and the next payment still goes through.
    session_id = await api.session()
    await api.pay(session_id)
    await api.wait_for(session_id, "COMPLETED")


async def test_a_payment_started_after_the_lease_lapsed_is_never_an_orphan(start_app, database_url: str):
    """The claim of a payment and the renewal of a lapsed lease commit together: no other
    process can see the payment as this process's while its lease is run out."""
    clock = MovableClock()
    # A heartbeat every 10 s of real time: none runs during the test, only writes can renew.
    api, app, _ = await start_app(clock=clock, instance_lease_s=30, gateway_delay_s=0.5)
    db, me = app[app_keys.DATABASE], app[app_keys.INSTANCE].id
    session_id = await api.session()
    clock.advance(120)  # idle for two minutes: whatever lease this process had has run out

    await api.pay(session_id)
    await api.wait_for(session_id, "PROCESSING")  # the gateway holds the charge for a second

    now = clock()

    def seen_by_another_process(conn: Any) -> tuple[bool, list[Any], str | None]:
        orphaned = reads.has_orphaned_attempts(conn, "another-instance", now)
        lease = conn.execute(
            Lease.__table__.select().where(Lease.name == leases.INSTANCE_PREFIX + me)  # type: ignore[attr-defined]
        ).all()
        return orphaned, lease, reads.get(conn, session_id).owner

    orphaned, lease, owner = await db.read(seen_by_another_process)
    assert owner == me
    assert lease and lease[0].expires_at_ms > now, lease
    assert not orphaned
    await api.wait_for(session_id, "COMPLETED")
