"""Finishes refunds left pending by a lost reply or a crash: once at start-up, then again and
again, backing off while the gateway stays away, and at once when it answers again.

Several processes may finish the same refund at once (a fleet, or a retry of the request): each
asks the gateway under the refund's own key, so the gateway refunds once, and only the first
answer written ends the refund (backend/db/refunds.py)."""

from __future__ import annotations

import logging

from backend.payments.pass_loop import PassLoop
from backend.refunds.service import RefundService

log = logging.getLogger(__name__)


class RefundRecovery:
    def __init__(self, refunds: RefundService, *, min_delay_s: float, max_delay_s: float) -> None:
        self._refunds = refunds
        self._loop = PassLoop(idle_s=max_delay_s, min_backoff_s=min_delay_s, max_backoff_s=max_delay_s)

    def poke(self) -> None:
        self._loop.poke()

    async def run(self) -> None:
        async def one_pass() -> bool:
            try:
                return await self._refunds.finish_pending() > 0
            except Exception:
                # A full disk or a database away: the next pass tries again, a little later.
                log.exception("finishing pending refunds failed")
                return True

        await self._loop.run(one_pass)
