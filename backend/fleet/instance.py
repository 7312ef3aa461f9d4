"""This backend process's identity and its heartbeat lease in the database.

A payment being driven names its owner (`payment_sessions.owner`); recovery, the reconciler
and shutdown touch another process's payment only once that owner's lease has run out.

The lease is kept alive only while it protects something, so an idle kiosk writes nothing:

- Whenever this process commits a write and its lease was last renewed more than a third of
  a lease period ago, the renewal is written *in that same transaction* (a commit hook of the
  Database, see `before_commit`). Every claim of a session (`owner` set to this instance: a
  payment started or resumed, a retry, a take-over, start-up recovery) is such a write, so no
  commit can ever make this process the owner of work while its lease is lapsed: the claim and
  a lease good for at least two thirds of a period become visible to other processes together,
  or not at all. A lapsed lease of an idle process therefore never lets another process steal
  a payment it then starts: before the start commits, nobody can see the payment as this
  process's; once it does, the lease is live.
- Three times per lease period the heartbeat reads whether this process owns work another
  process would take over if it died (reads.owns_work_in_flight: an attempt in flight, or an
  interrupted one whose outcome is unknown or that waits to settle). Only then, and only if no
  write renewed it meanwhile, does it renew the lease with a write of its own.
- With nothing in flight, the lease runs out. That is harmless: another process takes over
  only sessions this process owns in those states, and there are none; the next claim renews
  the lease first, in the same commit, as above.
- A write that changes nothing (the cleanup pass finding nothing to expire) is no reason to
  renew: the hook asks the transaction whether it changed anything (SQLite's total_changes, a
  PostgreSQL transaction id) and leaves a no-op commit a no-op.

The id is kept in the data directory under an exclusive file lock: a kiosk restarted after a
crash is the same instance again and recovers its own payments at once, without waiting for
its old lease to run out. A second process on the same data directory cannot take the lock
and runs under a fresh id of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import IO

from sqlalchemy import Connection

from backend.clock import Clock
from backend.db import leases
from backend.db.database import Database
from backend.db.sessions import passes, reads
from backend.errors import StorageFull
from smartcart_contract.states import Reason

log = logging.getLogger(__name__)


def claim_id(data_dir: Path) -> tuple[str, IO[str] | None]:
    """The data directory's instance id, with the open lock file that holds it; or a fresh
    id (and None) when another live process holds it."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(data_dir / "instance.lock", os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    lock = open(fd, "a+")  # noqa: SIM115 - held open for the process's life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return secrets.token_hex(8), None
    lock.seek(0)
    known = lock.read().strip()
    if len(known) == 16 and all(c in "0123456789abcdef" for c in known):
        return known, lock
    fresh = secrets.token_hex(8)
    lock.seek(0)
    lock.truncate()
    lock.write(fresh)
    lock.flush()
    os.fsync(lock.fileno())
    return fresh, lock


class Instance:
    """The lease's keeper; registered with the Database as a CommitHook (see the module doc)."""

    def __init__(self, db: Database, instance_id: str, *, lease_s: float, clock: Clock) -> None:
        self.id = instance_id
        self._db = db
        self._lease_ms = int(lease_s * 1000)
        self._clock = clock
        self._name = leases.INSTANCE_PREFIX + instance_id
        # Only the writer thread changes these three (the heartbeat reads _renewed_at_ms).
        self._renewed_at_ms: int | None = None  # the last renewal known to be committed
        self._pending_ms: int | None = None  # a renewal written in the transaction still open
        self._wanted = False  # the open transaction is the heartbeat's: renew whatever it wrote
        self._retired = False
        self.beats = 0  # heartbeat passes, for tests to count

    # ---- CommitHook, on the writer thread --------------------------------------------------

    def before_commit(self, conn: Connection, wrote: Callable[[], bool]) -> None:
        if self._retired:
            return
        now = self._clock()
        if not self._wanted and (self._fresh(now) or not wrote()):
            return
        leases.take(conn, self._name, self.id, now_ms=now, ttl_ms=self._lease_ms)
        self._pending_ms = now

    def after_commit(self) -> None:
        if self._pending_ms is not None:
            self._renewed_at_ms = self._pending_ms
        self._pending_ms, self._wanted = None, False

    def after_rollback(self) -> None:
        self._pending_ms, self._wanted = None, False

    def _fresh(self, now_ms: int) -> bool:
        """Renewed less than a third of a period ago (a clock that went back counts as stale)."""
        renewed = self._renewed_at_ms
        return renewed is not None and 0 <= now_ms - renewed < self._lease_ms // 3

    # ---- on the event loop -----------------------------------------------------------------

    async def renew(self) -> None:
        """Renew the lease now, whatever else the transaction writes."""

        def want(_conn: Connection) -> None:
            self._wanted = True  # read by before_commit at the end of this same transaction

        await self._db.write(want)

    async def run(self) -> None:
        """Three times per lease period: renew the lease if this process owns work in flight
        and no write of its own renewed it meanwhile. Otherwise only a read."""
        while True:
            await asyncio.sleep(self._lease_ms / 3000)
            self.beats += 1
            try:
                if self._fresh(self._clock()):
                    continue
                if await self._db.read(lambda conn: reads.owns_work_in_flight(conn, self.id)):
                    await self.renew()
            except Exception as exc:
                log.warning("could not renew this instance's lease (%s); trying again", exc)

    async def recover(self) -> int:
        """Attempts of this instance cut short by a crash, and those of instances that died:
        their outcome is unknown, the reconciler looks them up. A no-op write when there are
        none: nothing is written, the lease is not renewed."""
        now = self._clock()
        recovered = await self._db.write(
            lambda conn: passes.interrupt_processing(
                conn, now, Reason.CRASH_RECOVERED, owner=self.id, own=True, orphans=True
            )
        )
        if recovered:
            log.warning("%d payments were in flight when their process stopped; reconciling them", recovered)
        return recovered

    async def recover_when_possible(self, retry_s: float) -> None:
        """recover(), again every `retry_s` for as long as the storage is full."""
        while True:
            try:
                await self.recover()
                return
            except StorageFull:
                await asyncio.sleep(retry_s)

    async def retire(self) -> None:
        """A clean shutdown: the lease, if live, ends now, so nobody waits for it to run out."""
        renewed, self._retired = self._renewed_at_ms, True
        if renewed is None or self._clock() - renewed >= self._lease_ms:
            return  # lapsed already (or never taken): nothing to end
        with contextlib.suppress(Exception):
            await self._db.write(lambda conn: leases.release(conn, self._name, self.id))
