"""A wall clock for tests that set the date: real time flowing from a chosen instant."""

from __future__ import annotations

import time

from backend.exports.criteria import parse_bound


def at(moment: str) -> int:
    """Epoch ms of an ISO date or time, as the export and search filters read it."""
    return parse_bound(moment, end=False)


class SteppedClock:
    """Real time flowing from a chosen instant; `jump` moves it (forward only, in these tests)."""

    def __init__(self, start_ms: int) -> None:
        self.jump(start_ms)

    def jump(self, to_ms: int) -> None:
        self._base, self._since = to_ms, time.monotonic_ns() // 1_000_000

    def __call__(self) -> int:
        return self._base + time.monotonic_ns() // 1_000_000 - self._since
