"""Database access that never runs on the event loop, with group commit for writes.

All writes go through one dedicated writer thread holding one connection. The thread takes
every job queued while it was busy, runs each in its own SAVEPOINT (so a job that raises
leaves no trace and does not spoil its neighbours) and commits the whole batch with one
fsync. Under load many requests share one commit, which is how durable writes get past the
one-fsync-per-request ceiling (STACK.md). A job's future resolves only after its commit, so
an acknowledged write is on disk.

Reads run on a small thread pool with their own connections; in WAL mode they never wait
for the writer and see only committed data.

Storage trouble is a state, not a crash: a write that finds the disk (or SQLite's page limit)
full fails with StorageFull (HTTP 507) while reads go on, and the next write simply tries again,
so the database works again by itself once space is freed. On SQLite the WAL is kept bounded
(journal_size_limit, wal_autocheckpoint), deleted content is overwritten (secure_delete), and
`scrub()` empties the WAL, so that data cleared on purpose (a forwarded card) leaves no copy in
old WAL frames. The database file, its WAL and shared-memory files are owner-only (0600).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import queue
import random
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from backend.db.prepared import driver_cursor
from backend.errors import StorageFull

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
    temp_in_memory: bool = False,
    busy_timeout_s: float = 10.0,
    wal_limit_bytes: int = 64 * 1024 * 1024,
    wal_autocheckpoint_pages: int = 1000,
    synchronous: Literal["FULL", "NORMAL"] = "FULL",
) -> Engine:
    """An engine with the SQLite settings payments need: WAL, synchronous=FULL, FKs, busy timeout,
    secure delete, a bounded WAL, and a database file only its owner can read.

    `cache_mib`: SQLite's page cache per connection, when its 2 MiB default is too small.
    `temp_in_memory`: SQLite's temporary files (statement journals among them) kept in memory.
    `wal_limit_bytes`: the size the WAL file is cut back to whenever it starts over.
    `wal_autocheckpoint_pages`: a commit that leaves the WAL this long copies it into the database.
    """
    url = sync_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_size=pool_size, max_overflow=0, pool_pre_ping=True)

    path = sqlite_path(url)
    if path is not None:
        restrict_files(path)
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
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        # Deleted and overwritten content is zeroed in the page, so a page written after a
        # card was cleared holds no trace of it (see Database.scrub for the WAL's old frames).
        cursor.execute("PRAGMA secure_delete=ON")
        # A WAL that ran long once (a burst of writes while a reader held an old snapshot)
        # is cut back when it starts over, instead of keeping its largest size for good.
        cursor.execute(f"PRAGMA journal_size_limit={int(wal_limit_bytes)}")
        cursor.execute(f"PRAGMA wal_autocheckpoint={int(wal_autocheckpoint_pages)}")
        if cache_mib:
            cursor.execute(f"PRAGMA cache_size=-{cache_mib * 1024}")
        if temp_in_memory:
            cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin)

    return engine


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for another database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


_SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def restrict_files(path: Path) -> None:
    """Make the database file and its companions owner-only (0600), creating an empty database
    file that way if there is none. SQLite creates the WAL and shared-memory files with the
    mode of the database file, so they follow; files from before are changed here."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # O_CREAT without O_TRUNC: an existing database is left as it is. An empty file is a
    # valid empty database to SQLite.
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for suffix in _SQLITE_SUFFIXES:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(f"{path}{suffix}", 0o600)


def restrict_data_dir(data_dir: Path) -> None:
    """The data directory owner-only (0700), and the files in it too (0600): the database and its
    WAL, the offline key, the instance lock, and any log kept there. Blocking."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(data_dir, 0o700)
    with os.scandir(data_dir) as entries:
        for entry in entries:
            # Another process sharing the directory may remove a file meanwhile (its temporary
            # copy of clock.json, moved into place): gone is as private as it gets.
            with contextlib.suppress(FileNotFoundError):
                if entry.is_file(follow_symlinks=False) and entry.stat().st_uid == os.geteuid():
                    os.chmod(entry.path, 0o600)


class DatabaseCorrupt(RuntimeError):
    """The database file failed SQLite's integrity check: the backend refuses to start on it."""


