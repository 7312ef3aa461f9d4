"""Sends payments accepted offline to the gateway once it answers again.

One forwarder at a time, guarded by a lease in the database (a second process, or a
"forward now" while the background pass runs, waits its turn). A forward reuses the
session's idempotency key, and once anything of the session may have reached the gateway
(recorded before the charge is sent) it first asks the gateway what it holds under that key,
so a forward repeated after a crash or a lost reply can never charge twice.

A sealed payment this process's key cannot open (sealed under another key, or damaged) is set
aside for the admin, its sealed bytes kept, and forwarding carries on with the others.

Once forwarded, nothing of a card stays readable: the outcome clears `sealed_source` (with
SQLite's secure_delete the cleared bytes are zeroed in the page), and then the forwarder
empties the WAL (Database.scrub), whose older frames still hold the page as it was. A scrub
that a reader stood in the way of is tried again at the next pass. On PostgreSQL the row value
is gone; old row versions until VACUUM and the server's WAL are the server's to protect.

Idle, it writes nothing: a pass reads first and takes the lease only when there is work.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from typing import Literal

from backend.clock import Clock
from backend.db import leases
from backend.db.database import Database
from backend.db.sessions import moves
from backend.gateway.client import Charge, GatewayClient, GatewayError, PaymentSource
from backend.offline import repo as offline_repo
from backend.offline.sealing import Sealer, Unreadable
from backend.payments.pass_loop import PassLoop
from backend.payments.records import SessionRecord
from smartcart_contract.states import Status

log = logging.getLogger(__name__)

_LEASE = "forwarder"
_SET_ASIDE: Literal["set_aside"] = "set_aside"


@dataclass(frozen=True, slots=True)
class ForwardResult:
    completed: int = 0
    declined: int = 0
    waiting: int = 0
    busy: bool = False  # another forwarder holds the lease
    set_aside: int = 0  # could not be opened with this process's key: left for the admin


class Forwarder:
    def __init__(
        self,
        db: Database,
        gateway: GatewayClient,
        sealer: Sealer,
        *,
        clock: Clock,
        lease_ttl_s: float,
        min_delay_s: float,
        max_delay_s: float,
        idle_s: float | None = None,
    ) -> None:
        """`idle_s`: the wait after a pass that found nothing waiting (default `min_delay_s`)."""
        self._db = db
        self._gateway = gateway
        self._sealer = sealer
        self._clock = clock
        self._lease_ttl_ms = int(lease_ttl_s * 1000)
        self._holder = uuid.uuid4().hex
        self._lock = asyncio.Lock()
        self._loop = PassLoop(idle_s=idle_s or min_delay_s, min_backoff_s=min_delay_s, max_backoff_s=max_delay_s)
        self._scrub_pending = False  # an outcome cleared a sealed card; the WAL may still hold it
        self.passes = 0

    def poke(self) -> None:
        self._loop.poke()

    async def run(self) -> None:
        await self._loop.run(self._background_pass)

    async def _background_pass(self) -> bool:
        self.passes += 1
        try:
            # A read first: with nothing waiting, a pass writes nothing (no lease taken and
            # released every period, no lock for other processes to wait on).
            if not (await self._db.read(offline_repo.waiting_summary)).count:
                return not await self._scrub()
            result = await self.forward_now()
        except Exception:
            log.exception("forwarding pass failed")
            return True
        return bool(result.waiting or result.busy or self._scrub_pending)

    async def forward_now(self) -> ForwardResult:
        async with self._lock:
            if not await self._take_lease():
                return ForwardResult(busy=True)
            try:
                return await self._forward_waiting()
            finally:
                await self._db.write(lambda conn: leases.release(conn, _LEASE, self._holder))
                await self._scrub()

    async def _scrub(self) -> bool:
        """Empty the WAL if an outcome cleared a card since the last scrub; False if it must
        be tried again."""
        if not self._scrub_pending:
            return True
        try:
            if await self._db.scrub():
                self._scrub_pending = False
                return True
        except Exception:
            log.exception("emptying the WAL of forwarded card data failed; trying again")
            return False
        log.info("the WAL could not be emptied of forwarded card data yet (a reader is using it); trying again")
        return False

    async def _take_lease(self) -> bool:
        now = self._clock()
        return await self._db.write(
            lambda conn: leases.take(
                conn, _LEASE, self._holder, now_ms=now, ttl_ms=self._lease_ttl_ms
            )
        )

    async def _forward_waiting(self) -> ForwardResult:
        completed = declined = set_aside = 0
        key_id = self._sealer.key_id
        # Payments set aside under this key drop out of `waiting`, so the loop ends.
        while waiting := await self._db.read(lambda conn: offline_repo.waiting(conn, limit=20, key_id=key_id)):
            for session, sealed in waiting:
                if not await self._take_lease():  # renewed per payment; lost means stop
                    return ForwardResult(completed, declined, len(waiting), busy=True, set_aside=set_aside)
                outcome = await self._forward_one(session, sealed)
                if outcome is None:  # the gateway is away again: keep the rest for later
                    remaining = await self._db.read(offline_repo.waiting_summary)
                    return ForwardResult(completed, declined, remaining.count, set_aside=set_aside)
                completed += outcome is Status.COMPLETED
                declined += outcome is Status.DECLINED
                set_aside += outcome == _SET_ASIDE
        return ForwardResult(completed, declined, 0, set_aside=set_aside)

    async def _forward_one(
        self, session: SessionRecord, sealed: bytes | None
    ) -> Status | Literal["set_aside"] | None:
        """The session's new status; "set_aside" if it cannot be opened; None if the gateway is away."""
        try:
            charge = None
            if session.gateway_contacted:  # an earlier attempt or forward may have landed
                charge = await self._gateway.lookup(key=session.idempotency_key)
            if charge is None:
                # Opened before anything is recorded or sent: one that cannot be opened never
                # reaches the gateway, and a lookup above still settles one that already did.
                try:
                    source = self._sealer.open(sealed)
                except Unreadable as exc:
                    await self._set_aside(session, str(exc))
                    return _SET_ASIDE
                charge = await self._send(session, source)
        except GatewayError as exc:
            error = str(exc)
            await self._db.write(lambda conn: offline_repo.note_failure(conn, session.id, error))
            return None
        return await self._record(session, charge)

    async def _set_aside(self, session: SessionRecord, reason: str) -> None:
        key_id, now = self._sealer.key_id, self._clock()
        log.error(
            "offline payment %s cannot be opened with offline key %s (%s): set aside for the admin",
            session.id, key_id, reason,
        )
        await self._db.write(
            lambda conn: offline_repo.set_aside(conn, session.id, key_id=key_id, reason=reason, now_ms=now)
        )

    async def _send(self, session: SessionRecord, source: PaymentSource) -> Charge:
        # Recorded before the charge leaves, so that after a crash or a lost reply the next
        # forward looks up what landed instead of guessing.
        first_contact = not session.gateway_contacted
        if first_contact:
            await self._mark_contacted(session, True, "forward sent to the gateway")
        try:
            return await self._gateway.charge(
                key=session.idempotency_key,
                amount_minor=session.amount_minor,
                currency=session.currency,
                source=source,
            )
        except GatewayError as exc:
            if first_contact and not exc.maybe_delivered:
                await self._mark_contacted(session, False, "the gateway refused the connection")
            raise

    async def _mark_contacted(self, session: SessionRecord, contacted: bool, reason: str) -> None:
        now = self._clock()
        await self._db.write(
            lambda conn: moves.amend(
                conn,
                session.id,
                now_ms=now,
                kind="forward_sent" if contacted else "forward_refused",
                values={"gateway_contacted": contacted},
                reason=reason,
            )
        )

    async def _record(self, session: SessionRecord, charge: Charge) -> Status:
        to = Status.COMPLETED if charge.stands else Status.DECLINED
        decline_code = None if charge.stands else (charge.decline_code or charge.status)
        now = self._clock()
        self._scrub_pending = True  # set first: the write may commit and its reply be lost
        await self._db.write(
            lambda conn: offline_repo.record_outcome(
                conn,
                session.id,
                to=to,
                charge_id=charge.id,
                decline_code=decline_code,
                now_ms=now,
            )
        )
        if to is Status.DECLINED:
            log.warning("offline payment %s was declined when forwarded: a loss to follow up", session.id)
        return to
