"""Who watches which payment session, and waking them when a change to it is committed.

A session stream (`GET /api/payments/session/{id}/stream`) holds a Watch while it is open.
Three things wake it:
- this process's commits: a commit hook of the Database calls `committed` after each batch
  with the sessions its jobs marked (backend/db/sessions/changed.py);
- on PostgreSQL, other processes' commits, heard by LISTEN (backend/db/sessions/listener.py);
  when that connection is lost and made again, every watch is woken, because a change may
  have come and gone unheard in between;
- what only this process knows about a session and shows in its view (when its automatic
  retry is due): `changed` directly.

A wake only says "read the session again"; the stream sends what it reads if it differs from
what it sent last, so a wake too many costs a read and nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Iterator


class Watch:
    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self._woken = asyncio.Event()

    def wake(self) -> None:
        self._woken.set()

    async def wait(self, timeout_s: float) -> bool:
        """True once woken (since the last wait), False after `timeout_s` without a wake."""
        try:
            async with asyncio.timeout(timeout_s):
                await self._woken.wait()
        except TimeoutError:
            return False
        self._woken.clear()
        return True


class SessionChanges:
    def __init__(self, *, hears_other_processes: bool) -> None:
        """`hears_other_processes`: whether changes committed by other processes on the same
        database reach this hub (PostgreSQL's LISTEN). Without it, streams read their session
        again now and then (see `hears_other_processes`)."""
        self._loop = asyncio.get_running_loop()
        self._watches: dict[str, set[Watch]] = {}
        self.hears_other_processes = hears_other_processes
        self.closing = False

    @property
    def watched(self) -> int:
        return sum(len(w) for w in self._watches.values())

    @contextlib.contextmanager
    def watch(self, session_id: str) -> Iterator[Watch]:
        watch = Watch(session_id)
        self._watches.setdefault(session_id, set()).add(watch)
        try:
            yield watch
        finally:
            watches = self._watches.get(session_id)
            if watches is not None:
                watches.discard(watch)
                if not watches:
                    del self._watches[session_id]

    def changed(self, session_ids: Iterable[str]) -> None:
        """On the loop: these sessions changed."""
        for session_id in session_ids:
            for watch in self._watches.get(session_id, ()):
                watch.wake()

    def wake_all(self) -> None:
        for watches in self._watches.values():
            for watch in watches:
                watch.wake()

    def committed(self, session_ids: frozenset[str]) -> None:
        """On the Database's writer thread, once a batch that changed these is durable
        (backend/db/sessions/changed.py): it must be quick and never raise."""
        if not self._watches:
            # Read after the commit: a watch added later reads the session after it, too.
            return
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody watches
            self._loop.call_soon_threadsafe(self.changed, session_ids)

    def close(self) -> None:
        """The server is shutting down: every stream ends (its client comes back to the next one)."""
        self.closing = True
        self.wake_all()
