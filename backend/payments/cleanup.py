"""The periodic pass that expires sessions past their lifetime and purges old finished ones.

Each pass is a few set-based statements on the writer thread, never a loop over rows on the
event loop. Sessions that reached the gateway are only marked; the reconciler asks the
gateway before they expire. Expiry runs in transactions of at most `batch` sessions: ten
thousand in one kept the writer thread busy long enough, in and out of the GIL row by row, to
hold the window's loop for more than a frame; between batches the loop has the GIL to itself.

Neither decision trusts the wall clock (backend/clock.py): a session's lifetime ends on the
steady timeline, which no jump moves while the process runs, and the purge reaches only as
far as the clock's horizon, which a jump forward never advances. So a jump of months either
way expires no session early and purges nothing that is not `retention_days` old in running
time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection

from backend.clock import Clock
from backend.db.database import Database
from backend.db.sessions import passes
from backend.payments.engine import PaymentEngine
from backend.payments.reconciler import Reconciler

log = logging.getLogger(__name__)

_DAY_MS = 86_400_000
BATCH = 500


@dataclass(frozen=True, slots=True)
class CleanupResult:
    expired: int
    awaiting_gateway: int
    purged: int


class Cleanup:
    def __init__(
        self,
        db: Database,
        engine: PaymentEngine,
        reconciler: Reconciler,
        *,
        interval_s: float,
        retention_days: float,
        clock: Clock,
        batch: int = BATCH,
    ) -> None:
        self._db = db
        self._batch = batch
        self._engine = engine
        self._reconciler = reconciler
        self._interval = interval_s
        self._retention_ms = int(retention_days * _DAY_MS)
        self._clock = clock

    async def run(self) -> None:
        try:
            await self._confirm_horizon()
            while True:
                await asyncio.sleep(self._interval)
                try:
                    await self.run_once()
                except Exception:
                    log.exception("cleanup pass failed; trying again next period")
        finally:
            # At shutdown: the next start resumes the steady time and horizon from here.
            self._clock.save()

    async def run_once(self) -> CleanupResult:
        await self._confirm_horizon()
        now, steady = self._clock(), self._clock.steady()
        purge_before = self._clock.horizon() - self._retention_ms

        batch = self._batch
        result = CleanupResult(
            expired=await self._in_batches(
                lambda conn: passes.expire_untouched(conn, now, steady_ms=steady, limit=batch)
            ),
            awaiting_gateway=await self._in_batches(
                lambda conn: passes.mark_contacted_for_expiry(conn, now, steady_ms=steady, limit=batch)
            ),
            purged=await self._db.write(lambda conn: passes.purge_finished(conn, purge_before)),
        )
        if result.awaiting_gateway:
            self._reconciler.poke()
        await self._engine.prune()
        if result.expired or result.awaiting_gateway or result.purged:
            log.info("cleanup: %s", result)
        if self._clock.save_due():
            await asyncio.to_thread(self._clock.save)
        return result

    async def _in_batches(self, one_batch: Callable[[Connection], int]) -> int:
        """Run a limited pass until it finds fewer than a batch; how many it changed in all."""
        total = 0
        while True:
            changed = await self._db.write(one_batch)
            total += changed
            if changed < self._batch:
                return total
            await asyncio.sleep(0)  # one loop turn with the writer idle

    async def _confirm_horizon(self) -> None:
        """Without a saved horizon, cap it by the newest session created before this start
        before anything is purged (backend/clock.py)."""
        if self._clock.horizon_confirmed:
            return
        started = self._clock.started_wall_ms
        newest = await self._db.read(lambda conn: passes.newest_created_before(conn, started))
        self._clock.confirm_horizon(newest)
        await asyncio.to_thread(self._clock.save)
