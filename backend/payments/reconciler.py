"""Keeps asking the gateway about every session whose outcome is unknown or that waits to
settle, backing off while the gateway stays unreachable, until each one is settled.

In a fleet each instance reconciles its own sessions and takes over those of instances whose
lease ran out (backend/fleet/instance.py); a live instance's payments are left to it."""

from __future__ import annotations

import logging

from backend.clock import Clock
from backend.db.database import Database
from backend.db.sessions import passes, reads
from backend.payments.engine import PaymentEngine
from backend.payments.pass_loop import PassLoop
from smartcart_contract.states import Reason

log = logging.getLogger(__name__)


class Reconciler:
    def __init__(
        self,
        db: Database,
        engine: PaymentEngine,
        *,
        clock: Clock,
        min_delay_s: float,
        max_delay_s: float,
        idle_s: float | None = None,
    ) -> None:
        """`idle_s`: the wait after a pass that found nothing (default `min_delay_s`)."""
        self._db = db
        self._engine = engine
        self._clock = clock
        self._loop = PassLoop(idle_s=idle_s or min_delay_s, min_backoff_s=min_delay_s, max_backoff_s=max_delay_s)
        self.passes = 0

    def poke(self) -> None:
        """Look now instead of at the end of the current back-off."""
        self._loop.poke()

    async def run(self) -> None:
        async def one_pass() -> bool:
            return await self.reconcile_once() > 0

        await self._loop.run(one_pass)

    async def reconcile_once(self) -> int:
        """Take over the attempts of instances that died, then hand every unsettled session
        this instance may drive to a driver; returns how many there were."""
        self.passes += 1
        owner, now = self._engine.owner, self._clock()
        if await self._db.read(lambda conn: reads.has_orphaned_attempts(conn, owner, now)):
            taken = await self._db.write(
                lambda conn: passes.interrupt_processing(
                    conn, now, Reason.CRASH_RECOVERED, owner=owner, own=False, orphans=True
                )
            )
            log.warning("took over %d payments whose process stopped", taken)
        session_ids = [
            session_id
            for session_id in await self._db.read(lambda conn: reads.ids_to_reconcile(conn, owner, now))
            if not self._engine.is_driving(session_id)
        ]
        for session_id in session_ids:
            self._engine.kick(session_id)
        if session_ids:
            log.info("reconciling %d sessions", len(session_ids))
        return len(session_ids)
