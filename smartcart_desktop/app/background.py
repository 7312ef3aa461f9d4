"""Tasks a service starts on its own, kept referenced and cancelled together at shutdown.

A task nobody holds can be garbage-collected mid-flight, and one still pending when the
loop closes is reported as destroyed; both are bugs this class makes impossible.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class BackgroundTasks:
    def __init__(self, owner: str) -> None:
        self._owner = owner
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    def spawn(self, coro: Coroutine[Any, Any, T], *, name: str | None = None) -> asyncio.Task[T]:
        if self._closed:
            coro.close()
            raise RuntimeError(f"{self._owner} is shut down")
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    @property
    def closed(self) -> bool:
        return self._closed

    async def cancel_all(self) -> None:
        self._closed = True
        current = asyncio.current_task()
        tasks = [t for t in self._tasks if t is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            # A service's task must handle its own failures; this is the last resort.
            log.error("%s: task %s failed", self._owner, task.get_name(), exc_info=exc)


async def wait_or_timeout(event: asyncio.Event, timeout_s: float) -> None:
    """Sleep until `event` is set or `timeout_s` passes, whichever comes first.

    asyncio.timeout() rather than wait_for(): wait_for wraps the wait in a task of its own,
    which is left unstarted (and warned about) if the loop stops at the wrong moment.
    """
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout_s):
            await event.wait()
