"""A background pass that repeats: soon while things are settled, backing off while a pass
leaves work it could not finish (usually: the gateway is away), and at once when poked.

Its waits are asyncio timers, which run on the loop's monotonic clock: no jump of the wall
clock shortens or stretches a back-off (backend/clock.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable


class PassLoop:
    def __init__(self, *, idle_s: float, min_backoff_s: float, max_backoff_s: float) -> None:
        self._idle = idle_s
        self._min = min_backoff_s
        self._max = max(max_backoff_s, min_backoff_s)
        self._poked = asyncio.Event()

    def poke(self) -> None:
        """Run the next pass now instead of at the end of the current wait."""
        self._poked.set()

    async def run(self, one_pass: Callable[[], Awaitable[bool]]) -> None:
        """Forever: `one_pass()` returns True when work remains and the next pass should wait longer."""
        backoff = self._min
        while True:
            self._poked.clear()
            if await one_pass():
                delay, backoff = backoff, min(backoff * 2, self._max)
            else:
                delay, backoff = self._idle, self._min
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
            # that arrives as the wait ends, and the task then never stops.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._poked.wait()
