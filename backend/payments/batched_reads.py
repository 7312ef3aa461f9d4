"""Reading many sessions at once when many ask at once: one statement for all of them.

A commit that changes a thousand sessions (an expiry pass, a burst from another process of
the fleet) wakes a thousand streams in the same turn of the loop; each would read its session
on its own, a thousand trips through the two reader threads. Asked in the same turn, they
share one read here instead (measured in bench/streams_fleet.py).
"""

from __future__ import annotations

import asyncio

from backend.db.database import Database
from backend.db.sessions import reads
from backend.errors import NotFound
from backend.payments.records import SessionRecord

Versioned = tuple[SessionRecord, int]


class BatchedReads:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._waiting: dict[str, list[asyncio.Future[Versioned]]] = {}
        self._reading: set[asyncio.Task[None]] = set()

    async def get(self, session_id: str) -> Versioned:
        """The session and its row version; NotFound if there is none."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Versioned] = loop.create_future()
        if not self._waiting:
            loop.call_soon(self._read_all)  # after everyone woken in this turn has asked
        self._waiting.setdefault(session_id, []).append(future)
        return await future

    def _read_all(self) -> None:
        waiting, self._waiting = self._waiting, {}
        task = asyncio.create_task(self._read(waiting))
        self._reading.add(task)
        task.add_done_callback(self._reading.discard)

    async def _read(self, waiting: dict[str, list[asyncio.Future[Versioned]]]) -> None:
        try:
            found = await self._db.read(lambda conn: reads.read_rows(conn, waiting))
        except Exception as exc:
            for futures in waiting.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(exc)
            return
        for session_id, futures in waiting.items():
            for future in futures:
                if future.done():  # its stream has gone
                    continue
                if session_id in found:
                    future.set_result(found[session_id])
                else:
                    future.set_exception(NotFound("No payment session with this id.", code="session_not_found"))