def check_integrity(path: Path) -> None:
    """Refuse a damaged database before anything runs on it (a damaged page otherwise shows up
    later, as the odd request failing). Only reads; the file is left exactly as it is, for the
    operator to restore or salvage. Blocking: call it from a thread. A missing file is a new
    database, nothing to check."""
    if not path.exists():
        return
    problems: list[str]
    try:
        # mode=rw: never creates a file. quick_check reads every page and index once
        # (O(N), no cross-checks of index against table): a second or so per 100 MB.
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=rw", uri=True)) as conn:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check(20)")]
    except sqlite3.DatabaseError as exc:  # "file is not a database", or damage met on the way
        problems = [str(exc)]
    if problems == ["ok"]:
        return
    raise DatabaseCorrupt(
        f"The database {path} is damaged and the backend will not start on it "
        f"(SQLite integrity check: {'; '.join(problems[:3])}). The file has been left untouched. "
        "To recover: stop every process using it, keep a copy of the file (with any -wal file "
        "beside it), then restore the last backup to this path, or salvage what is readable with "
        f"`sqlite3 {path} .recover | sqlite3 repaired.db` and put repaired.db in its place. "
        "Payments in flight at the time must be checked against the gateway's records."
    )


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


# SQLSTATE disk_full (53100); SQLite's SQLITE_FULL (13), also what `PRAGMA max_page_count` raises.
_DISK_FULL_SQLSTATE = "53100"
_SQLITE_FULL = 13


def is_disk_full(exc: BaseException) -> bool:
    """The database could not grow: the disk, or the database's size limit, is full."""
    driver_error = exc.orig if isinstance(exc, DBAPIError) else exc
    if getattr(driver_error, "sqlstate", None) == _DISK_FULL_SQLSTATE:
        return True
    return isinstance(driver_error, sqlite3.Error) and (
        getattr(driver_error, "sqlite_errorcode", None) == _SQLITE_FULL
        or "database or disk is full" in str(driver_error)
    )


def _storage_full(cause: BaseException) -> StorageFull:
    error = StorageFull(
        "The kiosk's storage is full: nothing can be saved until space is freed. "
        "Payments already recorded can still be viewed."
    )
    error.__cause__ = cause
    return error


class CommitHook(Protocol):
    """Told about every write transaction, on the writer thread.

    `before_commit(conn, wrote)` runs last in the transaction, so what it writes commits (or is
    lost) with the batch; `wrote()` says whether the batch changed anything. `after_commit`
    runs once the commit is durable, `after_rollback` when the batch was lost.
    """

    def before_commit(self, conn: Connection, wrote: Callable[[], bool]) -> None: ...

    def after_commit(self) -> None: ...

    def after_rollback(self) -> None: ...


