"""Which way to write to SQLite off the event loop? Durable single-row transactions from many
concurrent requests, measured three ways on the same schema:

  1. SQLAlchemy's asyncio engine (aiosqlite), one transaction per request;
  2. a sync engine on a thread pool, one transaction per request;
  3. backend.db.database.Database: one writer thread, concurrent requests committed together.

    .venv/bin/pip install aiosqlite   # only this bench needs it
    .venv/bin/python bench/db_write.py [--requests 5000] [--concurrency 64]

All with WAL and synchronous=FULL; each "request" inserts one order row.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import event, insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.db import migrate  # noqa: E402
from backend.db.database import Database, make_engine  # noqa: E402
from backend.db.tables import Order  # noqa: E402

ROW = {"status": "PENDING", "currency": "INR", "total_minor": 100, "created_at_ms": 0}


async def bounded(requests: int, concurrency: int, one) -> float:  # type: ignore[no-untyped-def]
    gate = asyncio.Semaphore(concurrency)

    async def request() -> None:
        async with gate:
            await one()

    start = time.perf_counter()
    await asyncio.gather(*(request() for _ in range(requests)))
    return requests / (time.perf_counter() - start)


async def async_engine(path: Path, requests: int, concurrency: int) -> float:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(f"sqlite+aiosqlite:///{path}", pool_size=1, max_overflow=0)

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    async def one() -> None:
        async with engine.begin() as conn:
            await conn.execute(insert(Order), ROW)

    try:
        return await bounded(requests, concurrency, one)
    finally:
        await engine.dispose()


async def thread_pool(path: Path, requests: int, concurrency: int) -> float:
    engine = make_engine(f"sqlite:///{path}", pool_size=4, begin="BEGIN IMMEDIATE")
    pool = ThreadPoolExecutor(max_workers=4)

    def write() -> None:
        with engine.begin() as conn:
            conn.execute(insert(Order), ROW)

    async def one() -> None:
        await asyncio.get_running_loop().run_in_executor(pool, write)

    try:
        return await bounded(requests, concurrency, one)
    finally:
        pool.shutdown()
        engine.dispose()


async def group_commit(path: Path, requests: int, concurrency: int) -> float:
    db = Database(f"sqlite:///{path}")

    async def one() -> None:
        await db.write(lambda conn: conn.execute(insert(Order), ROW))

    try:
        return await bounded(requests, concurrency, one)
    finally:
        db.close()


async def main(requests: int, concurrency: int) -> None:
    for name, run in (("async engine (aiosqlite), commit per request", async_engine),
                      ("sync engine on a thread pool, commit per request", thread_pool),
                      ("one writer thread, group commit (backend.db)", group_commit)):
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "bench.db"
            migrate.upgrade(f"sqlite:///{path}")
            rate = await run(path, requests, concurrency)
            engine = make_engine(f"sqlite:///{path}", pool_size=1)
            with engine.connect() as conn:
                stored = conn.execute(text("SELECT count(*) FROM orders")).scalar_one()
            engine.dispose()
            print(f"{name:52s} {rate:8.0f} writes/s  ({stored} rows stored)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.concurrency))
