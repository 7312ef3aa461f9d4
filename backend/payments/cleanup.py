"""The periodic pass that expires sessions past their lifetime and purges old finished ones.

Each pass is a few set-based statements on the writer thread, never a loop over rows on the
event loop. Sessions that reached the gateway are only marked; the reconciler asks the
gateway before they expire.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy import Connection

from backend.clock import Clock
from backend.db.database import Database
from backend.db.sessions import passes
from backend.payments.engine import PaymentEngine
from backend.payments.reconciler import Reconciler

log = logging.getLogger(__name__)

_DAY_MS = 86_400_000


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
    ) -> None:
        self._db = db
        self._engine = engine
        self._reconciler = reconciler
        self._interval = interval_s
        self._retention_ms = int(retention_days * _DAY_MS)
        self._clock = clock

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.run_once()
            except Exception:
                log.exception("cleanup pass failed; trying again next period")

    async def run_once(self) -> CleanupResult:
        now = self._clock()

        def one_pass(conn: Connection) -> CleanupResult:
            return CleanupResult(
                expired=passes.expire_untouched(conn, now),
                awaiting_gateway=passes.mark_contacted_for_expiry(conn, now),
                purged=passes.purge_finished(conn, now - self._retention_ms),
            )

        result = await self._db.write(one_pass)
        if result.awaiting_gateway:
            self._reconciler.poke()
        await self._engine.prune()
        if result.expired or result.awaiting_gateway or result.purged:
            log.info("cleanup: %s", result)
        return result
