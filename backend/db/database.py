"""Database access that never runs on the event loop, with group commit for writes.

All writes go through one dedicated writer thread holding one connection. The thread takes
every job queued while it was busy, runs each in its own SAVEPOINT (so a job that raises
leaves no trace and does not spoil its neighbours) and commits the whole batch with one
fsync. Under load many requests share one commit, which is how durable writes get past the
one-fsync-per-request ceiling (STACK.md). A job's future resolves only after its commit, so
an acknowledged write is on disk.

Reads run on a small thread pool with their own connections; in WAL mode they never wait
for the writer and see only committed data.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

T = TypeVar("T")
Job = Callable[[Connection], T]

# The asyncio drivers named in SMARTCART_DATABASE_URL run here through their sync twins:
# a sync engine on one writer thread measured faster than the async engine (bench/db_write.py).
_SYNC_DRIVER = {"aiosqlite": "pysqlite", "asyncpg": "psycopg", "aiomysql": "pymysql"}
_MAX_BATCH = 512


def sync_url(url: str) -> str:
    parsed = make_url(url)
    backend, _, driver = parsed.drivername.partition("+")
    if driver in _SYNC_DRIVER:
        parsed = parsed.set(drivername=f"{backend}+{_SYNC_DRIVER[driver]}")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, pool_size: int, begin: str = "BEGIN") -> Engine:
    """An engine with the SQLite settings payments need: WAL, synchronous=FULL, FKs, busy timeout."""
    url = sync_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_size=pool_size, max_overflow=0, pool_pre_ping=True)

    if parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        connect_args={"check_same_thread": False, "timeout": 10},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own implicit BEGIN breaks SAVEPOINT; SQLAlchemy emits BEGIN itself below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin)

    return engine


@dataclass(slots=True)
class _WriteJob:
    fn: Job[Any]
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop


_STOP = object()


class Database:
    def __init__(self, url: str, *, readers: int = 2) -> None:
        self.url = url
        # BEGIN IMMEDIATE takes the write lock up front, so a batch never fails half-way on
        # another process's lock (the admin export CLI reads the same file).
        self._write_engine = make_engine(url, pool_size=1, begin="BEGIN IMMEDIATE")
        self._read_engine = make_engine(url, pool_size=readers)
        self._queue: queue.SimpleQueue[_WriteJob | object] = queue.SimpleQueue()
        self._readers = ThreadPoolExecutor(max_workers=readers, thread_name_prefix="db-read")
        self._writer = threading.Thread(target=self._write_loop, name="db-writer", daemon=True)
        self._writer.start()
        self.batches = 0  # commits made; with jobs_written it shows how well commits are shared
        self.jobs_written = 0

    @property
    def dialect(self) -> str:
        return self._write_engine.dialect.name

    async def write(self, fn: Job[T]) -> T:
        """Run fn(conn) in the writer's transaction; return once it is committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_WriteJob(fn, future, loop))
        return await future

    async def read(self, fn: Job[T]) -> T:
        """Run fn(conn) in a read transaction on a reader thread."""
        return await asyncio.get_running_loop().run_in_executor(self._readers, self._read, fn)

    def read_blocking(self, fn: Job[T]) -> T:
        """For code that already runs off the loop (exports, start-up)."""
        return self._read(fn)

    def _read(self, fn: Job[T]) -> T:
        with self._read_engine.connect() as conn, conn.begin():
            return fn(conn)

    def close(self) -> None:
        self._queue.put(_STOP)
        self._writer.join()
        self._readers.shutdown(wait=True)
        self._write_engine.dispose()
        self._read_engine.dispose()

    def _write_loop(self) -> None:
        with self._write_engine.connect() as conn:
            while True:
                first = self._queue.get()
                if first is _STOP:
                    return
                batch: list[_WriteJob] = [first]  # type: ignore[list-item]
                stop_after = False
                while len(batch) < _MAX_BATCH:
                    try:
                        job = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if job is _STOP:
                        stop_after = True
                        break
                    batch.append(job)  # type: ignore[arg-type]
                self._run_batch(conn, batch)
                if stop_after:
                    return

    def _run_batch(self, conn: Connection, batch: list[_WriteJob]) -> None:
        outcomes: list[tuple[_WriteJob, Any, BaseException | None]] = []
        try:
            with conn.begin():
                for job in batch:
                    savepoint = conn.begin_nested()
                    try:
                        result = job.fn(conn)
                    except Exception as exc:  # the job's own failure: undo only its work
                        savepoint.rollback()
                        outcomes.append((job, None, exc))
                    else:
                        savepoint.commit()
                        outcomes.append((job, result, None))
        except Exception as exc:  # the commit itself failed: nothing in the batch is durable
            log.exception("write batch of %d jobs failed to commit", len(batch))
            outcomes = [(job, None, exc) for job in batch]
        self.batches += 1
        self.jobs_written += len(batch)

        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_WriteJob, Any, BaseException | None]]]
        by_loop = defaultdict(list)
        for outcome in outcomes:
            by_loop[outcome[0].loop].append(outcome)
        for loop, resolved in by_loop.items():
            try:
                loop.call_soon_threadsafe(_resolve_all, resolved)
            except RuntimeError:  # that loop is closed: nobody is waiting any more
                pass


def _resolve_all(outcomes: list[tuple[_WriteJob, Any, BaseException | None]]) -> None:
    for job, result, exc in outcomes:
        if job.future.done():  # the awaiting request was cancelled; the write still stands
            continue
        if exc is None:
            job.future.set_result(result)
        else:
            job.future.set_exception(exc)