class Database:
    def __init__(
        self,
        url: str,
        *,
        readers: int = 2,
        busy_timeout_s: float = 10.0,
        transient_tries: int = 8,
        transient_backoff_s: float = 0.02,
        wal_limit_bytes: int = 64 * 1024 * 1024,
        wal_autocheckpoint_pages: int = 1000,
        scrub_wait_s: float = 0.2,
        on_batch: Callable[[int, float], None] | None = None,
        context: Mapping[str, object] | None = None,
        synchronous: Literal["FULL", "NORMAL"] = "FULL",
    ) -> None:
        """`busy_timeout_s`: how long SQLite waits for another process's write lock before a
        try fails; `transient_tries` and `transient_backoff_s`: how often, and how soon, a
        batch that met a deadlock or such a lock runs again (the back-off doubles);
        `wal_limit_bytes`, `wal_autocheckpoint_pages`: see make_engine; `scrub_wait_s`: how
        long scrub() waits for readers before it gives up for now; `context`: what every write job
        finds in its connection's `info` (the shop's invoice series, backend/db/invoices.py);
        `synchronous`: SQLite's, FULL (a commit survives a power cut) unless said otherwise."""
        self.url = url
        self._context = dict(context or {})
        self._on_batch = on_batch  # (jobs, seconds to commit), on the writer thread: for /metrics
        self._scrub_wait_s = scrub_wait_s
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
            # A statement that writes many rows (a batch's INSERT) keeps a statement journal to
            # undo itself alone; past 64 KiB SQLite spills it to a temporary file, which every
            # batch then created, wrote, closed and deleted (perf trace: about 160 writes a
            # batch instead of 100). In memory it holds one statement's undo pages, freed when it ends.
            temp_in_memory=True,
            busy_timeout_s=busy_timeout_s,
            wal_limit_bytes=wal_limit_bytes,
            wal_autocheckpoint_pages=wal_autocheckpoint_pages,
            synchronous=synchronous,
        )
        self._read_engine = make_engine(
            url,
            pool_size=readers,
            busy_timeout_s=busy_timeout_s,
            wal_limit_bytes=wal_limit_bytes,
            wal_autocheckpoint_pages=wal_autocheckpoint_pages,
        )
        self._hooks: list[CommitHook] = []
        self._full = False  # the last batch found the storage full: said once, not per batch
        self._wrote = False  # while full: the batch about to commit changed something
        self._queue: queue.SimpleQueue[_WriteJob | _Scrub | object] = queue.SimpleQueue()
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

    def add_commit_hook(self, hook: CommitHook) -> None:
        """Before the first write."""
        self._hooks.append(hook)

    async def scrub(self) -> bool:
        """Empty SQLite's WAL into the database file and cut it to zero bytes, so that what was
        cleared (with secure_delete on) no longer lies in old WAL frames. False when a reader,
        maybe of another process, still needs the WAL: try again later. A WAL that is already
        empty costs nothing. PostgreSQL's WAL belongs to the server: always True there."""
        if self._write_engine.dialect.name != "sqlite":
            return True
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        self._queue.put(_Scrub(future, loop, self._scrub_wait_s))
        return await future

    def write_item(self, op: BatchOp[Any, T], item: Any) -> asyncio.Future[T]:
        """Like write(), for a write that is batched with its kind (see BatchOp): await the
        future. (A plain function: on the hottest path, a coroutine around the future is one
        more frame for the loop to step through.)"""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_WriteJob(lambda conn: op.run_one(conn, item), future, loop, op, item))
        return future

    async def read(self, fn: Job[T]) -> T:
        """Run fn(conn) in a read transaction on a reader thread."""
        return await asyncio.get_running_loop().run_in_executor(self._readers, self._read, fn)

    def _read(self, fn: Job[T]) -> T:
        try:
            with self._read_engine.connect() as conn, conn.begin():
                return fn(conn)
        except Exception as exc:
            if is_disk_full(exc):  # a sort or a temporary table that found no room
                raise _storage_full(exc) from exc
            raise

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
            conn.info.update(self._context)  # set per transaction: a reconnected writer has it too
            cursor = driver_cursor(conn)
            wrote = self._change_counter(conn)
            if not isolated:
                for group in _groups(batch):
                    outcomes += _run_group(conn, group)
                self._before_commit(conn, wrote)
                return outcomes
            for job in batch:
                cursor.execute("SAVEPOINT job")
                try:
                    result = job.fn(conn)
                except Exception as exc:  # the job's own failure: undo only its work
                    if is_transient(exc) or is_disk_full(exc):
                        # Not the job's fault: the whole batch runs again, or fails for want
                        # of space (SQLite may already have rolled the transaction back).
                        raise
                    cursor.execute("ROLLBACK TO SAVEPOINT job")
                    cursor.execute("RELEASE SAVEPOINT job")
                    outcomes.append((job, None, exc))
                else:
                    cursor.execute("RELEASE SAVEPOINT job")
                    outcomes.append((job, result, None))
            self._before_commit(conn, wrote)
        return outcomes

    def _change_counter(self, conn: Connection) -> Callable[[], bool]:
        """Whether the transaction now begun has changed anything by the time it is asked."""
        if conn.dialect.name == "sqlite":
            dbapi = conn.connection.dbapi_connection
            before = dbapi.total_changes  # type: ignore[union-attr]
            return lambda: dbapi.total_changes != before  # type: ignore[union-attr]
        # PostgreSQL gives a transaction an id at its first change (or row lock).
        return lambda: conn.exec_driver_sql("SELECT txid_current_if_assigned()").scalar() is not None

    def _before_commit(self, conn: Connection, wrote: Callable[[], bool]) -> None:
        for hook in self._hooks:
            hook.before_commit(conn, wrote)
        # After a full disk, only a commit that wrote something shows there is room again.
        self._wrote = self._full and wrote()

    def _write_loop(self) -> None:
        with self._write_engine.connect() as conn:
            while True:
                first = self._queue.get()
                if first is _STOP:
                    return
                if isinstance(first, _Scrub):
                    first.run(conn)
                    continue
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
                    if isinstance(job, _Scrub):  # outside any transaction, after this batch
                        self._queue.put(job)
                        break
                    batch.append(job)  # type: ignore[arg-type]
                self._run_batch(conn, batch)
                if stop_after:
                    return

    def _run_batch(self, conn: Connection, batch: list[_WriteJob]) -> None:
        started = time.perf_counter()
        for attempt in range(1, self._transient_tries + 1):
            try:
                try:
                    outcomes = self._run_jobs(conn, batch, isolated=False)
                except _JobFailed:
                    # Some job raised, maybe after writing: undo the batch, then run it again with
                    # each job in its own savepoint so only that job's work is lost.
                    outcomes = self._run_jobs(conn, batch, isolated=True)
            except Exception as exc:
                if is_disk_full(exc):
                    # Nothing of the batch is written; the next write simply tries again, so
                    # the database works again by itself once space is freed.
                    if not self._full:
                        log.error("the database's storage is full: writes fail until space is freed (%s)", exc)
                    self._full = True
                    outcomes = [(job, None, _storage_full(exc)) for job in batch]
                    self._after(committed=False)
                    break
                if is_transient(exc) and attempt < self._transient_tries:
                    # A deadlock, a serialization failure or a lock held past the busy timeout:
                    # the whole batch was rolled back, so running it again repeats nothing.
                    delay = self._transient_backoff_s * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
                    log.warning("write batch of %d jobs hit %s; again in %.0f ms", len(batch), exc, delay * 1000)
                    self._after(committed=False)
                    time.sleep(delay)
                    continue
                # The commit itself failed: nothing in the batch is durable.
                log.exception("write batch of %d jobs failed to commit", len(batch))
                outcomes = [(job, None, exc) for job in batch]
                self._after(committed=False)
            else:
                self._after(committed=True)
            break
        self.batches += 1
        self.jobs_written += len(batch)
        if self._on_batch is not None:
            self._on_batch(len(batch), time.perf_counter() - started)

        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_WriteJob, Any, BaseException | None]]]
        by_loop = defaultdict(list)
        for outcome in outcomes:
            by_loop[outcome[0].loop].append(outcome)
        for loop, resolved in by_loop.items():
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody is waiting any more
                loop.call_soon_threadsafe(_resolve_all, resolved)

    def _after(self, *, committed: bool) -> None:
        if committed and self._wrote:
            log.warning("the database's storage has room again: writes work")
            self._full = False
        for hook in self._hooks:
            if committed:
                hook.after_commit()
            else:
                hook.after_rollback()


@dataclass(slots=True)
class _Scrub:
    future: asyncio.Future[bool]
    loop: asyncio.AbstractEventLoop
    wait_s: float

    def run(self, conn: Connection) -> None:
        try:
            # On the writer's own sqlite3 connection, in autocommit: outside any transaction,
            # as a checkpoint must be. Waits up to the busy timeout for readers to finish.
            dbapi = conn.connection.dbapi_connection
            assert dbapi is not None
            # Wait briefly for readers (maybe of another process): every write queues behind
            # this, and a scrub that found a reader is simply tried again later.
            (busy_ms,) = dbapi.execute("PRAGMA busy_timeout").fetchone()
            dbapi.execute(f"PRAGMA busy_timeout={int(self.wait_s * 1000)}")
            try:
                busy, _, _ = dbapi.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                dbapi.execute(f"PRAGMA busy_timeout={busy_ms}")
            result: bool | BaseException = busy == 0
        except Exception as exc:
            result = exc
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(_resolve, self.future, result)


def _resolve(future: asyncio.Future[Any], result: Any) -> None:
    if future.done():
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)


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
        if is_transient(exc) or is_disk_full(exc):
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
