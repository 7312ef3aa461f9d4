"""Drives payment sessions through the gateway: attempts, automatic retries, look-ups, settling.

One driver task per session in this process. A driver re-reads the session before every
decision, and every change it makes is a compare-and-set, so a request handler racing it
(resume, cancel, interrupt) makes one of them lose with a Conflict, never a torn session.

The rules that keep a customer from being charged twice or charged for nothing:
- one idempotency key per session; every attempt reuses it;
- before a new attempt, and before cancelling, failing or expiring a session that may have
  reached the gateway, ask the gateway what happened under that key;
- a cancel, failure or expiry voids the key at the gateway, which refunds a charge that
  stands and refuses one that arrives late;
- if the gateway cannot be asked, the session stays INTERRUPTED with `settle_to` set and the
  reconciler comes back later. It is never called failed while a charge could stand.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

from sqlalchemy import Connection

from backend.clock import Clock
from backend.db.database import Database
from backend.db.sessions import moves, reads
from backend.errors import Conflict
from backend.gateway.client import (
    Charge,
    GatewayClient,
    GatewayError,
    GatewayUnreachable,
    PaymentSource,
)
from backend.offline.acceptance import OfflineAcceptance
from backend.payments.records import SessionRecord
from backend.payments.waiting import WaitingPayments
from backend.providers.selection import Providers
from smartcart_contract.payment_methods import WAITING
from smartcart_contract.states import AUTO_RETRY, TERMINAL, Reason, Status

log = logging.getLogger(__name__)

T = TypeVar("T")


class _Aborted(Exception):
    """A request asked the driver to stop waiting for the gateway (cancel, app closed)."""


# `now_ms` of these two is on the steady timeline, where expires_at_ms lives (backend/clock.py).
def can_resume(session: SessionRecord, now_ms: int) -> bool:
    return (
        session.status is Status.INTERRUPTED
        and session.settle_to is None
        and session.attempts < session.max_attempts
        and now_ms < session.expires_at_ms
    )


def resume_objection(now_ms: int) -> Callable[[SessionRecord], str | None]:
    def objection(session: SessionRecord) -> str | None:
        if session.settle_to is not None:
            return f"This payment is being closed ({session.settle_to})."
        if session.attempts >= session.max_attempts:
            return "No attempts are left for this payment."
        if now_ms >= session.expires_at_ms:
            return "This payment session has expired."
        return None

    return objection


class PaymentEngine:
    def __init__(
        self,
        db: Database,
        gateway: GatewayClient,
        *,
        retry_delay_s: float,
        clock: Clock,
        owner: str,
        offline: OfflineAcceptance | None = None,
        view_changed: Callable[[Iterable[str]], None] = lambda _ids: None,
        providers: Providers | None = None,
        provider_poll_s: float = 2.0,
    ) -> None:
        """`owner`: this process's instance id (backend/fleet/instance.py). `view_changed`:
        told when what only this process knows of a session, and shows in its view, changes."""
        self.owner = owner
        self._db = db
        self._gateway = gateway
        self._offline = offline
        self._view_changed = view_changed
        self._retry_delay_ms = int(retry_delay_s * 1000)
        self._clock = clock
        self._drivers: dict[str, asyncio.Task[None]] = {}
        self._wake: dict[str, asyncio.Event] = {}
        self._abort: dict[str, asyncio.Event] = {}
        # Card number and CVV live here, in memory, for the life of the session only.
        self._details: dict[str, PaymentSource] = {}
        # Sessions a pay or resume request is moving to PROCESSING, whose details it hands over
        # once the move has committed; and those whose driver stood aside meanwhile.
        self._handing_over: collections.Counter[str] = collections.Counter()
        self._stood_aside: set[str] = set()
        # When each automatic retry is due, on the monotonic clock: no wall-clock jump moves it.
        self._retry_at: dict[str, int] = {}
        self._closing = False
        # UPI QR and card-terminal payments (waiting.py); None: this engine takes typed payments only.
        self._waiting = (
            WaitingPayments(self, providers, poll_s=provider_poll_s, clock=clock) if providers is not None else None
        )

    # ---- used by request handlers ---------------------------------------------------------

    @contextlib.contextmanager
    def handing_over(self, session_id: str, details: PaymentSource | None) -> Iterator[None]:
        """Around a request's move to PROCESSING. Once the move has committed, `details` (None:
        those already held) are kept for the attempt and a driver is kicked. The move commits
        before the request runs again: a driver the reconciler starts in between would find an
        attempt with no details and take it for one of an earlier life, so it stands aside until
        this ends (and is kicked again even if the move was refused)."""
        self._handing_over[session_id] += 1
        moved = False
        try:
            yield
            moved = True
            if details is not None:
                self._details[session_id] = details
        finally:
            self._handing_over[session_id] -= 1
            stood_aside = False
            if not self._handing_over[session_id]:  # the last hand-over of this session
                del self._handing_over[session_id]
                stood_aside = session_id in self._stood_aside
                self._stood_aside.discard(session_id)
            if moved or stood_aside:
                self.kick(session_id)

    def holds_details(self, session_id: str) -> bool:
        return session_id in self._details

    def can_drive(self, session: SessionRecord) -> bool:
        """Whether an attempt can be made without the customer entering details again: a QR or
        terminal payment needs none from the kiosk."""
        return session.method in WAITING or self.holds_details(session.id)

    def next_retry_at(self, session_id: str) -> int | None:
        """When the automatic retry is due, as wall time (for the kiosk to show)."""
        due = self._retry_at.get(session_id)
        return None if due is None else self._clock.wall_at(due)

    def is_driving(self, session_id: str) -> bool:
        task = self._drivers.get(session_id)
        return task is not None and not task.done()

    def kick(self, session_id: str) -> None:
        """Make sure a driver looks at this session now."""
        if self._closing:
            return
        if self.is_driving(session_id):
            self._wake[session_id].set()
            return
        self._wake[session_id] = asyncio.Event()
        self._abort[session_id] = asyncio.Event()
        task = asyncio.create_task(self._drive(session_id), name=f"payment-driver-{session_id}")
        self._drivers[session_id] = task
        task.add_done_callback(functools.partial(self._driver_done, session_id))

    def abort_attempt(self, session_id: str) -> None:
        """Stop waiting for the gateway's answer to the attempt in flight, then look again."""
        if session_id in self._abort:
            self._abort[session_id].set()
        self.kick(session_id)

    def forget(self, session_id: str) -> None:
        self._details.pop(session_id, None)
        self._retry_at.pop(session_id, None)

    async def prune(self) -> None:
        """Drop the payment details of sessions that ended while nobody was driving them."""
        held = list(self._details)
        if not held:
            return
        finished = await self._db.read(lambda conn: reads.finished_among(conn, held))
        for session_id in finished:
            self.forget(session_id)

    async def look_up_outcome(self, session: SessionRecord) -> SessionRecord | None:
        """Ask the gateway about an attempt whose outcome is unknown.

        Returns the session as it stands after applying the answer, or None when the
        gateway could not be asked.
        """
        if self._waiting is not None and session.method in WAITING:
            return await self._waiting.look_up_outcome(session)
        try:
            charge = await self._gateway.lookup(key=session.idempotency_key)
        except GatewayError as exc:
            log.info("look-up for %s failed: %s", session.id, exc)
            with contextlib.suppress(Conflict):  # moved on meanwhile: the failure no longer matters
                await self._amend(
                    session.id,
                    based_on=session,
                    kind="lookup_failed",
                    values={},
                    detail=f"could not ask the gateway: {exc}",
                    objection=lambda s: None if s.status is Status.INTERRUPTED else "moved on",
                )
            return None
        if charge is None:
            return await self._amend(
                session.id,
                based_on=session,
                kind="lookup",
                values={"outcome_unknown": False},
                detail="no charge under this session's key",
            )
        return await self._apply_found(session, charge)

    async def close(self) -> None:
        self._closing = True
        tasks = list(self._drivers.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._details.clear()

    # ---- the driver -----------------------------------------------------------------------

    def _driver_done(self, session_id: str, task: asyncio.Task[None]) -> None:
        if self._drivers.get(session_id) is task:
            del self._drivers[session_id]
            self._wake.pop(session_id, None)
            self._abort.pop(session_id, None)

    async def _drive(self, session_id: str) -> None:
        try:
            while True:
                self._wake[session_id].clear()
                self._abort[session_id].clear()
                session = await self._db.read(lambda conn: reads.get(conn, session_id))
                try:
                    if not await self._step(session) and not self._wake[session_id].is_set():
                        return  # a kick that came while this step ran means: look again
                except Conflict:
                    continue  # a request moved the session meanwhile; look again
        except asyncio.CancelledError:
            raise
        except Exception:
            # The reconciler comes back to any session this leaves unsettled.
            log.exception("payment driver for session %s stopped", session_id)

    async def _step(self, session: SessionRecord) -> bool:
        """Do the next thing the session needs. False: nothing to do until someone kicks."""
        if session.status in TERMINAL:
            self.forget(session.id)
            return False
        if session.status is Status.PROCESSING:
            if session.settle_to is not None:
                return await self._settle(session)
            if session.owner not in (None, self.owner):
                # Another process makes this attempt and holds its details; if that process
                # dies, the reconciler takes the session over once its lease runs out.
                return False
            if self._waiting is not None and session.method in WAITING:
                await self._waiting.attempt(session)
                return True
            if session.id in self._handing_over and not self.holds_details(session.id):
                self._stood_aside.add(session.id)  # the request kicks once it has handed them over
                return False
            await self._attempt(session)
            return True
        if session.status is Status.INTERRUPTED:
            return await self._after_interruption(session)
        return False  # INITIATED waits for the customer to pay

    async def _after_interruption(self, session: SessionRecord) -> bool:
        if session.settle_to is not None:
            return await self._settle(session)
        now = self._clock.steady()
        if now >= session.expires_at_ms:
            await self._head_for(session, Status.EXPIRED)
            return True
        # A QR or terminal payment still open at the provider: the customer may be paying it now.
        if self._waiting is not None and session.method in WAITING and await self._waiting.after_interruption(session):
            return True
        if session.attempts >= session.max_attempts:
            await self._head_for(session, Status.FAILED_MAX_RETRIES)
            return True
        retry_by_itself = (
            session.last_interruption_reason in AUTO_RETRY
            and self.can_drive(session)
            # Refused offline (over a limit): the kiosk offers cash or cancel; retrying on our
            # own while the gateway is still away would only be refused again.
            and session.offline_refusal is None
        )
        if retry_by_itself:
            scheduled = session.id not in self._retry_at
            monotonic = self._clock.monotonic()
            retry_at = self._retry_at.setdefault(session.id, monotonic + self._retry_delay_ms)
            if scheduled:
                self._view_changed((session.id,))  # the session's view shows when the retry is due
            if monotonic < retry_at:
                await self._sleep_until(session.id, retry_at)
                return True
            attempt = session.attempts + 1
            await self._move(
                session.id,
                based_on=session,
                to=Status.PROCESSING,
                from_={Status.INTERRUPTED},
                kind="retry",
                reason=f"automatic retry, attempt {attempt}/{session.max_attempts}",
                values={"attempts": attempt},
                objection=resume_objection(now),
            )
            self._retry_at.pop(session.id, None)
            return True
        if session.outcome_unknown:
            # Waiting for the customer: meanwhile find out whether the money was taken anyway.
            return await self.look_up_outcome(session) is not None
        return False

    async def _attempt(self, session: SessionRecord) -> None:
        source = self._details.get(session.id)
        if source is None:
            # PROCESSING with no details held: an attempt of an earlier life of this process
            # (start-up recovery has not run yet, e.g. on a full disk). Its charge may have
            # reached the gateway, so the outcome is unknown until a look-up says otherwise.
            await self._interrupt(
                session,
                Reason.CRASH_RECOVERED,
                detail="payment details are no longer held; resume with them",
                outcome_unknown=True,
                contacted=True,
            )
            return
        outcome_unknown = session.outcome_unknown
        if session.gateway_contacted and outcome_unknown:
            try:
                found = await self._abortable(
                    session.id, self._gateway.lookup(key=session.idempotency_key)
                )
            except _Aborted:
                return  # the request that aborted us changed the session; the loop looks again
            except GatewayError as exc:
                await self._interrupt(session, exc.reason, detail=str(exc), outcome_unknown=True)
                return
            if found is not None:
                await self._apply_found(session, found)
                return
            outcome_unknown = False
        try:
            charge = await self._abortable(
                session.id,
                self._gateway.charge(
                    key=session.idempotency_key,
                    amount_minor=session.amount_minor,
                    currency=session.currency,
                    source=source,
                ),
            )
        except _Aborted:
            return
        except GatewayError as exc:
            refusal = None
            if isinstance(exc, GatewayUnreachable) and self._offline is not None:
                accepted, refusal = await self._offline.try_accept(session, source)
                if accepted is not None:
                    self.forget(session.id)  # the sealed copy in the database is the only one now
                    return
            await self._interrupt(
                session,
                exc.reason,
                detail=str(exc),
                outcome_unknown=exc.maybe_delivered,
                contacted=exc.maybe_delivered,
                offline_refusal=refusal,
            )
            return
        await self._apply_found(session, charge, fresh=True)

    async def _apply_found(
        self, session: SessionRecord, charge: Charge, *, fresh: bool = False
    ) -> SessionRecord:
        """Record what the gateway says happened under the session's key."""
        source = "gateway answered" if fresh else "found at the gateway"
        if charge.status == "succeeded":
            return await self._move(
                session.id,
                based_on=session,
                to=Status.COMPLETED,
                from_={session.status},
                kind="completed",
                reason=f"charge {charge.id} {source}",
                values={
                    "gateway_charge_id": charge.id,
                    "gateway_contacted": True,
                    "outcome_unknown": False,
                },
                # A cancel asked for while the charge was in flight wins: the settle voids it.
                objection=lambda s: "a cancel is pending" if s.settle_to is Status.CANCELLED else None,
            )
        if charge.status == "declined":
            return await self._move(
                session.id,
                based_on=session,
                to=Status.DECLINED,
                from_={session.status},
                kind="declined",
                reason=charge.decline_code or "declined",
                values={
                    "decline_code": charge.decline_code or "declined",
                    "gateway_charge_id": charge.id,
                    "gateway_contacted": True,
                    "outcome_unknown": False,
                },
            )
        # voided: the key was closed by an earlier settle; nothing stands under it.
        return await self._amend(
            session.id,
            based_on=session,
            kind="lookup",
            values={"outcome_unknown": False, "gateway_contacted": True},
            detail=f"charge {charge.id} is voided",
        )

    async def _interrupt(
        self,
        session: SessionRecord,
        reason: Reason,
        *,
        detail: str,
        outcome_unknown: bool,
        contacted: bool = False,
        offline_refusal: str | None = None,
    ) -> None:
        if reason in AUTO_RETRY and session.attempts < session.max_attempts:
            self._retry_at[session.id] = self._clock.monotonic() + self._retry_delay_ms
        await self._move(
            session.id,
            based_on=session,
            to=Status.INTERRUPTED,
            from_={Status.PROCESSING},
            kind="interrupted",
            reason=reason,
            detail=detail,
            values={
                "last_interruption_reason": reason,
                "interruptions": session.interruptions + 1,
                # An outcome we do not know is an attempt that may have reached the gateway.
                "gateway_contacted": session.gateway_contacted or contacted or outcome_unknown,
                "outcome_unknown": outcome_unknown,
                "offline_refusal": offline_refusal,
            },
        )

    async def _head_for(self, session: SessionRecord, target: Status) -> None:
        if not session.gateway_contacted:
            await self._move(
                session.id,
                based_on=session,
                to=target,
                from_={Status.INTERRUPTED},
                kind=target.lower(),
                reason="no request of this session reached the gateway",
            )
            return
        await self._amend(
            session.id,
            based_on=session,
            kind="settle_requested",
            values={"settle_to": target},
            reason=f"becomes {target} once the gateway confirms no charge stands",
        )

    async def _settle(self, session: SessionRecord) -> bool:
        """Finish the move to `settle_to`; False when the gateway could not be asked."""
        target = session.settle_to
        assert target is not None
        in_flight = session.status is Status.PROCESSING
        if self._waiting is not None and session.method in WAITING and (session.gateway_contacted or in_flight):
            return await self._waiting.settle(session, target)
        if not (session.gateway_contacted or in_flight):
            await self._move(
                session.id,
                based_on=session,
                to=target,
                from_={session.status},
                kind=target.lower(),
                reason="no request of this session reached the gateway",
            )
            return True
        try:
            if target is not Status.CANCELLED:
                found = await self._gateway.lookup(key=session.idempotency_key)
                if found is not None and found.status != "voided":
                    await self._apply_found(session, found)
                    return True
            # Voiding refunds a charge that stands and refuses one that arrives later.
            voided = await self._gateway.void(key=session.idempotency_key)
        except GatewayError as exc:
            log.info("settling %s to %s must wait: %s", session.id, target, exc)
            if in_flight:
                await self._interrupt(session, exc.reason, detail=str(exc), outcome_unknown=True)
            return False
        stood = voided.amount_minor is not None and voided.status == "voided"
        await self._move(
            session.id,
            based_on=session,
            to=target,
            from_={session.status},
            kind=target.lower(),
            reason="charge voided" if stood else "no charge; the key is closed at the gateway",
            values={"gateway_contacted": True, "outcome_unknown": False},
        )
        return True

    # ---- what waiting.py, a part of this engine in its own file, drives with ----------------

    Aborted = _Aborted

    async def abortable(self, session_id: str, call: Awaitable[T]) -> T:
        return await self._abortable(session_id, call)

    async def sleep_until(self, session_id: str, at_monotonic_ms: int) -> None:
        await self._sleep_until(session_id, at_monotonic_ms)

    async def apply_found(self, session: SessionRecord, charge: Charge) -> SessionRecord:
        return await self._apply_found(session, charge)

    async def interrupt(
        self, session: SessionRecord, reason: Reason, *, detail: str, outcome_unknown: bool, contacted: bool = False
    ) -> None:
        await self._interrupt(session, reason, detail=detail, outcome_unknown=outcome_unknown, contacted=contacted)

    async def move(self, session_id: str, *, based_on: SessionRecord, **kwargs: Any) -> SessionRecord:
        return await self._move(session_id, based_on=based_on, **kwargs)

    async def amend(
        self, session_id: str, *, based_on: SessionRecord, values: Mapping[str, Any], **kwargs: Any
    ) -> SessionRecord:
        return await self._amend(session_id, based_on=based_on, values=values, **kwargs)

    def unchanged(self, session: SessionRecord) -> moves.Objection:
        return unchanged_since(session)

    async def write(self, job: Callable[[Connection], T]) -> T:
        return await self._db.write(job)

    # ---- plumbing -------------------------------------------------------------------------

    async def _abortable(self, session_id: str, call: Awaitable[T]) -> T:
        call_task: asyncio.Future[T] = asyncio.ensure_future(call)
        abort_task: asyncio.Future[bool] = asyncio.ensure_future(self._abort[session_id].wait())
        try:
            racing: list[asyncio.Future[Any]] = [call_task, abort_task]
            await asyncio.wait(racing, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (call_task, abort_task):
                if not task.done():
                    task.cancel()
            await asyncio.gather(call_task, abort_task, return_exceptions=True)
        if call_task.cancelled():
            raise _Aborted
        return call_task.result()

    async def _sleep_until(self, session_id: str, at_monotonic_ms: int) -> None:
        delay = max(0.0, (at_monotonic_ms - self._clock.monotonic()) / 1000)
        with contextlib.suppress(TimeoutError):  # asyncio.timeout: see pass_loop.py
            async with asyncio.timeout(delay):
                await self._wake[session_id].wait()

    # Every change a driver makes claims the session for this instance: it drives it now.

    # `based_on`: the session as read when the change was decided. If it changed since (a
    # request, or another process), the change is refused with a Conflict and the driver looks
    # again, instead of writing counts and decisions made on a stale row.

    async def _move(
        self,
        session_id: str,
        *,
        based_on: SessionRecord,
        values: Mapping[str, Any] | None = None,
        objection: moves.Objection | None = None,
        **kwargs: Any,
    ) -> SessionRecord:
        now = self._clock()
        claimed = {**(values or {}), "owner": self.owner}
        check = unchanged_since(based_on, objection)
        return await self._db.write(
            lambda conn: moves.move(conn, session_id, now_ms=now, values=claimed, objection=check, **kwargs)
        )

    async def _amend(
        self,
        session_id: str,
        *,
        based_on: SessionRecord,
        values: Mapping[str, Any],
        objection: moves.Objection | None = None,
        **kwargs: Any,
    ) -> SessionRecord:
        now = self._clock()
        claimed = {**values, "owner": self.owner}
        check = unchanged_since(based_on, objection)
        return await self._db.write(
            lambda conn: moves.amend(conn, session_id, now_ms=now, values=claimed, objection=check, **kwargs)
        )


def unchanged_since(base: SessionRecord, also: moves.Objection | None = None) -> moves.Objection:
    """An objection to writing a change decided on `base` once the session has moved on;
    then `also`'s, if any."""
    seen = (base.status, base.attempts, base.interruptions, base.settle_to, base.owner, base.updated_at_ms)

    def objection(now: SessionRecord) -> str | None:
        current = (now.status, now.attempts, now.interruptions, now.settle_to, now.owner, now.updated_at_ms)
        if current != seen:
            return "the session changed meanwhile"
        return also(now) if also else None

    return objection
