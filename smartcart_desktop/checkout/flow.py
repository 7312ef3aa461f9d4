"""The checkout as the window follows it: create order → create session → pay → watch → result.

A session accepted offline (store-and-forward) is a result too: the backend still has to
forward it, but the customer is done and leaves with a receipt marked "accepted offline".

The backend owns the truth. This object never decides an outcome: it asks the backend to
act, then follows the session by its stream of changes (polling every `poll_interval_s` only
while the stream is down; see session_watcher) and publishes a FlowState derived from what the
backend says. A handed-over session's receipt is the one the backend issues (GET …/receipt).
No widgets in here, so it is tested on its own.

Every intent returns the task that carries it out: Qt ignores the return value when a
signal calls it, tests await it, and shutdown cancels whatever is still running.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from PySide6.QtCore import QObject, Signal

from smartcart_contract.states import Status
from smartcart_desktop.api.client import ApiClient
from smartcart_desktop.api.errors import ApiError, AuthError, Conflict, TooManyAttempts
from smartcart_desktop.api.models import BackendConfig, Order, ReceiptDocument, Session
from smartcart_desktop.api.payment_details import PaymentDetails
from smartcart_desktop.app.background import BackgroundTasks
from smartcart_desktop.checkout import messages
from smartcart_desktop.checkout.payment_methods import offered
from smartcart_desktop.checkout.session_watcher import SessionWatcher
from smartcart_desktop.checkout.state import (
    FlowState,
    Receipt,
    Stage,
    prompt_of,
    stage_of,
)
from smartcart_desktop.checkout.verifier import settled_order

log = logging.getLogger(__name__)

CANCELLED_NOTICE = messages.CANCELLED
CANCEL_UNCONFIRMED_NOTICE = messages.CANCEL_UNCONFIRMED


class CheckoutFlow(QObject):
    state_changed = Signal(object)  # FlowState
    error = Signal(str)  # an action failed; the message is fit for the customer
    backend_reachable = Signal(bool)  # whether the window's own requests get answers
    # The followed session has ended for the customer (terminal, cancelled, or accepted
    # offline); emitted once per session, with its id.
    session_finished = Signal(str)

    def __init__(
        self,
        api: ApiClient,
        *,
        gateway_timeout_s: float,
        poll_interval_s: float = 2.0,
        cancel_answer_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        """`cancel_answer_s`: how long a customer's cancel may wait for the gateway to confirm
        the void before they are sent back to the cart with the refund promise."""
        super().__init__(parent)
        self._api = api
        self._cancel_answer_s = cancel_answer_s
        self._interval = poll_interval_s
        self._clock = clock
        self._tasks = BackgroundTasks("checkout flow")
        self._state = FlowState(gateway_timeout_s=gateway_timeout_s)
        self._order_lines: dict[str, int] = {}
        self._cash_received: int | None = None
        self._action: asyncio.Task[None] | None = None
        self._actions_running = 0
        self._session_target: str | None = None  # the session this window follows now
        self._watcher = SessionWatcher(
            api,
            self._tasks,
            interval_s=poll_interval_s,
            following=self._following,
            on_session=self._apply,
            on_reachable=self._note_reachable,
        )
        self._changed = asyncio.Event()
        self._prompt_epoch = 0
        self._reachable: bool | None = None
        self._left = False
        self._config: BackendConfig | None = None
        self._finished: str | None = None  # the last session session_finished was emitted for
        self._reopening_for_cash: str | None = None  # cancelled to be paid in cash: not "back to cart"
        self._receipt_asked: tuple[str, Status] | None = None  # the receipt fetched (or being fetched)

    # ---- what the window reads ----------------------------------------------------------------

    @property
    def state(self) -> FlowState:
        return self._state

    @property
    def poll_interval_s(self) -> float:
        return self._interval

    @property
    def config(self) -> BackendConfig | None:
        """The backend's timings, once asked (`GET /api/config`); None until then."""
        return self._config

    @property
    def watching(self) -> bool:
        """Whether the session is being polled (it stops once the session has ended)."""
        return self._watcher.watching

    # ---- intents ------------------------------------------------------------------------------

    def checkout(self, lines: Mapping[str, int]) -> asyncio.Task[None]:
        return self._act(self._checkout(dict(lines)))

    def pay(self, details: PaymentDetails) -> asyncio.Task[None]:
        return self._act(self._pay(details))

    def pay_cash(self, amount_received_minor: int, operator_pin: str) -> asyncio.Task[None]:
        """The operator took the cash: completes only with their PIN. A wrong one is said in
        `operator_pin_error` and nothing is completed."""
        return self._act(self._pay_cash(amount_received_minor, operator_pin))

    def retry(self) -> asyncio.Task[None]:
        return self._act(self._retry())

    def cancel(self) -> asyncio.Task[None]:
        # Cancel is the way out of anything, so it does not wait for another action to end.
        return self._act(self._cancel(), exclusive=False)

    def use_another_method(self) -> asyncio.Task[None]:
        return self._act(self._another_method())

    def pay_cash_instead(self) -> asyncio.Task[None]:
        """Card or UPI cannot go through (e.g. refused offline): pay this order in cash.

        The backend confirms cash only on a session nothing was attempted on, so an attempted
        one is cancelled first and a fresh session opened for the same order; the payment
        form then starts on cash for the operator to confirm.
        """
        return self._act(self._cash_instead())

    async def load_config(self) -> BackendConfig | None:
        """Take the gateway timeout from the backend itself (a remote one may differ from
        the guess the window started with). None, and the guess stays, if it cannot answer."""
        try:
            config = await self._api.config()
        except ApiError as exc:
            log.info("backend configuration not available yet: %s", exc.message)
            return None
        self._config = config
        self._set(gateway_timeout_s=config.gateway_timeout_s, payment_methods=offered(config.payment_methods))
        return config

    def adopt(self, session: Session) -> asyncio.Task[None]:
        """Take over an unfinished session found at start-up and carry on with it."""
        return self._act(self._adopt(session))

    def discard(self, session: Session) -> asyncio.Task[None]:
        """Cancel an unfinished session found at start-up."""
        return self._act(self._discard(session))

    async def until_idle(self) -> None:
        """Wait until no session is followed any more, or the followed one has ended."""
        while not self._idle():
            await self._changed.wait()
            self._changed.clear()

    def _idle(self) -> bool:
        session = self._state.session
        return self._session_target is None or (
            session is not None and session.status.finished_for_customer
        )

    def back_to_cart(self) -> None:
        """Leave a finished payment; the cart (and its order, if unpaid) stays."""
        if self._state.payment_in_flight:
            return
        # An unpaid order is kept so that paying again does not create a second one.
        handed_over = self._state.stage in (Stage.COMPLETED, Stage.OFFLINE_ACCEPTED)
        self._to_cart(order=None if handed_over else self._state.order, notice=None)

    async def find_unfinished(self) -> list[Session]:
        try:
            return (await self._api.unfinished_sessions()).sessions
        except ApiError as exc:
            log.warning("could not list unfinished payments: %s", exc.message)
            return []

    async def leave(self) -> None:
        """The window is going away: tell the backend about a payment left in flight, once."""
        if self._left:
            return
        self._left = True
        session = self._state.session
        await self._stop_watching()
        if session is not None and self._state.payment_in_flight:
            try:
                fresh = await self._api.interrupt(session.session_id, "APP_CLOSED")
                self._apply(fresh)
            except ApiError as exc:
                log.warning("could not report the closed window to the backend: %s", exc.message)

    async def stop(self) -> None:
        await self._tasks.cancel_all()

    # ---- the actions --------------------------------------------------------------------------

    async def _checkout(self, lines: dict[str, int]) -> None:
        if not lines:
            return
        order = self._state.order
        if order is None or order.settled or lines != self._order_lines:
            order = await self._api.create_order(lines)
            self._order_lines = lines
        try:
            created = await self._api.create_session(order.order_id)
        except Conflict as exc:
            if exc.code != "order_paid":
                raise
            order = await self._api.create_order(lines)
            created = await self._api.create_session(order.order_id)
        await self._begin(created.session_id, order)

    async def _pay(self, details: PaymentDetails) -> None:
        session = self._require_session()
        if session.status is Status.INTERRUPTED:
            answer = await self._api.resume(session.session_id, details)
        else:
            answer = await self._api.pay(session.session_id, details)
        self._watcher.offer(answer)  # the session as the payment left it: no read after
        self._watcher.follow(session.session_id)

    async def _pay_cash(self, amount_received_minor: int, operator_pin: str) -> None:
        session = self._require_session()
        self._set(operator_pin_error=None)
        # Before the call: the stream may bring the completed session before its answer does.
        self._cash_received = amount_received_minor
        try:
            completed = await self._api.complete_cash(session.session_id, amount_received_minor, operator_pin)
        except TooManyAttempts as exc:
            self._cash_received = None
            self._set(operator_pin_error=exc.message)  # the backend's message says how long to wait
            return
        except AuthError:
            self._cash_received = None
            log.warning("cash for %s refused: wrong operator PIN", session.session_id[:8])
            self._set(operator_pin_error=messages.WRONG_OPERATOR_PIN)
            return
        self._apply(completed)

    async def _retry(self) -> None:
        session = self._require_session()
        if session.needs_payment_details:
            self._set(stage=Stage.DETAILS, prompt=None)
            return
        try:
            resumed = await self._api.resume(session.session_id)
        except Conflict:
            # The backend moved it on meanwhile (its own retry started, a look-up found the
            # charge): show where it stands, not an error and the old question again.
            await self._watcher.refresh(session.session_id)
            return
        self._watcher.offer(resumed)
        self._watcher.follow(session.session_id)

    async def _cancel(self) -> None:
        session = self._state.session
        if session is None or session.status.terminal:
            self._to_cart(order=self._state.order, notice=None)
            return
        try:
            self._apply(await self._api.cancel(session.session_id))
        except Conflict:
            await self._watcher.refresh(session.session_id)  # it ended meanwhile: show how
            return
        self._watcher.follow(session.session_id)
        if self._state.stage is Stage.CANCELLING:
            self._tasks.spawn(self._answer_cancel(session.session_id), name="cancel-answer")

    async def _answer_cancel(self, session_id: str) -> None:
        """The void waits on the gateway (unreachable, say): the customer does not. After
        `cancel_answer_s` they are back at the cart, told no money is lost; the backend goes on
        settling the session (and refunds a charge that stood) on its own."""
        await asyncio.sleep(self._cancel_answer_s)
        if self._following(session_id) and self._state.stage is Stage.CANCELLING:
            log.info("cancel of %s not confirmed by the gateway yet: back to the cart", session_id[:8])
            self._to_cart(order=None, notice=CANCEL_UNCONFIRMED_NOTICE)  # the next checkout: a new order

    async def _another_method(self) -> None:
        order = self._state.order
        if order is None:
            return
        created = await self._api.create_session(order.order_id)
        await self._begin(created.session_id, order)

    async def _cash_instead(self) -> None:
        session, order = self._require_session(), self._state.order
        if order is None:
            raise ApiError("There is no order to pay.", code="no_order")
        if session.status is Status.INITIATED:  # nothing attempted: cash can finish it
            self._set(stage=Stage.DETAILS, prompt=None, method_hint="cash")
            return
        self._reopening_for_cash = session.session_id
        try:
            ended = await self._cancel_and_wait(session.session_id)
            if ended.status in (Status.COMPLETED, Status.OFFLINE_ACCEPTED):
                self._apply(ended)  # the attempt went through after all: show that, charge nothing more
                return
            # No late answer about the cancelled session may send the window to the cart now.
            await self._stop_watching()
        finally:
            self._reopening_for_cash = None
        # CANCELLED (or ended unpaid otherwise): the order has no open session now.
        try:
            created = await self._api.create_session(order.order_id)
            await self._begin(created.session_id, order, method_hint="cash")
        except ApiError:
            self._to_cart(order=order, notice=None)  # checkout again from there, same order
            raise

    async def _cancel_and_wait(self, session_id: str) -> Session:
        """Cancel and follow the session until it has ended (the backend may first have to
        void at the gateway); returns how it ended."""
        try:
            session = await self._api.cancel(session_id, "customer pays in cash instead")
        except Conflict:
            session = await self._api.session(session_id)  # it ended meanwhile
        while not session.status.finished_for_customer:
            self._apply(session)
            await asyncio.sleep(self._interval)
            try:
                session = await self._api.session(session_id)
            except ApiError as exc:
                if not exc.transient:
                    raise
                log.info("waiting for the cancel of %s: %s", session_id[:8], exc.message)
        return session

    async def _adopt(self, session: Session) -> None:
        order = await self._api.order(session.order_id)
        self._order_lines = {item.product_id: item.quantity for item in order.items}
        await self._begin(session.session_id, order)
        fresh = self._state.session
        if fresh is not None and stage_of(fresh) is Stage.INTERRUPTED:
            # The customer already chose "Resume"; do not ask a second time.
            await self._retry()

    async def _discard(self, session: Session) -> None:
        # Followed like any cancel, so the window shows "Cancelling…" while the backend voids.
        await self._begin(session.session_id, await self._api.order(session.order_id))
        await self._cancel()

    # ---- following the session ----------------------------------------------------------------

    async def _begin(self, session_id: str, order: Order, *, method_hint: str | None = None) -> None:
        if self._config is None:
            await self.load_config()
        self._cash_received = None
        self._session_target = session_id
        # Not published: the screen changes once the session's first snapshot is in.
        self._state = dataclasses.replace(
            self._state,
            order=order,
            session=None,
            prompt=None,
            notice=None,
            receipt=None,
            method_hint=method_hint,
            operator_pin_error=None,
        )
        await self._watcher.refresh_after_action(session_id)

    def _following(self, session_id: str) -> bool:
        return session_id == self._session_target

    async def _stop_watching(self) -> None:
        self._session_target = None
        await self._watcher.stop()

    def _apply(self, session: Session) -> None:
        if session.session_id != self._session_target:
            return  # an answer about a session this window has moved on from
        if session.status.finished_for_customer:
            self._note_finished(session.session_id)
        if session.session_id == self._reopening_for_cash and not session.status.finished_for_customer:
            # Cancelling to pay in cash: no question about this attempt any more.
            self._set(stage=Stage.CANCELLING, session=session, prompt=None, attempt_started=None)
            return
        if session.status is Status.CANCELLED:
            if session.session_id != self._reopening_for_cash:
                self._to_cart(order=self._state.order, notice=CANCELLED_NOTICE)
            return
        previous = self._state.session
        self._set(
            stage=stage_of(session),
            session=session,
            prompt=prompt_of(session, self._prompt_epoch),
            attempt_started=self._attempt_started(previous, session),
        )
        handed_over = session.status in (Status.COMPLETED, Status.OFFLINE_ACCEPTED)
        if handed_over:
            order = self._state.order
            if order is not None and order.order_id == session.order_id:
                self._verified(session, settled_order(order, session))

    def _note_finished(self, session_id: str) -> None:
        if self._finished != session_id:
            self._finished = session_id
            self.session_finished.emit(session_id)

    def _attempt_started(self, previous: Session | None, session: Session) -> float | None:
        if session.status is not Status.PROCESSING:
            return None
        same_attempt = (
            previous is not None
            and previous.session_id == session.session_id
            and previous.status is Status.PROCESSING
            and previous.attempts == session.attempts
        )
        return self._state.attempt_started if same_attempt else self._clock()

    def _verified(self, session: Session, order: Order) -> None:
        """The order reads as paid (or, accepted offline, as handed over): the receipt the
        backend issued for it appears once fetched (once per session and status)."""
        self._set(order=order)
        wanted = (session.session_id, session.status)
        if self._receipt_asked != wanted:
            self._receipt_asked = wanted
            self._tasks.spawn(self._fetch_receipt(session, order), name="receipt")

    async def _fetch_receipt(self, session: Session, order: Order) -> None:
        document: ReceiptDocument | None = None
        while self._following(session.session_id):
            try:
                document = await self._api.receipt(session.session_id)
            except ApiError as exc:
                if exc.transient:  # the backend is briefly away: the receipt is there to fetch
                    await asyncio.sleep(self._interval)
                    continue
                log.warning("no receipt for %s: %s", session.session_id[:8], exc.message)
            break
        if self._following(session.session_id):
            # The stream can bring the completed cash session before /complete has answered.
            received = self._cash_received if self._cash_received is not None else session.cash_received_minor
            self._set(receipt=Receipt(order, session, document, received))

    # ---- plumbing -----------------------------------------------------------------------------

    def _act(self, coro: Coroutine[Any, Any, None], *, exclusive: bool = True) -> asyncio.Task[None]:
        if exclusive and self._action is not None and not self._action.done():
            coro.close()  # a double tap: the first one is already on its way
            return self._action
        task = self._tasks.spawn(self._guarded(coro), name="flow-action")
        if exclusive:
            self._action = task
        return task

    async def _guarded(self, coro: Coroutine[Any, Any, None]) -> None:
        self._actions_running += 1
        self._set(busy=True, error=None)
        try:
            await coro
        except ApiError as exc:
            self._note_reachable(not exc.transient)
            self._prompt_epoch += 1  # whatever was asked may need asking again
            self._set(error=exc.message)
            self.error.emit(exc.message)
            if self._session_target:
                self._watcher.follow(self._session_target)  # find out where things stand
        finally:
            self._actions_running -= 1
            self._set(busy=self._actions_running > 0)

    def _require_session(self) -> Session:
        session = self._state.session
        if session is None:
            raise ApiError("There is no payment in progress.", code="no_session")
        return session

    def _to_cart(self, *, order: Order | None, notice: str | None) -> None:
        self._session_target = None
        self._cash_received = None
        if order is None:
            self._order_lines = {}
        self._set(
            stage=Stage.CART,
            order=order,
            session=None,
            prompt=None,
            notice=notice,
            error=None,  # about the payment just left, not the next cart (an action failing now sets it after)
            receipt=None,
            attempt_started=None,
            method_hint=None,
            operator_pin_error=None,
        )

    def _note_reachable(self, reachable: bool) -> None:
        if reachable != self._reachable:
            self._reachable = reachable
            self.backend_reachable.emit(reachable)

    def _set(self, **changes: Any) -> None:
        new = dataclasses.replace(self._state, **changes)
        if new != self._state:
            self._state = new
            self._changed.set()
            self.state_changed.emit(new)
