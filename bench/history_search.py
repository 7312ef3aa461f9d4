"""History-list benchmark: the query plan and the time per page of every filter of
GET /api/payments/sessions, on PostgreSQL and SQLite with 1,000,000 sessions.

    .venv/bin/python bench/history_search.py [--sessions 1000000] [--runs 20] [--only postgresql|sqlite]

Each database gets the real schema (alembic migrations), then that many sessions generated in
SQL (generate_series on PostgreSQL, a recursive CTE on SQLite: no rows through Python), one
order each, spread over 90 days with realistic statuses, methods, last 4s, UPI ids and charge
ids; then ANALYZE. For each filter it prints the plan (PostgreSQL's EXPLAIN ANALYZE, SQLite's
EXPLAIN QUERY PLAN) and the median time of one page of 50 over `runs` runs, through the same
statement the endpoint runs (backend/db/sessions/search.py). PostgreSQL is a throwaway cluster
(tests/pg_cluster.py); SQLite is a file in a temporary directory.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Connection, create_engine, text  # noqa: E402

from backend.db import migrate  # noqa: E402
from backend.db.database import sync_url  # noqa: E402
from backend.db.sessions.search import Position, SearchCriteria, page, statement  # noqa: E402
from smartcart_contract.states import Status  # noqa: E402

START_MS = 1_790_000_000_000  # 2026-09-21
SPAN_MS = 90 * 86_400_000

# n is 1..N. Statuses: 70 % COMPLETED, the rest spread; methods card/upi/cash 60/30/10 %.
_STATUS_SQL = """CASE WHEN n % 100 < 70 THEN 'COMPLETED' WHEN n % 100 < 78 THEN 'DECLINED'
 WHEN n % 100 < 86 THEN 'CANCELLED' WHEN n % 100 < 91 THEN 'EXPIRED'
 WHEN n % 100 < 94 THEN 'FAILED_MAX_RETRIES' WHEN n % 100 < 97 THEN 'INTERRUPTED'
 WHEN n % 100 < 99 THEN 'OFFLINE_ACCEPTED' ELSE 'INITIATED' END"""
_METHOD_SQL = "CASE WHEN n % 10 < 6 THEN 'card' WHEN n % 10 < 9 THEN 'upi' ELSE 'cash' END"


def _sessions_sql(hexid: str, pad4: str, series: str) -> str:
    return f"""
INSERT INTO payment_sessions (id, order_id, status, version, idempotency_key, amount_minor,
  currency, attempts, max_attempts, interruptions, gateway_contacted, outcome_unknown, method,
  card_brand, card_last4, upi_id, gateway_charge_id, created_at_ms, updated_at_ms, expires_at_ms,
  finished_at_ms)
SELECT {hexid}, n, {_STATUS_SQL}, 1, 'sc_' || {hexid}, 1000 + (n * 37) % 90000, 'INR', 1, 3, 0,
  {{true}}, {{false}}, {_METHOD_SQL},
  CASE WHEN n % 10 < 6 THEN 'visa' END,
  CASE WHEN n % 10 < 6 THEN {pad4} END,
  CASE WHEN n % 10 >= 6 AND n % 10 < 9 THEN 'payer' || (n % 50000) || '@okbank' END,
  CASE WHEN n % 100 < 70 AND n % 10 < 9 THEN 'ch_' || {hexid} END,
  {START_MS} + n * {SPAN_MS} / :count, {START_MS} + n * {SPAN_MS} / :count + 5000,
  {START_MS} + n * {SPAN_MS} / :count + 900000, {START_MS} + n * {SPAN_MS} / :count + 5000
