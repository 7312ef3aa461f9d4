"""Export benchmark: time and peak memory of the CSV, JSON and PDF exports at 10k and 100k sessions.

    .venv/bin/python bench/export_bench.py [--sizes 10000,100000] [--keep DIR]

For each size it builds a SQLite database with the real schema (alembic migrations) and bulk
inserts that many payment sessions, one order each and their history events. Then every
export runs in a fresh child process, through the same ExportJob the API and the CLI use:
`csv`, `json`, `pdf` write a file like the CLI; `csv-api` streams through ThreadedStream into
an asyncio consumer like the HTTP endpoint. Each case runs twice: once plain for the time and
the process's peak RSS (ru_maxrss), once under tracemalloc for the peak of Python allocations
(tracemalloc slows the run, so its time is not reported). Peak memory that does not grow from
10k to 100k sessions shows that the rows are streamed, not held.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CASES = ("csv", "json", "pdf", "csv-api")
DAY_MS = 86_400_000
START_MS = 1_790_000_000_000  # 2026-09-21, an arbitrary fixed start

_STATUSES = (
    ("COMPLETED", 70), ("DECLINED", 8), ("CANCELLED", 8), ("EXPIRED", 5),
    ("FAILED_MAX_RETRIES", 3), ("INTERRUPTED", 4), ("INITIATED", 2),
)
_REASONS = ("TIMEOUT", "NETWORK_ERROR", "GATEWAY_ERROR", "APP_CLOSED", "CRASH_RECOVERED")
_BRANDS = (("visa", "4242"), ("mastercard", "4444"), ("rupay", "6011"), ("amex", "0005"))
_TERMINAL = {"COMPLETED", "DECLINED", "CANCELLED", "EXPIRED", "FAILED_MAX_RETRIES"}


# ---- building the database ------------------------------------------------------------------


def build_database(path: Path, sessions: int, *, seed: int = 7) -> str:
    from sqlalchemy import create_engine, insert

    from backend.db import migrate
    from backend.db.tables import Order, PaymentSession, SessionEvent

    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    rng = random.Random(seed)
    statuses = [s for s, weight in _STATUSES for _ in range(weight)]
    span_ms = 30 * DAY_MS
    engine = create_engine(url)
    batch = 5000
    with engine.begin() as conn:
        for first in range(0, sessions, batch):
            orders, rows, events = [], [], []
            for n in range(first, min(first + batch, sessions)):
                created = START_MS + n * span_ms // sessions + rng.randrange(1000)
                status = rng.choice(statuses)
                amount = rng.randrange(20, 400) * 500
                method = None if status in ("INITIATED", "EXPIRED", "CANCELLED") else rng.choice(
                    ("card", "card", "upi", "cash") if status == "COMPLETED" else ("card", "upi")
                )
                brand, last4 = rng.choice(_BRANDS) if method == "card" else (None, None)
                interruptions = rng.choice((0,) * 17 + (1, 1, 2)) if method in ("card", "upi") else 0
                if status in ("INTERRUPTED", "FAILED_MAX_RETRIES"):
                    interruptions = max(interruptions, 1)
                reasons = [rng.choice(_REASONS) for _ in range(interruptions)]
                finished = created + rng.randrange(5_000, 120_000) if status in _TERMINAL else None
                orders.append({
                    "id": n + 1, "status": "PAID" if status == "COMPLETED" else "PENDING",
                    "currency": "INR", "total_minor": amount, "created_at_ms": created - 2000,
                    "paid_at_ms": finished if status == "COMPLETED" else None,
                })
                session_id = f"{rng.getrandbits(128):032x}"
                rows.append({
                    "id": session_id, "order_id": n + 1, "status": status, "version": 3,
                    "idempotency_key": "sc_" + session_id, "amount_minor": amount, "currency": "INR",
                    "attempts": min(3, interruptions + (1 if method and method != "cash" else 0)),
                    "max_attempts": 3, "interruptions": interruptions,
                    "last_interruption_reason": reasons[-1] if reasons else None,
                    "gateway_contacted": method in ("card", "upi"), "outcome_unknown": False,
                    "settle_to": None, "method": method, "card_brand": brand, "card_last4": last4,
                    "upi_id": "asha@upi" if method == "upi" else None,
                    "decline_code": "card_declined" if status == "DECLINED" else None,
                    "gateway_charge_id": f"ch_{session_id[:24]}" if status == "COMPLETED" and method != "cash" else None,
                    "created_at_ms": created, "updated_at_ms": finished or created,
                    "expires_at_ms": created + 900_000, "finished_at_ms": finished,
                })
                events.append(_event(session_id, created, "created", None, "INITIATED"))
                if method in ("card", "upi"):
                    events.append(_event(session_id, created + 100, "attempt", "INITIATED", "PROCESSING"))
                for i, reason in enumerate(reasons):
                    events.append(_event(session_id, created + 200 + i, "interrupted", "PROCESSING", "INTERRUPTED", reason))
                if finished is not None:
                    events.append(_event(session_id, finished, status.lower(), None, status))
            conn.execute(insert(Order), orders)
            conn.execute(insert(PaymentSession), rows)
            conn.execute(insert(SessionEvent), events)
    engine.dispose()
    return url


def _event(session_id: str, at: int, kind: str, source: str | None, target: str, reason: str | None = None) -> dict:
    return {"session_id": session_id, "at_ms": at, "kind": kind, "from_status": source,
            "to_status": target, "attempt": None, "reason": reason, "detail": None}


# ---- one measured export (in a child process) -------------------------------------------------


def measure(url: str, case: str, out: Path, traced: bool) -> dict:
    from backend.exports import Criteria, ExportJob, ThreadedStream

    fmt = "csv" if case == "csv-api" else case
    job = ExportJob(url, fmt, Criteria(), generated_at_ms=START_MS + 31 * DAY_MS)  # type: ignore[arg-type]
    base_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    loop_lag = None
    if case == "csv-api":
        size, loop_lag = asyncio.run(_consume(ThreadedStream, job))
    else:
        job.write_file(out)
        size = out.stat().st_size
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else None
    return {
        "seconds": elapsed,
        "bytes": size,
        "sessions": job.count,
        "traced_peak_bytes": peak,
        "max_loop_lag_s": loop_lag,
        "rss_before_kib": base_rss_kib,
        "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


async def _consume(stream_type: type, job: object) -> tuple[int, float]:
    """Take the chunks as the HTTP handler does; meanwhile measure how late a 5 ms ticker runs."""
    lag = 0.0

    async def ticker() -> None:
        nonlocal lag
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + 0.005
            await asyncio.sleep(0.005)
            lag = max(lag, loop.time() - due)

    ticking = asyncio.create_task(ticker())
    stream = stream_type(job.chunks).start()  # type: ignore[attr-defined]
    size = 0
    try:
        while (chunk := await stream.next()) is not None:
            size += len(chunk)
            await asyncio.sleep(0)  # a socket write would yield to the loop here
    finally:
        stream.close()
        ticking.cancel()
    return size, lag


def _child(url: str, case: str, out: Path, traced: bool) -> dict:
    command = [sys.executable, __file__, "--measure", url, case, str(out)] + (["--traced"] if traced else [])
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- driver -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--keep", type=Path, help="build the databases and exports here and keep them")
    parser.add_argument("--measure", nargs=3, metavar=("URL", "CASE", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        url, case, out = args.measure
        print(json.dumps(measure(url, case, Path(out), args.traced)))
        return 0

    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="export-bench-") as temp:
        work = args.keep or Path(temp)
        work.mkdir(parents=True, exist_ok=True)
        print(f"{'sessions':>9} {'case':<8} {'time s':>7} {'rows/s':>9} {'output':>9} "
              f"{'tracemalloc peak':>17} {'ru_maxrss':>10} {'rss before':>10}")
        for size in sizes:
            db = work / f"sessions-{size}.db"
            db.unlink(missing_ok=True)
            started = time.perf_counter()
            url = build_database(db, size)
            print(f"# built {size:,} sessions in {time.perf_counter() - started:.1f} s "
                  f"({db.stat().st_size / 2**20:.1f} MiB)", flush=True)
            for case in CASES:
                out = work / f"export-{size}.{case.replace('-api', '')}"
                plain = _child(url, case, out, traced=False)
                traced = _child(url, case, out, traced=True)
                rate = f"{plain['sessions'] / plain['seconds']:,.0f}" if case != "pdf" else "-"
                lag = plain["max_loop_lag_s"]
                print(f"{size:>9,} {case:<8} {plain['seconds']:>7.2f} {rate:>9} "
                      f"{plain['bytes'] / 2**20:>7.1f}Mi {traced['traced_peak_bytes'] / 2**20:>15.1f}Mi "
                      f"{plain['maxrss_kib'] / 1024:>8.1f}Mi {plain['rss_before_kib'] / 1024:>8.1f}Mi"
                      + (f"   max event-loop lag {lag * 1000:.1f} ms" if lag is not None else ""),
                      flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
