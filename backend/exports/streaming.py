"""A blocking chunk producer on its own thread, consumed by a coroutine without blocking the loop.

The producer thread runs the generator (database reads, formatting, PDF drawing) and hands
each finished chunk to the loop with `loop.call_soon_threadsafe`. At most `max_chunks` chunks
wait in the asyncio queue: past that the producer blocks on a semaphore until the consumer
takes one, so a slow download slows the database read instead of filling memory.

`close()` asks the producer to stop; it then closes the generator (which closes its
connection) on its own thread. The thread is a dedicated one, not the loop's default executor
nor the Database's reader pool, so a stalled download never starves anything else.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass

log = logging.getLogger(__name__)

_names = itertools.count(1)


@dataclass(frozen=True, slots=True)
class _Failed:
    error: BaseException


_END = object()


class ThreadedStream:
    def __init__(
        self,
        produce: Callable[[], Generator[bytes, None, None]],
        *,
        max_chunks: int = 8,
        name: str = "export",
    ) -> None:
        self._produce = produce
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[bytes | _Failed | object] = asyncio.Queue()
        self._slots = threading.Semaphore(max_chunks)
        self._stop = threading.Event()
        self._finished = False
        self.thread = threading.Thread(target=self._run, name=f"{name}-{next(_names)}", daemon=True)

    def start(self) -> ThreadedStream:
        self.thread.start()
        return self

    async def next(self) -> bytes | None:
        """The next chunk; None at the end. Raises what the producer raised."""
        if self._finished:
            return None
        item = await self._queue.get()
        if isinstance(item, bytes):
            self._slots.release()
            return item
        self._finished = True
        if isinstance(item, _Failed):
            raise item.error
        return None

    def close(self) -> None:
        """Stop the producer (if still running); never blocks."""
        self._stop.set()
        self._slots.release()  # wake it if it waits for room

    # ---- the producer thread ---------------------------------------------------------------

    def _run(self) -> None:
        try:
            chunks = self._produce()
            try:
                for chunk in chunks:
                    if not self._hand_over(chunk):
                        return
            finally:
                chunks.close()  # on stop: runs the generator's cleanup (closes its connection)
        except BaseException as exc:
            if not self._stop.is_set():
                self._post(_Failed(exc))
            else:
                log.debug("export producer failed after it was stopped", exc_info=exc)
            return
        self._post(_END)

    def _hand_over(self, chunk: bytes) -> bool:
        while not self._slots.acquire(timeout=1.0):
            if self._stop.is_set():
                return False
        return not self._stop.is_set() and self._post(chunk)

    def _post(self, item: object) -> bool:
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
        except RuntimeError:  # the loop is closed: nobody is listening any more
            self._stop.set()
            return False
        return True