FROM {series}"""


def fill_postgresql(conn: Connection, count: int) -> None:
    series = "generate_series(1::bigint, :count) AS n"
    conn.execute(text(f"INSERT INTO orders (id, status, currency, total_minor, created_at_ms) "
                      f"SELECT n, 'PAID', 'INR', 1000, {START_MS} FROM {series}"), {"count": count})
    hexid = "md5(n::text)"
    pad4 = "lpad(((n * 7919) % 10000)::text, 4, '0')"
    sql = _sessions_sql(hexid, pad4, series).replace("{true}", "true").replace("{false}", "false")
    conn.execute(text(sql), {"count": count})
    conn.execute(text("SELECT setval(pg_get_serial_sequence('orders', 'id'), :count)"), {"count": count})


def fill_sqlite(conn: Connection, count: int) -> None:
    series = "(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < :count) SELECT n FROM s)"
    conn.execute(text(f"INSERT INTO orders (id, status, currency, total_minor, created_at_ms) "
                      f"SELECT n, 'PAID', 'INR', 1000, {START_MS} FROM {series}"), {"count": count})
    # 32 hex digits from n, unique: its own hex, padded, after a fixed-width mix.
    hexid = "printf('%016x%016x', (n * 2654435761) % 4294967296, n)"
    pad4 = "printf('%04d', (n * 7919) % 10000)"
    sql = _sessions_sql(hexid, pad4, series).replace("{true}", "1").replace("{false}", "0")
    conn.execute(text(sql), {"count": count})


def filters(count: int) -> dict[str, SearchCriteria]:
    mid = START_MS + SPAN_MS // 2
    day = 86_400_000
    return {
        "newest first, no filter": SearchCriteria(),
        "from/to: one day": SearchCriteria(from_ms=mid, until_ms=mid + day),
        "status=COMPLETED": SearchCriteria(status=Status.COMPLETED),
        "status=INITIATED (rare)": SearchCriteria(status=Status.INITIATED),
        "method=cash": SearchCriteria(method="cash"),
        "status+method+day": SearchCriteria(status=Status.DECLINED, method="upi", from_ms=mid, until_ms=mid + day),
        "q=order id": SearchCriteria(text=str(count // 3)),
        "q=last 4": SearchCriteria(text="7919"),
        "q=UPI id": SearchCriteria(text="payer1236@okbank"),
        "q=charge id": SearchCriteria(text="ch_nothing-like-this"),
        "page 2 (cursor), no filter": SearchCriteria(after=Position(mid, "f" * 32)),
        "page 2 (cursor), status": SearchCriteria(status=Status.DECLINED, after=Position(mid, "f" * 32)),
    }


def run(kind: str, url: str, count: int, runs: int) -> None:
    migrate.upgrade(url)
    engine = create_engine(sync_url(url))
    started = time.perf_counter()
    with engine.begin() as conn:
        (fill_postgresql if kind == "postgresql" else fill_sqlite)(conn, count)
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    print(f"\n== {kind}: {count:,} sessions generated in {time.perf_counter() - started:.1f} s")
    with engine.connect() as conn:
        for name, criteria in filters(count).items():
            sql = str(statement(criteria).compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
            if kind == "postgresql":
                rows = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {sql}")
                plan = [row[0] for row in rows]
            else:
                plan = [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
            times = []
            found = 0
            for _ in range(runs):
                t0 = time.perf_counter()
                found = len(page(conn, criteria).sessions)
                times.append(time.perf_counter() - t0)
            print(f"\n-- {name}: {found} rows, median {statistics.median(times) * 1000:.2f} ms per page")
            for line in plan:
                print("   " + line)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", choices=("postgresql", "sqlite"))
    args = parser.parse_args()
    if args.only in (None, "postgresql"):
        from tests.pg_cluster import PgCluster

        cluster = PgCluster.start()
        try:
            run("postgresql", cluster.url(), args.sessions, args.runs)
        finally:
            cluster.stop()
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory(prefix="history-bench-") as directory:
            run("sqlite", f"sqlite:///{Path(directory) / 'kiosk.db'}", args.sessions, args.runs)


if __name__ == "__main__":
    main()
