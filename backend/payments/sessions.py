"""What the API's session endpoints do: each request is one compare-and-set, then the payment
engine is told to look at the session. The engine does everything that waits on the gateway,
except the one look-up a resume makes so that it can answer "already paid" at once.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection

from backend.clock import Clock
from backend.db.database import Database
from backend.db.sessions import create, moves, reads
from backend.errors import Conflict, InvalidInput
from backend.gateway.client import CardSource, PaymentSource
from backend.payments import card_rules
from backend.payments.batched_reads import BatchedReads
from backend.payments.engine import PaymentEngine, can_resume, resume_objection, unchanged_since
from backend.payments.ids import RandomIds
from backend.payments.records import EventRecord, SessionRecord, SessionView
from smartcart_contract.money import format_money
from smartcart_contract.payment_methods import PaymentMethod
from smartcart_contract.states import TERMINAL, Reason, Status


def _payment_fields(source: PaymentSource) -> dict[str, object]:
    if isinstance(source, CardSource):
        return {
            "method": "card",
            "card_brand": card_rules.card_brand(source.number),
            "card_last4": source.number[-4:],
            "upi_id": None,
        }
    return {"method": "upi", "card_brand": None, "card_last4": None, "upi_id": source.upi_id}


def _not_expired(steady_ms: int) -> moves.Objection:
    """`steady_ms`: now on the steady timeline, where expires_at_ms lives (backend/clock.py)."""
    return lambda s: "This payment session has expired." if steady_ms >= s.expires_at_ms else None


def _first_attempt(
    conn: Connection, session_id: str, *, now_ms: int, steady_ms: int, reason: str, values: dict[str, object]
) -> SessionRecord:
    """INITIATED -> PROCESSING, the first attempt of any method (moves.move refuses a replica)."""
    return moves.move(
        conn,
        session_id,
        to=Status.PROCESSING,
        from_={Status.INITIATED},
        now_ms=now_ms,
        kind="attempt",
        reason=reason,
        values={"attempts": 1, **values},
        objection=_not_expired(steady_ms),
    )


def _cash_detail(session: SessionRecord, received_minor: int) -> str:
    change = received_minor - session.amount_minor
    return (
        f"received {format_money(received_minor, session.currency, symbol=False)}, "
        f"change {format_money(change, session.currency, symbol=False)}"
    )


# A resume racing the payment's driver decides again on the fresh row, a few times at most.
_RESUME_TRIES = 3


class SessionService:
    def __init__(
        self,
        db: Database,
        engine: PaymentEngine,
        *,
        max_attempts: int,
        ttl_s: float,
        clock: Clock,
        waiting_ttl_s: Mapping[PaymentMethod, float] | None = None,
        terminal_id: str = "T1",
    ) -> None:
        """`waiting_ttl_s`: how long a customer has to pay a QR or at the terminal, per method."""
        self._waiting_ttl_ms = {m: int(t * 1000) for m, t in (waiting_ttl_s or {}).items()}
        self._terminal_id = terminal_id
        self._db = db
        self._engine = engine
        self._max_attempts = max_attempts
        self._ttl_ms = int(ttl_s * 1000)
        self._clock = clock
        self._ids = RandomIds()
        self._batched = BatchedReads(db)

    # ---- reading ----------------------------------------------------------------------------

    # `kiosk` on every method: the kiosk asking (backend/kiosks/), to whom another kiosk's
    # session is not found; None (the admin, the background passes): any kiosk's.

    async def get(self, session_id: str, *, kiosk: str | None = None) -> SessionRecord:
        return await self._db.read(lambda conn: reads.get(conn, session_id, kiosk_id=kiosk))

    async def get_with_events(
        self, session_id: str, *, kiosk: str | None = None
    ) -> tuple[SessionRecord, list[EventRecord]]:
        def read(conn: Connection) -> tuple[SessionRecord, list[EventRecord]]:
            session = reads.get(conn, session_id, kiosk_id=kiosk)
            return session, reads.events(conn, session)

        return await self._db.read(read)

    async def get_versioned(
        self, session_id: str, *, history: bool, kiosk: str | None = None
    ) -> tuple[SessionRecord, int, list[EventRecord] | None]:
        """The session, its row version (one more with every change) and, if asked, its events."""
        if not history:
            # Streams woken together by one commit read together (batched_reads.py).
            session, version = await self._batched.get(session_id)
            return reads.visible(session, kiosk), version, None

        def read(conn: Connection) -> tuple[SessionRecord, int, list[EventRecord] | None]:
            session, version = reads.read_row(conn, session_id)
            reads.visible(session, kiosk)
            return session, version, reads.events(conn, session) if history else None

        return await self._db.read(read)

    async def active(self, *, kiosk: str | None = None) -> list[SessionRecord]:
        return await self._db.read(lambda conn: reads.list_open(conn, kiosk))

    def view(self, session: SessionRecord, *, events: list[EventRecord] | None = None) -> SessionView:
        """The session with what only this process knows: whether it may be resumed, whether
        a resume needs the details again, when the automatic retry is due."""
        now = self._clock()
        resumable = can_resume(session, self._clock.steady())
        return SessionView(
            record=session,
            as_of_ms=now,
            can_resume=resumable,
            needs_payment_details=resumable and not self._engine.can_drive(session),
            next_retry_at_ms=self._engine.next_retry_at(session.id) if resumable else None,
            events=events,
        )

    # ---- moves ------------------------------------------------------------------------------

    async def create(self, order_id: int, *, kiosk: str | None = None) -> tuple[SessionRecord, bool]:
        now, steady = self._clock(), self._clock.steady()
        # The session id is 128 random bits, unrelated to order or time (DESIGN §10).
        session_id = self._ids.token_hex(16)
        return await self._db.write_item(
            create.CREATE_SESSIONS,
            create.NewSession(
                session_id=session_id,
                # Time first, so that consecutive keys land on the same page of the unique
                # index: a random key cost every create its own page write (bench/session_creates.py).
                idempotency_key="sc_" + self._ids.time_ordered(now, 10),
                order_id=order_id,
                max_attempts=self._max_attempts,
                now_ms=now,
                ttl_ms=self._ttl_ms,
                steady_ms=steady,
                kiosk_id=kiosk,
            ),
        )

    async def pay(self, session_id: str, details: PaymentSource, *, kiosk: str | None = None) -> SessionRecord:
        now, steady = self._clock(), self._clock.steady()

        def start(conn: Connection) -> SessionRecord:
            if kiosk is not None:
                # First: a refused move (409 with its status) would tell the session exists.
                reads.get(conn, session_id, kiosk_id=kiosk)
            values = {**_payment_fields(details), "owner": self._engine.owner}
            return _first_attempt(conn, session_id, now_ms=now, steady_ms=steady, reason="attempt 1", values=values)

        with self._engine.handing_over(session_id, details):
            session = await self._db.write(start)
        return session

    async def pay_waiting(self, session_id: str, method: PaymentMethod, *, kiosk: str | None = None) -> SessionRecord:
        """Show a UPI QR or start the terminal: the engine opens it at the provider and waits."""
        now, steady = self._clock(), self._clock.steady()
        ttl_ms = self._waiting_ttl_ms.get(method, self._ttl_ms)

        def start(conn: Connection) -> SessionRecord:
            current = reads.get(conn, session_id, kiosk_id=kiosk)
            return _first_attempt(
                conn,
                session_id,
                now_ms=now,
                steady_ms=steady,
                reason=f"attempt 1: {method}",
                values={
                    "method": method.value,
                    "card_brand": None,
                    "card_last4": None,
                    "upi_id": None,
                    "terminal_id": self._terminal_id if method is PaymentMethod.CARD_PRESENT else None,
                    # Never beyond the session's own life.
                    "waiting_until_ms": min(steady + ttl_ms, current.expires_at_ms),
                    "owner": self._engine.owner,
                },
            )

        session = await self._db.write(start)
        self._engine.kick(session_id)
        return session

    async def resume(
        self, session_id: str, details: PaymentSource | None, *, kiosk: str | None = None
    ) -> tuple[SessionRecord, str]:
        """`details` None: resume with the details this process still holds."""
        for tries_left in range(_RESUME_TRIES - 1, -1, -1):
            try:
                return await self._resume_once(session_id, details, kiosk)
            except Conflict:
                # The driver (or another process) wrote to the session meanwhile, say the
                # outcome of its own look-up: decide again on the new row.
                if not tries_left:
                    raise
        raise AssertionError("unreachable")

    async def _resume_once(
        self, session_id: str, details: PaymentSource | None, kiosk: str | None
    ) -> tuple[SessionRecord, str]:
        # A session's kiosk never changes: checked once here, it holds for the moves below.
        session = await self.get(session_id, kiosk=kiosk)
        # Before the gateway look-up below, not only at the move: a replica's key is its kiosk's.
        moves.refuse_replica(session)
        now, steady = self._clock(), self._clock.steady()
        if session.status is not Status.INTERRUPTED:
            raise Conflict(
                f"Only an interrupted payment can be resumed; this one is {session.status}.",
                code="invalid_transition",
                status=session.status,
            )
        if objection := resume_objection(steady)(session):
            raise Conflict(objection, code="invalid_transition", status=session.status)
        if details is None and not self._engine.can_drive(session):
            raise InvalidInput(
                "Enter the payment details again to resume this payment.",
                code="payment_details_required",
            )
        if session.gateway_contacted and session.outcome_unknown:
            looked_up = await self._engine.look_up_outcome(session)
            if looked_up is not None and looked_up.status in TERMINAL:
                return looked_up, "This payment had already gone through at the gateway."
            session = await self.get(session_id)  # the look-up wrote to it
            # The look-up took up to a gateway timeout: the move is stamped after what it wrote,
            # so the timeline shows them in the order they happened.
            now, steady = self._clock(), self._clock.steady()
        based_on = session
        attempt = session.attempts + 1
        values: dict[str, object] = {"attempts": attempt, "owner": self._engine.owner}
        if details is not None:
            values.update(_payment_fields(details))
        with self._engine.handing_over(session_id, details):
            session = await self._db.write(
                lambda conn: moves.move(
                    conn,
                    session_id,
                    to=Status.PROCESSING,
                    from_={Status.INTERRUPTED},
                    now_ms=now,
                    kind="resumed",
                    reason=f"attempt {attempt}/{session.max_attempts}",
                    values=values,
                    # Counted from the row read above: refused if anything moved it since.
                    objection=unchanged_since(based_on, resume_objection(steady)),
                )
            )
        return session, f"Resuming payment attempt {attempt}/{session.max_attempts}"

    async def cancel(self, session_id: str, reason: str, *, kiosk: str | None = None) -> SessionRecord:
        now = self._clock()

        def cancel_or_request(conn: Connection) -> SessionRecord:
            session = reads.get(conn, session_id, kiosk_id=kiosk)
            moves.refuse_replica(session)  # before any other answer: its kiosk decides
            untouched = session.status is Status.INITIATED or (
                session.status is Status.INTERRUPTED and not session.gateway_contacted
            )
            if untouched:
                return moves.move(
                    conn,
                    session_id,
                    to=Status.CANCELLED,
                    from_={session.status},
                    now_ms=now,
                    kind="cancelled",
                    reason=reason,
                )
            if session.status in (Status.PROCESSING, Status.INTERRUPTED):
                if session.settle_to is Status.CANCELLED:
                    return session
                # A request may be at the gateway: the engine voids the key before cancelling.
                return moves.amend(
                    conn,
                    session_id,
                    now_ms=now,
                    kind="cancel_requested",
                    values={"settle_to": Status.CANCELLED},
                    reason=reason,
                )
            raise Conflict(
                f"A {session.status} payment cannot be cancelled.",
                code="invalid_transition",
                status=session.status,
            )

        session = await self._db.write(cancel_or_request)
        if session.status in TERMINAL:
            self._engine.forget(session_id)
        else:
            self._engine.abort_attempt(session_id)
        return session

    async def interrupt(
        self, session_id: str, reason: Reason, detail: str | None, *, kiosk: str | None = None
    ) -> SessionRecord:
        now = self._clock()

        def interrupt(conn: Connection) -> SessionRecord:
            session = reads.get(conn, session_id, kiosk_id=kiosk)
            moves.refuse_replica(session)  # before any other answer: its kiosk decides
            if session.status is Status.PROCESSING:
                return moves.move(
                    conn,
                    session_id,
                    to=Status.INTERRUPTED,
                    from_={Status.PROCESSING},
                    now_ms=now,
                    kind="interrupted",
                    reason=reason,
                    detail=detail,
                    values={
                        "last_interruption_reason": reason,
                        "interruptions": session.interruptions + 1,
                        # the attempt in flight may still land at the gateway
                        "gateway_contacted": True,
                        "outcome_unknown": True,
                    },
                )
            if session.status is Status.INTERRUPTED:
                # e.g. the window closed while a retry dialog was open: no more automatic retries.
                return moves.amend(
                    conn,
                    session_id,
                    now_ms=now,
                    kind="interrupted",
                    values={"last_interruption_reason": reason},
                    reason=reason,
                    detail=detail,
                )
            raise Conflict(
                f"A {session.status} payment has nothing to interrupt.",
                code="invalid_transition",
                status=session.status,
            )

        session = await self._db.write(interrupt)
        self._engine.abort_attempt(session_id)
        return session

    async def reconcile_now(self, session_id: str, reason: str) -> SessionRecord:
        """Operator action: record why, then have the engine ask the gateway at once."""
        now = self._clock()
        session = await self._db.write(
            lambda conn: moves.amend(
                conn,
                session_id,
                now_ms=now,
                kind="operator_reconcile",
                values={},
                reason=f"operator: {reason}",
            )
        )
        self._engine.kick(session_id)
        return session

    async def complete_cash(
        self, session_id: str, amount_received_minor: int, *, kiosk: str | None = None
    ) -> SessionRecord:
        """The operator confirmed the cash (their PIN is checked by the route)."""
        now = self._clock()

        def complete(conn: Connection) -> SessionRecord:
            session = reads.get(conn, session_id, kiosk_id=kiosk)
            moves.refuse_replica(session)  # before any other answer: its kiosk decides
            if session.status is Status.INITIATED and amount_received_minor < session.amount_minor:
                raise InvalidInput(
                    "The cash received is less than the amount due.", code="insufficient_cash"
                )
            return moves.move(
                conn,
                session_id,
                to=Status.COMPLETED,
                from_={Status.INITIATED},
                now_ms=now,
                kind="completed",
                reason="cash confirmed by the operator",
                detail=_cash_detail(session, amount_received_minor),
                values={
                    "method": PaymentMethod.CASH.value,
                    "cash_received_minor": amount_received_minor,
                    "cash_change_minor": amount_received_minor - session.amount_minor,
                },
                objection=_not_expired(self._clock.steady()),
            )

        session = await self._db.write(complete)
        self._engine.forget(session_id)
        return session
