"""Which sessions a write changed, told to whoever watches them once it is committed.

Every change of a session writes an event row (moves.add_event, passes._set_move); both call
`mark` in the writing transaction, and so does the creation of a session (create.py), which has
no event row. Besides ChangeFeed, a kiosk that syncs reads the marks into its outbox
(backend/sync/outbox.py). `ChangeFeed`, a commit hook of the Database (one per
process), collects the marks at the end of each batch's transaction and
- on PostgreSQL sends them as NOTIFY in that same transaction: PostgreSQL delivers it to every
  process listening (backend/db/sessions/listener.py) only once the transaction commits, and
  never if it rolls back;
- in this process hands them on once the commit is durable (`on_committed`, on the writer
  thread), and drops them if the batch was lost.

A mark can be reported without a change behind it (a job whose savepoint was rolled back, a
try of a batch that was then run again): a watcher then reads a session that did not change.
A committed change is never missed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import Connection

from backend.db.prepared import driver_cursor

CHANNEL = "smartcart_session_changes"

_MARKS = "smartcart_changed_sessions"  # conn.info key: the open transaction's marks
# A NOTIFY payload must stay under 8,000 bytes: 200 ids of 32 characters and a comma each.
_IDS_PER_NOTIFY = 200


def mark(conn: Connection, session_ids: Iterable[str]) -> None:
    conn.info.setdefault(_MARKS, set()).update(session_ids)


def marked(conn: Connection) -> frozenset[str]:
    """The open transaction's marks so far, left in place for ChangeFeed (a commit hook that
    reads them must run before it: ChangeFeed takes them)."""
    return frozenset(conn.info.get(_MARKS, ()))


def parse(payload: str) -> list[str]:
    """The session ids of one NOTIFY payload."""
    return [part for part in payload.split(",") if part]


class ChangeFeed:
    """A CommitHook of the Database (backend/db/database.py), on its writer thread."""

    def __init__(self, on_committed: Callable[[frozenset[str]], None]) -> None:
        """`on_committed(ids)` runs on the writer thread: it must be quick and never raise."""
        self._on_committed = on_committed
        self._pending: frozenset[str] = frozenset()

    def before_commit(self, conn: Connection, wrote: Callable[[], bool]) -> None:
        self._pending = frozenset(conn.info.pop(_MARKS, ()))
        if self._pending and conn.dialect.name == "postgresql":
            ids = sorted(self._pending)
            cursor = driver_cursor(conn)
            for start in range(0, len(ids), _IDS_PER_NOTIFY):
                cursor.execute("SELECT pg_notify(%s, %s)", (CHANNEL, ",".join(ids[start : start + _IDS_PER_NOTIFY])))

    def after_commit(self) -> None:
        pending, self._pending = self._pending, frozenset()
        if pending:
            self._on_committed(pending)

    def after_rollback(self) -> None:
        self._pending = frozenset()
