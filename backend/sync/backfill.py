"""Sessions a kiosk had before it synced: the outbox only holds changes made since sync was
turned on (the commit hook fills it), so older sessions would never reach the fleet server.
`python -m backend sync backfill` queues every one of them once.

In chunks of `chunk` sessions by id, each chunk one transaction (on PostgreSQL under the
outbox's commit-order lock, backend/sync/outbox.py), so it may run beside the kiosk's own backend
and a kill loses at most the chunk in progress: running it again finishes the job. A session
still queued is not queued again; one queued and already sent is sent once more, which the
server recognises by its version and its events' ids and ignores (backend/sync/apply.py).
Replicas (on a fleet server, the other kiosks' sessions) are not this database's to send.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, exists, select

from backend.db.tables import PaymentSession, SyncOutbox
from backend.sync import outbox

_S = PaymentSession


@dataclass(frozen=True, slots=True)
class Backfilled:
    queued: int  # sessions given an outbox row
    already: int  # sessions that still had one
    chunks: int


def backfill(engine: Engine, *, chunk: int) -> Backfilled:
    queued = already = chunks = 0
    after = ""
    while True:
        with engine.connect() as conn, conn.begin():
            ids, added = _one_chunk(conn, after, chunk)
        if not ids:
            return Backfilled(queued, already, chunks)
        chunks += 1
        queued += added
        already += len(ids) - added
        after = ids[-1]


def _one_chunk(conn: Connection, after: str, chunk: int) -> tuple[list[str], int]:
    """The next `chunk` session ids after `after`, and how many of them were queued now."""
    rows = conn.execute(
        select(_S.id, exists().where(SyncOutbox.session_id == _S.id).label("queued"))
        .where(_S.id > after, _S.replica.is_(False))
        .order_by(_S.id)
        .limit(chunk)
    ).all()
    new = [row.id for row in rows if not row.queued]
    outbox.enqueue(conn, new)
    return [row.id for row in rows], len(new)
