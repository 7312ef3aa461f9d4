"""Accepting a card or UPI payment while the gateway cannot be reached (store-and-forward).

The session becomes OFFLINE_ACCEPTED, the customer leaves with a receipt marked "accepted
offline", and the payment source is sealed into the database for the forwarder.
"""

from __future__ import annotations

from backend.clock import Clock
from backend.db.database import Database
from backend.gateway.client import PaymentSource
from backend.offline import repo as offline_repo
from backend.offline.forwarder import Forwarder
from backend.offline.sealing import Sealer
from backend.payments.records import SessionRecord


class OfflineAcceptance:
    def __init__(
        self,
        db: Database,
        sealer: Sealer,
        forwarder: Forwarder,
        limits: offline_repo.OfflineLimits,
        *,
        clock: Clock,
    ) -> None:
        self._db = db
        self._sealer = sealer
        self._forwarder = forwarder
        self._limits = limits
        self._clock = clock

    async def try_accept(
        self, session: SessionRecord, source: PaymentSource
    ) -> tuple[SessionRecord | None, str | None]:
        """(the accepted session, None) or (None, why it was refused)."""
        sealed = self._sealer.seal(source)
        now = self._clock()
        try:
            accepted = await self._db.write(
                lambda conn: offline_repo.accept(
                    conn, session.id, sealed=sealed, limits=self._limits, now_ms=now
                )
            )
        except offline_repo.OfflineRefused as refused:
            return None, str(refused)
        self._forwarder.poke()
        return accepted, None
