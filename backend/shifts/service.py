"""Opening a shift, reading it while it runs, and closing it with its Z report."""

from __future__ import annotations

import logging

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from backend.clock import Clock
from backend.db import shifts as rows
from backend.db.database import Database
from backend.errors import Conflict, NotFound
from backend.gateway.client import GatewayClient, GatewayError
from backend.shifts import report
from backend.shifts.records import ShiftRecord, ZReport

log = logging.getLogger(__name__)


class ShiftService:
    def __init__(self, db: Database, gateway: GatewayClient, *, clock: Clock, currency: str) -> None:
        self._db = db
        self._gateway = gateway
        self._clock = clock
        self._currency = currency

    async def open(self, float_minor: int) -> ShiftRecord:
        now, steady = self._clock(), self._clock.steady()
        try:
            return await self._db.write(
                lambda conn: rows.open_shift(conn, currency=self._currency, float_minor=float_minor,
                                             now_ms=now, steady_ms=steady)
            )
        except IntegrityError:
            # Another process opened one in the same instant: its unique slot refused this one.
            raise Conflict("A shift was opened meanwhile: close it first.", code="shift_open") from None

    async def current(self) -> tuple[ShiftRecord, ZReport]:
        """The open shift and its figures so far (no reconciliation until the close)."""
        wall, steady = self._clock(), self._clock.steady()

        def read(conn: Connection) -> tuple[ShiftRecord, ZReport]:
            shift = rows.current(conn)
            if shift is None:
                raise NotFound("No shift is open.", code="no_open_shift")
            return shift, self._running(conn, shift, wall, steady)

        return await self._db.read(read)

    async def report(self, shift_id: int) -> tuple[ShiftRecord, ZReport]:
        """A closed shift's report as it was closed; an open one's figures so far."""
        wall, steady = self._clock(), self._clock.steady()

        def read(conn: Connection) -> tuple[ShiftRecord, ZReport]:
            shift, stored = rows.get(conn, shift_id)
            if stored is not None:
                return shift, report.from_json(stored)
            return shift, self._running(conn, shift, wall, steady)

        return await self._db.read(read)

    async def close(self, counted_minor: int, note: str | None) -> tuple[ShiftRecord, ZReport]:
        shift = await self._db.read(rows.current)
        if shift is None:
            raise NotFound("No shift is open.", code="no_open_shift")
        wall, steady = self._clock(), self._clock.steady()
        until = report.until_of(shift, wall, steady)
        try:
            charges, refunds = await self._gateway.ledger()
        except GatewayError as exc:
            log.warning("closing shift %s without a reconciliation: %s", shift.id, exc)
            checked = None
            why = f"the gateway's ledger could not be read: {exc}"
        else:
            checked = (charges, refunds)
            why = ""

        def compute(conn: Connection) -> ZReport:
            reconciliation = (
                report.reconcile(conn, shift, until, *checked) if checked is not None else report.unchecked(why)
            )
            return report.figures(conn, shift, wall_ms=wall, steady_ms=steady, counted_minor=counted_minor,
                                  note=note, reconciliation=reconciliation, final=True)

        z = await self._db.read(compute)
        closed = await self._db.write(
            lambda conn: rows.close(conn, shift.id, counted_minor=counted_minor, note=note, at_ms=until - 1,
                                    steady_ms=steady, report=report.to_json(z))
        )
        return closed, z

    def _running(self, conn: Connection, shift: ShiftRecord, wall: int, steady: int) -> ZReport:
        return report.figures(
            conn, shift, wall_ms=wall, steady_ms=steady, counted_minor=None,
            note=None, reconciliation=report.unchecked("reconciled with the gateway at the close"), final=False,
        )
