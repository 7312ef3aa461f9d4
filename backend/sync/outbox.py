"""The kiosk's sync outbox: one row per session changed, written by the change's transaction.

A commit hook of the Database reads the changed-session marks (backend/db/sessions/changed.py:
every event row, every set-based pass and every new session marks its session) at the end of
each write transaction and inserts them here, so an outbox row commits or rolls back with the
change it announces: a change is never committed without its row, and a SIGKILL loses neither.
A mark without a change behind it (a job rolled back to its savepoint) costs one resent snapshot.

`seq` is the order of commits: SQLite has one writer at a time (BEGIN IMMEDIATE); on PostgreSQL,
where several processes may share the kiosk's database, an advisory lock taken just before the
insert is held to the commit, so a lower seq never commits after a higher one that the
forwarder may already have sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Connection, delete, func, insert, select, text

from backend.db.sessions import changed
from backend.db.tables import SyncOutbox

# Any fixed 64-bit number, the same in every process of a kiosk: the outbox's commit-order lock.
_OUTBOX_LOCK_KEY = 0x5C_4D16_0012


class OutboxHook:
    """A CommitHook (backend/db/database.py). Must be added before ChangeFeed, which takes the marks."""

    def __init__(self, on_committed: Callable[[], None] | None = None) -> None:
        """`on_committed()` runs on the writer thread after a commit that added rows: quick, never raising."""
        self._on_committed = on_committed
        self._added = False

    def before_commit(self, conn: Connection, wrote: Callable[[], bool]) -> None:
        ids = sorted(changed.marked(conn))
        self._added = bool(ids)
        enqueue(conn, ids)

    def after_commit(self) -> None:
        if self._added and self._on_committed is not None:
            self._on_committed()
        self._added = False

    def after_rollback(self) -> None:
        self._added = False


def enqueue(conn: Connection, session_ids: Sequence[str]) -> None:
    """Rows for these sessions, in the transaction's commit order (the lock is held to its commit)."""
    if not session_ids:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _OUTBOX_LOCK_KEY})
    conn.execute(insert(SyncOutbox), [{"session_id": session_id} for session_id in session_ids])


def oldest(conn: Connection, limit: int) -> list[tuple[int, str]]:
    """The oldest rows as (seq, session id), in seq order."""
    rows = conn.execute(
        select(SyncOutbox.seq, SyncOutbox.session_id).order_by(SyncOutbox.seq).limit(limit)
    )
    return [(row.seq, row.session_id) for row in rows]


def acknowledge(conn: Connection, through_seq: int) -> int:
    """The server holds everything up to `through_seq`: those rows are done."""
    return conn.execute(delete(SyncOutbox).where(SyncOutbox.seq <= through_seq)).rowcount


def high_water(conn: Connection) -> int:
    """The highest seq this database has ever handed out (0 before the first): rows deleted
    after their acknowledgement still count, the numbering never goes back (AUTOINCREMENT on
    SQLite, a sequence on PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        name = conn.execute(text("SELECT pg_get_serial_sequence('sync_outbox', 'seq')")).scalar()
        if name is None:
            return 0
        last, called = conn.execute(text(f"SELECT last_value, is_called FROM {name}")).one()
        return int(last) if called else 0
    found = conn.execute(text("SELECT seq FROM sqlite_sequence WHERE name = 'sync_outbox'")).scalar()
    return int(found or 0)


def pending(conn: Connection) -> int:
    count: int = conn.execute(select(func.count()).select_from(SyncOutbox)).scalar_one()
    return count
