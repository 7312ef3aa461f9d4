"""Time on a kiosk whose wall clock may jump, injectable so tests can move it instead of sleeping.

A kiosk's wall clock jumps: a board without a battery-backed clock boots at an old date and
NTP corrects it by months, an operator sets it by hand. So time here comes in four kinds,
never mixed, all read from one `Clock` per app:

wall       `clock()` (= `clock.wall()`): epoch ms from the system clock. Only ever recorded:
           created / updated / finished times, event times, what the API and exports show.
           Nothing is decided by subtracting two wall readings.
monotonic  `clock.monotonic()`: ms from an arbitrary origin that no clock setting moves. Every
           duration a process waits out itself runs on it: the engine's retry delay, a PIN
           lock once this process has seen it. asyncio's timers (the back-offs of reconciler,
           forwarder and monitor, the cleanup period) and aiohttp's gateway timeouts run on
           the loop's clock, which is monotonic too.
steady     `clock.steady()`: epoch-like ms for deadlines stored in rows, which other
           processes and later starts read: a session's `expires_at_ms`, the PIN's
           `locked_until_ms`. It is the wall clock as read at start plus monotonic time since,
           so no jump while the process runs moves a deadline: a session lives its TTL and a
           lock lasts its length, whichever way the clock went. Until the first jump it
           equals the wall clock.
horizon    `clock.horizon()`: how far the purge may reach. It follows the wall clock down at
           once but up never faster than monotonic time,
               H = min(wall, H_before + monotonic time since H_before),
           updated at every wall reading. So every recorded time s was >= H when it was read,
           and the purge (terminal sessions finished before H - retention) deletes a row only
           after more than `retention` of monotonic time has passed since its time was read,
           whatever the wall clock did meanwhile: a jump forward is never credited, and times
           recorded while the clock was behind are not taken for old ones once it is right.

Across restarts: data_dir/clock.json (owner-only) keeps the last steady time and horizon. It
is written at most hourly, at shutdown, and at once whenever the horizon drops (a clock going
back), before any time read after the drop can be written anywhere. At start:
- steady = max(wall, saved steady): a clock that went back while no process ran does not make
  stored deadlines last longer than they had left;
- horizon = min(wall, saved horizon): time while no process runs is never credited, so the
  retention counts running time; a kiosk switched off half the time keeps its history about
  twice as long. With no saved horizon (first start, or the first after an upgrade to this
  file), the first cleanup pass caps it by the newest session created before this start: the
  purge then reaches only what is older than data that exists.

What a jump while no process runs can still do: forward, it looks like that much downtime to
deadlines, so sessions left open expire at the next start (one that reached the gateway only
after a look-up there, so no charge is lost) and a PIN lock ends early; it purges nothing.
Backward, deadlines resume where they stood, and the purge waits that much longer.

In a fleet each process has its own steady time and horizon. Comparing a deadline or a time
written by another process assumes the fleet's wall clocks agree, as the instance leases do.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from backend.private_files import write_private

log = logging.getLogger(__name__)

STATE_FILE = "clock.json"
# How often the steady time and horizon are saved while nothing drops them.
SAVE_EVERY_MS = 3_600_000
# A drop of the horizon smaller than this is not saved at once: the purge may act this early.
DROP_TOLERANCE_MS = 1_000


class TimeSource(Protocol):
    """What create_app is given: wall time as epoch ms when called. A source may also have a
    `monotonic()` (ms); without one the system's monotonic clock is used."""

    def __call__(self) -> int: ...


class SystemTime:
    def __call__(self) -> int:
        return time.time_ns() // 1_000_000

    def monotonic(self) -> int:
        return time.monotonic_ns() // 1_000_000


system_clock = SystemTime()


def _monotonic_of(source: TimeSource) -> Callable[[], int]:
    monotonic = getattr(source, "monotonic", None)
    return monotonic if callable(monotonic) else system_clock.monotonic


@dataclass(frozen=True, slots=True)
class _Saved:
    steady_ms: int
    horizon_ms: int
    # False: saved before the first cleanup pass capped the horizon by the database.
    confirmed: bool


