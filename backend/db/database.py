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
import contextlib
import logging
import queue
import random
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from backend.db.prepared import driver_cursor

log = logging.getLogger(__name__)

T = TypeVar("T")
Item = TypeVar("Item")
R = TypeVar("R")
Job = Callable[[Connection], T]

# The asyncio drivers named in SMARTCART_DATABASE_URL run here through their sync twins: one
# writer thread with group commit measured ~7,000 durable writes/s against ~500 for the
# asyncio engine (aiosqlite) and ~1,200 for a sync engine on a thread pool (bench/db_write.py).
_SYNC_DRIVER = {"aiosqlite": "pysqlite", "asyncpg": "psycopg", "aiomysql": "pymysql"}
_MAX_BATCH = 512
_WRITER_CACHE_MIB = 64


def sync_url(url: str) -> str:
    """The URL with the sync driver this backend runs: an asyncio driver becomes its sync twin,
    and a plain `postgresql://` means psycopg 3 (SQLAlchemy 2.0 would pick psycopg2)."""
    parsed = make_url(url)
    backend, _, driver = parsed.drivername.partition("+")
    if driver in _SYNC_DRIVER:
        parsed = parsed.set(drivername=f"{backend}+{_SYNC_DRIVER[driver]}")
    elif backend == "postgresql" and not driver:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(
    url: str,
    *,
    pool_size: int,
    begin: str = "BEGIN",
    cache_mib: int | None = None,
    busy_timeout_s: float = 10.0,
) -> Engine:
    """An engine with the SQLite settings payments need: WAL, synchronous=FULL, FKs, busy timeout.

    `cache_mib`: SQLite's page cache per connection, when its 2 MiB default is too small.
    """
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
        connect_args={"check_same_thread": False, "timeout": busy_timeout_s},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own implicit BEGIN breaks SAVEPOINT; SQLAlchemy emits BEGIN itself below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _switch_to_wal(cursor, busy_timeout_s)
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        if cache_mib:
            cursor.execute(f"PRAGMA cache_size=-{cache_mib * 1024}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin)

    return engine


def _switch_to_wal(cursor: Any, timeout_s: float) -> None:
    """PRAGMA journal_mode=WAL, waiting for other processes: on a new file the switch needs an
    exclusive lock, and SQLite answers "database is locked" at once, without its busy handler,
    while another process that starts at the same moment holds the file."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "database is locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class BatchOp(Protocol[Item, R]):
    """A write that many requests make at once, done for all of them in a few statements.

    `run_many` must return, for each item, its result or the exception for that item alone;
    an item that fails must have written nothing. `run_one` is the same write for one item,
    used when a batch has to be replayed item by item.
    """

    def run_many(self, conn: Connection, items: list[Item]) -> list[R | Exception]: ...

    def run_one(self, conn: Connection, item: Item) -> R: ...


@dataclass(slots=True)
class _WriteJob:
    fn: Job[Any]
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop
    op: BatchOp[Any, Any] | None = None
    item: Any = None


_STOP = object()


# SQLSTATEs after which the same transaction, run again, can succeed: deadlock detected,
# serialization failure, lock not available.
_TRANSIENT_SQLSTATES = frozenset({"40P01", "40001", "55P03"})


def is_transient(exc: BaseException) -> bool:
    """A failure that says nothing about the work itself: another writer was in the way."""
    # Statements run on the driver's cursor (prepared.py) raise the driver's own errors.
    driver_error = exc.orig if isinstance(exc, DBAPIError) else exc
    if getattr(driver_error, "sqlstate", None) in _TRANSIENT_SQLSTATES:
        return True
    # SQLite: another process held the write lock for longer than the busy timeout.
    return isinstance(driver_error, sqlite3.OperationalError) and "database is locked" in str(driver_error)


class Database:
    def __init__(
        self,
        url: str,
        *,
        readers: int = 2,
        busy_timeout_s: float = 10.0,
        transient_tries: int = 8,
        transient_backoff_s: float = 0.02,
    ) -> None:
        """`busy_timeout_s`: how long SQLite waits for another process's write lock before a
        try fails; `transient_tries` and `transient_backoff_s`: how often, and how soon, a
        batch that met a deadlock or such a lock runs again (the back-off doubles)."""
        self.url = url
        self._transient_tries = max(1, transient_tries)
        self._transient_backoff_s = transient_backoff_s
        # BEGIN IMMEDIATE takes the write lock up front, so a batch never fails half-way on
        # another process's lock (the admin export CLI reads the same file).
        # Each new session lands on a random page of the session-id index; once that index
        # outgrows the default cache every create re-reads its page from the file. 64 MiB holds
        # the indexes of a few hundred thousand sessions (+8% creates/s at 60,000 sessions).
        self._write_engine = make_engine(
            url,
            pool_size=1,
            begin="BEGIN IMMEDIATE",
            cache_mib=_WRITER_CACHE_MIB,
            busy_timeout_s=busy_timeout_s,
        )
        self._read_engine = make_engine(url, pool_size=readers, busy_timeout_s=busy_timeout_s)
        self._queue: queue.SimpleQueue[_WriteJob | object] = queue.SimpleQueue()
        self._readers = ThreadPoolExecutor(max_workers=readers, thread_name_prefix="db-read")
        self._writer = threading.Thread(target=self._write_loop, name="db-writer", daemon=True)
        self._writer.start()
        self.batches = 0  # commits made; with jobs_written it shows how well commits are shared
        self.jobs_written = 0

    async def write(self, fn: Job[T]) -> T:
        """Run fn(conn) in the writer's transaction; return once it is committed.

        fn may run twice (see _run_batch): it must touch nothing but the database.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_WriteJob(fn, future, loop))
        return await future

    async def write_item(self, op: BatchOp[Any, T], item: Any) -> T:
        """Like write(), for a write that is batched with its kind (see BatchOp)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_WriteJob(lambda conn: op.run_one(conn, item), future, loop, op, item))
        return await future

    async def read(self, fn: Job[T]) -> T:
        """Run fn(conn) in a read transaction on a reader thread."""
        return await asyncio.get_running_loop().run_in_executor(self._readers, self._read, fn)

    def _read(self, fn: Job[T]) -> T:
        with self._read_engine.connect() as conn, conn.begin():
            return fn(conn)

    def close(self) -> None:
        self._queue.put(_STOP)
        self._writer.join()
        if self.batches:
            log.info(
                "wrote %d jobs in %d commits (%.1f per commit)",
                self.jobs_written, self.batches, self.jobs_written / self.batches,
            )
        self._readers.shutdown(wait=True)
        self._write_engine.dispose()
        self._read_engine.dispose()

    def _run_jobs(
        self, conn: Connection, batch: list[_WriteJob], *, isolated: bool
    ) -> list[Outcome]:
        """One transaction, one commit. Most batches succeed whole, so the first pass runs
        without savepoints: each one costs a statement, and on SQLite every statement hands
        the interpreter lock to the event loop and must wait to get it back."""
        outcomes: list[Outcome] = []
        with conn.begin():
            cursor = driver_cursor(conn)
            if not isolated:
                for group in _groups(batch):
                    outcomes += _run_group(conn, group)
                return outcomes
            for job in batch:
                cursor.execute("SAVEPOINT job")
                try:
                    result = job.fn(conn)
                except Exception as exc:  # the job's own failure: undo only its work
                    if is_transient(exc):
                        raise  # not the job's fault: the whole batch runs again
                    cursor.execute("ROLLBACK TO SAVEPOINT job")
                    cursor.execute("RELEASE SAVEPOINT job")
                    outcomes.append((job, None, exc))
                else:
                    cursor.execute("RELEASE SAVEPOINT job")
                    outcomes.append((job, result, None))
        return outcomes

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
        for attempt in range(1, self._transient_tries + 1):
            try:
                try:
                    outcomes = self._run_jobs(conn, batch, isolated=False)
                except _JobFailed:
                    # Some job raised, maybe after writing: undo the batch, then run it again with
                    # each job in its own savepoint so only that job's work is lost.
                    outcomes = self._run_jobs(conn, batch, isolated=True)
            except Exception as exc:
                if is_transient(exc) and attempt < self._transient_tries:
                    # A deadlock, a serialization failure or a lock held past the busy timeout:
                    # the whole batch was rolled back, so running it again repeats nothing.
                    delay = self._transient_backoff_s * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
                    log.warning("write batch of %d jobs hit %s; again in %.0f ms", len(batch), exc, delay * 1000)
                    time.sleep(delay)
                    continue
                # The commit itself failed: nothing in the batch is durable.
                log.exception("write batch of %d jobs failed to commit", len(batch))
                outcomes = [(job, None, exc) for job in batch]
            break
        self.batches += 1
        self.jobs_written += len(batch)

        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_WriteJob, Any, BaseException | None]]]
        by_loop = defaultdict(list)
        for outcome in outcomes:
            by_loop[outcome[0].loop].append(outcome)
        for loop, resolved in by_loop.items():
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody is waiting any more
                loop.call_soon_threadsafe(_resolve_all, resolved)


Outcome = tuple[_WriteJob, Any, BaseException | None]


def _groups(batch: list[_WriteJob]) -> list[list[_WriteJob]]:
    """Runs of consecutive jobs of the same BatchOp; every other job on its own. Order is kept."""
    groups: list[list[_WriteJob]] = []
    for job in batch:
        if groups and job.op is not None and groups[-1][0].op is job.op:
            groups[-1].append(job)
        else:
            groups.append([job])
    return groups


def _run_group(conn: Connection, group: list[_WriteJob]) -> list[Outcome]:
    op = group[0].op
    try:
        if op is None:
            return [(group[0], group[0].fn(conn), None)]
        results = op.run_many(conn, [job.item for job in group])
    except Exception as exc:
        if is_transient(exc):
            raise
        raise _JobFailed from exc
    return [
        (job, None, result) if isinstance(result, Exception) else (job, result, None)
        for job, result in zip(group, results, strict=True)
    ]


class _JobFailed(Exception):
    """Raised inside the optimistic pass to roll the whole batch back."""


def _resolve_all(outcomes: list[tuple[_WriteJob, Any, BaseException | None]]) -> None:
    for job, result, exc in outcomes:
        if job.future.done():  # the awaiting request was cancelled; the write still stands
            continue
        if exc is None:
            job.future.set_result(result)
        else:
            job.future.set_exception(exc)
