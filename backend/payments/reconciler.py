"""Keeps asking the gateway about every session whose outcome is unknown or that waits to
settle, backing off while the gateway stays unreachable, until each one is settled."""

from __future__ import annotations

import logging

from backend.db.database import Database
from backend.db.sessions import reads
from backend.payments.engine import PaymentEngine
from backend.payments.pass_loop import PassLoop

log = logging.getLogger(__name__)


class Reconciler:
    def __init__(
        self, db: Database, engine: PaymentEngine, *, min_delay_s: float, max_delay_s: float
    ) -> None:
        self._db = db
        self._engine = engine
        self._loop = PassLoop(idle_s=min_delay_s, min_backoff_s=min_delay_s, max_backoff_s=max_delay_s)
        self.passes = 0

    def poke(self) -> None:
        """Look now instead of at the end of the current back-off."""
        self._loop.poke()

    async def run(self) -> None:
        async def one_pass() -> bool:
            return await self.reconcile_once() > 0

        await self._loop.run(one_pass)

    async def reconcile_once(self) -> int:
        """Hand every unsettled session to a driver; returns how many there were."""
        self.passes += 1
        session_ids = await self._db.read(reads.ids_to_reconcile)
        for session_id in session_ids:
            self._engine.kick(session_id)
        if session_ids:
            log.info("reconciling %d sessions", len(session_ids))
        return len(session_ids)