class Clock:
    """The app's time: wall, monotonic, steady and horizon (module docstring)."""

    def __init__(self, source: TimeSource = system_clock, state_file: Path | None = None) -> None:
        self._source = source
        self._monotonic = _monotonic_of(source)
        self._file = state_file
        self._lock = threading.Lock()
        self._save_lock = threading.Lock()
        saved = _load(state_file)
        wall, mono = source(), self._monotonic()
        self.started_wall_ms = wall
        self._steady_base = max(wall, saved.steady_ms) if saved else wall
        self._mono_base = mono
        self._horizon = min(wall, saved.horizon_ms) if saved else wall
        self._horizon_mono = mono
        self._confirmed = saved is not None and saved.confirmed
        self._saved_horizon = saved.horizon_ms if saved else None
        self._saved_mono: int | None = None

    # ---- reading ----------------------------------------------------------------------------

    def __call__(self) -> int:
        return self.wall()

    def wall(self) -> int:
        wall = self._source()
        if self._observe(wall, self._monotonic()):
            # Saved before the time just read is returned, so before it can be written to a
            # row: a restart then never starts from the horizon as it was before the drop.
            log.warning("the wall clock went back; the purge horizon follows it down")
            self.save()
        return wall

    def monotonic(self) -> int:
        return self._monotonic()

    def steady(self) -> int:
        return self._steady_base + (self._monotonic() - self._mono_base)

    def horizon(self) -> int:
        self.wall()
        return self._horizon

    def wall_at(self, monotonic_ms: int) -> int:
        """When the monotonic clock reaches `monotonic_ms`, as the wall clock now tells it."""
        return self.wall() + (monotonic_ms - self._monotonic())

    def _observe(self, wall: int, mono: int) -> bool:
        """Move the horizon to this reading; True if it dropped (to be saved at once)."""
        with self._lock:
            projected = self._horizon + (mono - self._horizon_mono)
            horizon = min(wall, projected)
            self._horizon, self._horizon_mono = horizon, mono
            saved = self._saved_horizon
            return horizon < projected - DROP_TOLERANCE_MS or (
                saved is not None and horizon < saved - DROP_TOLERANCE_MS
            )

    # ---- the horizon's first cap and saving ---------------------------------------------------

    @property
    def horizon_confirmed(self) -> bool:
        return self._confirmed

    def confirm_horizon(self, newest_ms: int | None) -> None:
        """Cap a horizon that no saved state vouched for by the newest time the database
        held before this start (None: it held nothing)."""
        with self._lock:
            if newest_ms is not None:
                self._horizon = min(self._horizon, newest_ms)
            self._confirmed = True

    def save_due(self) -> bool:
        saved = self._saved_mono
        return self._file is not None and (saved is None or self._monotonic() - saved >= SAVE_EVERY_MS)

    def save(self) -> bool:
        """Write the steady time and horizon to the state file (no-op without one)."""
        if self._file is None:
            return False
        with self._save_lock:
            self._observe(self._source(), self._monotonic())
            horizon = self._horizon
            state = {"steadyMs": self.steady(), "horizonMs": horizon, "confirmed": self._confirmed}
            try:
                write_private(self._file, json.dumps(state).encode(), replace=True)
            except OSError as exc:
                log.warning("could not save %s (%s); the next start relies on the wall clock more", self._file, exc)
                return False
            with self._lock:
                self._saved_horizon = horizon
                self._saved_mono = self._monotonic()
            return True


def _load(path: Path | None) -> _Saved | None:
    if path is None:
        return None
    try:
        state = json.loads(path.read_bytes())
        return _Saved(int(state["steadyMs"]), int(state["horizonMs"]), bool(state.get("confirmed", True)))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # Treated as absent: the horizon is then capped by the database before any purge.
        log.warning("ignoring unreadable %s (%s)", path, exc)
        return None


def iso(ms: int | None) -> str | None:
    """`2026-11-18T08:00:00.123Z`."""
    if ms is None:
        return None
    second, milli = divmod(ms, 1000)
    return f"{_iso_second(second)}.{milli:03d}Z"


@functools.lru_cache(maxsize=256)
def _iso_second(second: int) -> str:
    # Replies and exports name the same few seconds over and over: a session's times, a page
    # of a day's history. Formatting a datetime each time was 2 % of a session create's loop time.
    return datetime.fromtimestamp(second, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
