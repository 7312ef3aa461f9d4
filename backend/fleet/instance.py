"""This backend process's identity and its heartbeat lease in the database.

A payment being driven names its owner (`payment_sessions.owner`); recovery, the reconciler
and shutdown touch another process's payment only once that owner's lease has run out.

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
from pathlib import Path
from typing import IO

from backend.clock import Clock
from backend.db import leases
from backend.db.database import Database

log = logging.getLogger(__name__)



def claim_id(data_dir: Path) -> tuple[str, IO[str] | None]:
    """The data directory's instance id, with the open lock file that holds it; or a fresh
    id (and None) when another live process holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = open(data_dir / "instance.lock", "a+")  # noqa: SIM115 - held open for the process's life
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
    def __init__(self, db: Database, instance_id: str, *, lease_s: float, clock: Clock) -> None:
        self.id = instance_id
        self._db = db
        self._lease_ms = int(lease_s * 1000)
        self._clock = clock
        self._name = leases.INSTANCE_PREFIX + instance_id

    async def renew(self) -> None:
        now = self._clock()
        await self._db.write(
            lambda conn: leases.take(conn, self._name, self.id, now_ms=now, ttl_ms=self._lease_ms)
        )

    async def run(self) -> None:
        """Renew the lease three times per lease period, for as long as the process lives."""
        while True:
            await asyncio.sleep(self._lease_ms / 3000)
            try:
                await self.renew()
            except Exception:
                log.exception("could not renew this instance's lease; trying again")

    async def retire(self) -> None:
        """A clean shutdown: the lease ends now, so nobody waits for it to run out."""
        with contextlib.suppress(Exception):
            await self._db.write(lambda conn: leases.release(conn, self._name, self.id))
