"""Whether this process should be sent traffic: its database takes writes, its schema is at
the head this code expects, and the gateway answers. Liveness (/api/health) is another
question: a process that is not ready is still alive and may become ready by itself."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.exc import DBAPIError

from backend.db import migrate
from backend.db.database import Database
from backend.gateway.monitor import GatewayMonitor

CheckName = Literal["database", "migrations", "gateway"]


@dataclass(frozen=True, slots=True)
class Check:
    name: CheckName
    ok: bool
    code: str
    message: str


def schema_heads() -> frozenset[str]:
    """The migration heads this code was written for."""
    return frozenset({migrate.HEAD})


def _why(exc: BaseException) -> str:
    """The driver's own first line ("disk I/O error", "cannot execute UPDATE in a read-only
    transaction"), not SQLAlchemy's message with the statement in it."""
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    text = str(cause).strip()
    return (text.splitlines()[0] if text else type(cause).__name__)[:200]


class Readiness:
    def __init__(
        self,
        db: Database,
        monitor: GatewayMonitor,
        *,
        heads: frozenset[str],
        probe_write: Callable[[], Awaitable[None]],
        timeout_s: float,
    ) -> None:
        """`probe_write`: a real write that commits (the instance's heartbeat): a database that
        takes it takes payments."""
        self._db = db
        self._monitor = monitor
        self._heads = heads
        self._probe_write = probe_write
        self._timeout_s = timeout_s

    async def checks(self) -> list[Check]:
        database, migrations = await asyncio.gather(self._database(), self._migrations())
        return [database, migrations, self._gateway()]

    async def _database(self) -> Check:
        try:
            async with asyncio.timeout(self._timeout_s):
                await self._probe_write()
        except TimeoutError:
            return Check(
                "database", False, "database_not_writable", f"a write did not commit within {self._timeout_s:g} s"
            )
        except Exception as exc:
            return Check("database", False, "database_not_writable", f"a write failed: {_why(exc)}")
        return Check("database", True, "ok", "a write committed")

    async def _migrations(self) -> Check:
        try:
            async with asyncio.timeout(self._timeout_s):
                current = await self._db.read(migrate.current_revisions)
        except TimeoutError:
            return Check("migrations", False, "database_unavailable", "the schema version could not be read in time")
        except Exception as exc:
            return Check(
                "migrations", False, "database_unavailable", f"the schema version could not be read: {_why(exc)}"
            )
        if current == self._heads:
            return Check("migrations", True, "ok", f"schema at {', '.join(sorted(current))}")
        have = ", ".join(sorted(current)) or "none"
        want = ", ".join(sorted(self._heads))
        return Check("migrations", False, "migrations_behind", f"schema at {have}; this code needs {want}")

    def _gateway(self) -> Check:
        reachable = self._monitor.reachable
        if reachable:
            return Check("gateway", True, "ok", "the gateway answers")
        # ask again now rather than at the end of the monitor's back-off: traffic waits on it
        self._monitor.poke()
        if reachable is None:
            return Check("gateway", False, "gateway_unknown", "the gateway has not answered a request yet")
        return Check("gateway", False, "gateway_unreachable", "the gateway does not answer")
