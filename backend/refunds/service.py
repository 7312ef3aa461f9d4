"""What a refund request does: record the intent, then have the gateway do it, then record that.

The intent is committed before the gateway hears of it, under a gateway key derived from it
(backend/db/refunds.py). Whatever happens next — a lost reply, a timeout, the process killed —
the refund stays `pending` and holds its amount, and is finished by the same request sent again
or by the recovery pass (recovery.py), both asking the gateway under the same key: the gateway
refunds it once. Only the gateway's definite no frees the amount (`failed`). A cash refund has no
gateway: it is paid out of the drawer, and done when recorded. A UPI QR payment is given back by
the provider that took it (backend/providers/upi_qr.py: the simulator's ledger, or Razorpay).
"""

from __future__ import annotations

import logging

from backend.clock import Clock
from backend.db import refunds as rows
from backend.db.database import Database
from backend.gateway.client import GatewayClient, GatewayError, GatewayRefused, Refund
from backend.providers.upi_qr import UpiQr
from backend.refunds.records import RefundOutcome, RefundRecord, RefundRequest, RefundStatus
from smartcart_contract.payment_methods import PaymentMethod

log = logging.getLogger(__name__)


class RefundService:
    def __init__(self, db: Database, gateway: GatewayClient, upi_qr: UpiQr, *, clock: Clock) -> None:
        self._db = db
        self._gateway = gateway
        self._upi_qr = upi_qr
        self._clock = clock

    async def refund(self, request: RefundRequest) -> RefundOutcome:
        now = self._clock()
        outcome = await self._db.write(lambda conn: rows.record_intent(conn, request, now))
        if outcome.refund.status is not RefundStatus.PENDING:
            return outcome
        finished = await self.finish(outcome.refund)
        refreshed = await self._db.read(lambda conn: rows.outcome(conn, finished.id))
        return RefundOutcome(refreshed.refund, refreshed.taken_minor, refreshed.refundable_minor, outcome.created)

    async def of_session(self, session_id: str) -> list[RefundRecord]:
        return await self._db.read(lambda conn: rows.of_session(conn, session_id))

    async def finish(self, refund: RefundRecord) -> RefundRecord:
        """Ask the provider (the gateway, or the UPI QR provider) to do a pending refund; it stays
        pending when the answer is unknown."""
        try:
            done = await self._ask(refund)
        except GatewayRefused as exc:
            log.warning("the gateway refused refund %s: %s (%s)", refund.id, exc, exc.code)
            now, error = self._clock(), f"{exc.code}: {exc}"
            return await self._db.write(lambda conn: rows.fail(conn, refund.id, error, now))
        except GatewayError as exc:
            # A warning: money the admin was told is on its way back has not left yet.
            log.warning("refund %s stays pending: %s", refund.id, exc)
            return refund
        now = self._clock()
        return await self._db.write(lambda conn: rows.succeed(conn, refund.id, done.id, now))

    async def _ask(self, refund: RefundRecord) -> Refund:
        if refund.method == PaymentMethod.UPI_QR:
            charge_id = await self._db.read(lambda conn: rows.charge_id_of(conn, refund.session_id))
            return await self._upi_qr.refund_part(
                key=refund.gateway_key, charge_key=refund.charge_key, charge_id=charge_id,
                amount_minor=refund.amount_minor,
            )
        return await self._gateway.refund(
            key=refund.gateway_key, charge_key=refund.charge_key, amount_minor=refund.amount_minor
        )

    async def finish_pending(self) -> int:
        """Finish every refund left pending; returns how many are still pending."""
        waiting = await self._db.read(rows.pending)
        still = 0
        for refund in waiting:
            if (await self.finish(refund)).status is RefundStatus.PENDING:
                still += 1
        return still
