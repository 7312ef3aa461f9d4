"""Driving a payment the customer makes away from the screen: a UPI QR their phone scans, a card
terminal they tap. The engine (engine.py) hands such sessions here; the same rules hold:

- one key per session: the QR or terminal payment is opened under the session's key, so a
  repeated open (a retry after a lost reply, a restart) finds the same one again;
- look up before any new step: an attempt whose outcome is unknown looks up before opening;
- while PROCESSING the payment is looked up every `poll_s` until it is paid, declined, or its
  time (`waiting_until_ms`, from settings) runs out;
- cancel, expiry, failure: close it at the provider first, then look up. A payment found before
  the close on expiry was made in time and completes the session; one found after the close
  landed late and is refunded (keyed on the session, so a repeat refunds nothing more), and the
  refund is an event of the session's history;
- after a restart (or an interruption) a payment still open at the provider is watched again:
  the customer may be paying it right now.

This module uses the engine's own compare-and-set helpers: it is a part of the engine kept in
its own file, not a separate actor.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Connection

from backend.clock import Clock
from backend.db.sessions import moves, reads
from backend.gateway.client import Charge, GatewayError
from backend.payments.records import SessionRecord
from backend.providers.selection import Providers
from backend.providers.waiting import WaitingPayment
from smartcart_contract.payment_methods import PaymentMethod
from smartcart_contract.states import Status

if TYPE_CHECKING:
    from backend.payments.engine import PaymentEngine

log = logging.getLogger(__name__)


class _Desk(Protocol):
    """What the driver needs of a waiting capability, whichever one it is."""

    label: str
    unpaid: str

    async def open(self, session: SessionRecord) -> WaitingPayment: ...

    async def lookup(self, key: str) -> WaitingPayment | None: ...

    async def close(self, key: str) -> WaitingPayment: ...

    async def refund(self, key: str) -> Charge: ...


class _QrDesk:
    label = "upi_qr"
    unpaid = "the UPI QR was not paid in time"

    def __init__(self, providers: Providers, clock: Clock) -> None:
        self._qr = providers.upi_qr
        self._clock = clock

    async def open(self, session: SessionRecord) -> WaitingPayment:
        until = session.waiting_until_ms or session.expires_at_ms
        return await self._qr.create(
            key=session.idempotency_key,
            amount_minor=session.amount_minor,
            currency=session.currency,
            # `tr`: the session's key, the one reference that ties a UPI payment to it.
            reference=session.idempotency_key,
            close_by_ms=self._clock() + max(0, until - self._clock.steady()),
        )

    async def lookup(self, key: str) -> WaitingPayment | None:
        return await self._qr.lookup(key=key)

    async def close(self, key: str) -> WaitingPayment:
        return await self._qr.close(key=key)

    async def refund(self, key: str) -> Charge:
        return await self._qr.refund(key=key)


class _TerminalDesk:
    label = "terminal"
    unpaid = "no card was presented at the terminal in time"

    def __init__(self, providers: Providers) -> None:
        self._terminal = providers.terminal

    async def open(self, session: SessionRecord) -> WaitingPayment:
        assert session.terminal_id is not None
        return await self._terminal.start(
            key=session.idempotency_key,
            terminal_id=session.terminal_id,
            amount_minor=session.amount_minor,
            currency=session.currency,
        )

    async def lookup(self, key: str) -> WaitingPayment | None:
        return await self._terminal.lookup(key=key)

    async def close(self, key: str) -> WaitingPayment:
        return await self._terminal.cancel(key=key)

    async def refund(self, key: str) -> Charge:
        return await self._terminal.refund(key=key)


def _settled(charge: Charge | None) -> bool:
    """Money moved one way or the other: paid, or a definite no."""
    return charge is not None and charge.status in ("succeeded", "declined")


class WaitingPayments:
    def __init__(self, engine: PaymentEngine, providers: Providers, *, poll_s: float, clock: Clock) -> None:
        self._engine = engine
        self._poll_ms = int(poll_s * 1000)
        self._clock = clock
        self._desks: dict[str, _Desk] = {
            PaymentMethod.UPI_QR: _QrDesk(providers, clock),
            PaymentMethod.CARD_PRESENT: _TerminalDesk(providers),
        }

    def _desk(self, session: SessionRecord) -> _Desk:
        return self._desks[session.method or ""]

    async def attempt(self, session: SessionRecord) -> None:
        """One step of a PROCESSING session: open (after a look-up), or poll, or note the expiry."""
        engine, desk, key = self._engine, self._desk(session), session.idempotency_key
        if session.provider_request_id is None or session.outcome_unknown:
            try:
                found = None
                if session.gateway_contacted:
                    found = await engine.abortable(session.id, desk.lookup(key))
                if found is None:
                    found = await engine.abortable(session.id, desk.open(session))
            except engine.Aborted:
                return
            except GatewayError as exc:
                await engine.interrupt(
                    session, exc.reason, detail=str(exc), outcome_unknown=exc.maybe_delivered,
                    contacted=exc.maybe_delivered,
                )
                return
            await self._record(session, found, kind=f"{desk.label}_open")
            return
        if self._clock.steady() >= (session.waiting_until_ms or session.expires_at_ms):
            await self._time_up(session, desk)
            return
        try:
            found = await engine.abortable(session.id, desk.lookup(key))
        except engine.Aborted:
            return
        except GatewayError as exc:
            # The customer may be paying right now: keep watching; the next poll asks again.
            log.info("polling %s for %s failed: %s", desk.label, session.id, exc)
            found = None
        if found is not None and _settled(found.charge):
            assert found.charge is not None
            await engine.apply_found(session, found.charge)
            return
        if found is not None and not found.open:
            await self._time_up(session, desk)  # the provider closed it unpaid (its own timeout)
            return
        until = session.waiting_until_ms or session.expires_at_ms
        wait_ms = max(1, min(self._poll_ms, until - self._clock.steady()))
        await engine.sleep_until(session.id, self._clock.monotonic() + wait_ms)

    async def look_up_outcome(self, session: SessionRecord) -> SessionRecord | None:
        """An interrupted session whose last step's outcome is unknown: find its payment by key."""
        engine, desk = self._engine, self._desk(session)
        try:
            found = await desk.lookup(session.idempotency_key)
        except GatewayError as exc:
            log.info("look-up of %s for %s failed: %s", desk.label, session.id, exc)
            return None
        if found is None:
            return await engine.amend(
                session.id, based_on=session, kind="lookup", values={"outcome_unknown": False},
                detail=f"no {desk.label} payment under this session's key",
            )
        return await self._record(session, found, kind="lookup")

    async def after_interruption(self, session: SessionRecord) -> bool:
        """Watch a payment still open at the provider again; False when there is none known."""
        if session.provider_request_id is None:
            return False
        await self._engine.move(
            session.id,
            based_on=session,
            to=Status.PROCESSING,
            from_={Status.INTERRUPTED},
            kind="waiting_again",
            reason=f"watching the {self._desk(session).label} payment again",
            # It may have been paid meanwhile: look it up before anything else.
            values={"outcome_unknown": True},
        )
        return True

    async def settle(self, session: SessionRecord, target: Status) -> bool:
        """Close at the provider, look up, refund what landed late; then move to `target`."""
        engine, desk, key = self._engine, self._desk(session), session.idempotency_key
        in_flight = session.status is Status.PROCESSING
        refunded: Charge | None = None
        try:
            if target is not Status.CANCELLED:
                before = await desk.lookup(key)
                if before is not None and _settled(before.charge):
                    assert before.charge is not None
                    await engine.apply_found(session, before.charge)  # paid (or declined) in time
                    return True
            await desk.close(key)
            after = await desk.lookup(key)
            charge = after.charge if after is not None else None
            if charge is not None and charge.status == "succeeded":
                refunded = await desk.refund(key)
            elif charge is not None and charge.status == "voided" and charge.amount_minor is not None:
                refunded = charge  # refunded by an earlier try of this settle
        except GatewayError as exc:
            log.info("settling %s to %s must wait: %s", session.id, target, exc)
            if in_flight:
                await engine.interrupt(session, exc.reason, detail=str(exc), outcome_unknown=True)
            return False
        await self._finish(session, target, desk, refunded)
        return True

    async def _time_up(self, session: SessionRecord, desk: _Desk) -> None:
        await self._engine.amend(
            session.id,
            based_on=session,
            kind="waiting_expired",
            values={"settle_to": Status.EXPIRED},
            reason=f"{desk.unpaid}; closing it at the provider",
        )

    async def _record(self, session: SessionRecord, found: WaitingPayment, *, kind: str) -> SessionRecord:
        if _settled(found.charge):
            assert found.charge is not None
            return await self._engine.apply_found(session, found.charge)
        return await self._engine.amend(
            session.id,
            based_on=session,
            kind=kind,
            values={
                "provider_request_id": found.id,
                "upi_qr_payload": found.payload,
                "gateway_contacted": True,
                "outcome_unknown": False,
            },
            detail=f"{found.id} waits for the customer" if found.open else f"{found.id} is closed",
        )

    async def _finish(self, session: SessionRecord, target: Status, desk: _Desk, refunded: Charge | None) -> None:
        now, owner = self._clock(), self._engine.owner
        check = self._engine.unchanged(session)
        closed = "the QR was closed at the provider" if desk.label == "upi_qr" else "the terminal was cancelled"

        def job(conn: Connection) -> SessionRecord:
            if refunded is not None:
                # The refund and the move become visible together: the admin's timeline shows both or neither.
                at = moves.not_before_last_change(reads.get(conn, session.id), now)
                moves.add_event(
                    conn, session.id, at_ms=at, kind="refunded", attempt=session.attempts,
                    reason=f"payment {refunded.id} landed after {closed}; refunded",
                    detail=None if refunded.amount_minor is None else f"refunded {refunded.amount_minor} minor units",
                )
            return moves.move(
                conn,
                session.id,
                to=target,
                from_={session.status},
                now_ms=now,
                kind=target.lower(),
                reason=f"{closed}; " + ("the late payment was refunded" if refunded else "no payment stands"),
                values={"gateway_contacted": True, "outcome_unknown": False, "owner": owner},
                objection=check,
            )

        await self._engine.write(job)

