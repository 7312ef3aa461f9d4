"""The admin panel's state, kept fresh from the backend, and the operator's intents.

No widgets in here. Every `refresh_s` (about 2 s) one loop reads the active sessions and, if a
session's history is open and the session is not finished, its history again; every few
rounds it also reads today's stats and the offline payments. Nothing waits on the loop: the
reads are HTTP requests the loop interleaves with everything else.

If the admin token stops working (401/403), `locked` is emitted and the panel closes.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from smartcart_contract.money import format_money
from smartcart_desktop.admin.admin_api import AdminApi
from smartcart_desktop.admin.admin_models import OfflinePayments, RefundInfo, Shift, Stats
from smartcart_desktop.admin.file_sink import save_stream
from smartcart_desktop.admin.history_query import HistoryQuery
from smartcart_desktop.admin.report_range import DayRange
from smartcart_desktop.api.errors import ApiError, AuthError, NotFound
from smartcart_desktop.api.models import Session, Summary
from smartcart_desktop.app.background import BackgroundTasks, wait_or_timeout

log = logging.getLogger(__name__)

T = TypeVar("T")

HISTORY_PAGE = 50

_SESSION_ID = re.compile(r"[0-9a-f]{32}")
NOT_AN_ID = "That is not a session id (32 characters, 0-9 and a-f)."
CANCEL_PENDING = "Cancel requested: the gateway voids the charge first."


@dataclass(frozen=True, slots=True)
class SessionHistory:
    session: Session  # with its events, oldest first
    summary: Summary
    # A completed payment's refunds, oldest first (only a completed payment has any).
    refunds: tuple[RefundInfo, ...] = ()

    @property
    def refunded_minor(self) -> int:
        """Given back, or on its way back (pending): no longer there to refund."""
        return sum(r.amount_minor for r in self.refunds if r.status != "failed")


def normalise_session_id(text: str) -> str | None:
    candidate = text.strip().lower().removeprefix("session").strip(" :#")
    return candidate if _SESSION_ID.fullmatch(candidate) else None


class AdminController(QObject):
    sessions_changed = Signal(object)  # list[Session]
    history_changed = Signal(object)  # SessionHistory
    history_failed = Signal(str)
    stats_changed = Signal(object)  # Stats
    offline_changed = Signal(object)  # OfflinePayments
    # The history list: (sessions, replace the list or add to it, more pages follow)
    history_page = Signal(object, bool, bool)
    notice = Signal(str, bool)  # text ("" clears), is_error
    shift_changed = Signal(object)  # Shift | None: the open shift, a just-closed one with its report
    kiosks_seen = Signal(object)  # list[str]: every kiosk id a read session named so far
    locked = Signal()  # the admin token no longer works

    def __init__(
        self, api: AdminApi, *, refresh_s: float = 2.0, slow_every: int = 5, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._refresh_s = refresh_s
        self._slow_every = max(1, slow_every)
        self._tasks = BackgroundTasks("admin panel")
        self._wake = asyncio.Event()
        self._slow_due = True
        self._poll_error: str | None = None
        self.sessions: list[Session] = []
        self.history: SessionHistory | None = None
        self.history_id: str | None = None
        self.stats: Stats | None = None
        self.offline: OfflinePayments | None = None
        self.history_query: HistoryQuery | None = None
        self._history_cursor: str | None = None
        self._history_generation = 0
        self.kiosks: set[str] = set()

    # ---- life -------------------------------------------------------------------------------

    def start(self) -> None:
        self._tasks.spawn(self._poll(), name="admin-poll")

    async def stop(self) -> None:
        await self._tasks.cancel_all()

    def refresh(self, *, everything: bool = True) -> None:
        """Read again now rather than at the next tick."""
        self._slow_due = self._slow_due or everything
        self._wake.set()

    # ---- intents ----------------------------------------------------------------------------

    def open_session(self, text: str) -> asyncio.Task[None] | None:
        session_id = normalise_session_id(text)
        if session_id is None:
            self.history_failed.emit(NOT_AN_ID)
            return None
        self.history_id = session_id
        if self.history is not None and self.history.session.session_id != session_id:
            self.history = None
        return self._spawn(self._load_history(session_id, announce=True), "admin-history")

    def search_history(self, query: HistoryQuery) -> asyncio.Task[None] | None:
        """The first page of the history list for `query`; it replaces what the list shows."""
        self.history_query = query
        self._history_cursor = None
        self._history_generation += 1
        return self._spawn(self._load_history_page(self._history_generation, None), "admin-history-list")

    def more_history(self) -> asyncio.Task[None] | None:
        """The next page of the same query, added below the rows shown."""
        if self.history_query is None or self._history_cursor is None:
            return None
        cursor = self._history_cursor
        self._history_cursor = None  # one request per page: "More" pressed twice loads it once
        return self._spawn(self._load_history_page(self._history_generation, cursor), "admin-history-more")

    def cancel_session(self, session_id: str, reason: str) -> asyncio.Task[None] | None:
        return self._spawn(self._cancel(session_id, reason), "admin-cancel")

    def reconcile_session(self, session_id: str, reason: str) -> asyncio.Task[None] | None:
        return self._spawn(self._reconcile(session_id, reason), "admin-reconcile")

    def forward_offline(self) -> asyncio.Task[None] | None:
        return self._spawn(self._forward(), "admin-forward")

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None] | None:
        if self._tasks.closed:
            coro.close()
            return None
        return self._tasks.spawn(coro, name=name)

    # ---- the refresh loop ---------------------------------------------------------------------

    async def _poll(self) -> None:
        tick = 0
        while True:
            self._wake.clear()
            slow = self._slow_due or tick % self._slow_every == 0
            self._slow_due = False
            await self._refresh_active()
            history_id = self.history_id
            if history_id is not None and (self.history is None or not self.history.session.status.terminal):
                await self._load_history(history_id, announce=False)
            if slow:
                await self._refresh_stats()
                await self._refresh_offline()
            tick += 1
            await wait_or_timeout(self._wake, self._refresh_s)

    async def _refresh_active(self) -> None:
        listed = await self._polled(self._api.active_sessions())
        if listed is not None:
            self.sessions = listed.sessions
            self.sessions_changed.emit(listed.sessions)
            self._saw(listed.sessions)

    async def _refresh_stats(self) -> None:
        stats = await self._polled(self._api.stats(DayRange.today()))
        if stats is not None:
            self.stats = stats
            self.stats_changed.emit(stats)

    async def _refresh_offline(self) -> None:
        offline = await self._polled(self._api.offline_payments())
        if offline is not None:
            self.offline = offline
            self.offline_changed.emit(offline)

    async def _polled(self, call: Awaitable[T]) -> T | None:
        """A background read: one notice per distinct failure, cleared once reads work again."""
        try:
            result = await call
        except AuthError:
            self.locked.emit()
            return None
        except ApiError as exc:
            if exc.message != self._poll_error:
                self._poll_error = exc.message
                self.notice.emit(f"Could not refresh: {exc.message}", True)
            return None
        if self._poll_error is not None:
            self._poll_error = None
            self.notice.emit("", False)
        return result

    # ---- a session's history ------------------------------------------------------------------

    async def _load_history(self, session_id: str, *, announce: bool) -> None:
        try:
            session = await self._api.session(session_id)
            summary = await self._api.summary(session_id)
            refunds = (await self._api.refunds(session_id)).refunds if session.status == "COMPLETED" else []
        except AuthError:
            self.locked.emit()
            return
        except NotFound:
            if announce:
                self.history_failed.emit("No payment session with this id.")
            return
        except ApiError as exc:
            if announce:
                self.history_failed.emit(exc.message)
            return
        if self.history_id != session_id:
            return  # another session was opened meanwhile
        history = SessionHistory(session=session, summary=summary, refunds=tuple(refunds))
        if history != self.history:
            self.history = history
            self.history_changed.emit(history)

    # ---- the history list --------------------------------------------------------------------

    async def _load_history_page(self, generation: int, cursor: str | None) -> None:
        query = self.history_query
        if query is None:
            return
        try:
            page = await self._api.search_sessions(query, limit=HISTORY_PAGE, cursor=cursor)
        except AuthError:
            self.locked.emit()
            return
        except ApiError as exc:
            if generation == self._history_generation:
                self._history_cursor = cursor  # "More" may be pressed again
                self.notice.emit(f"Could not search the history: {exc.message}", True)
            return
        if generation != self._history_generation:
            return  # the operator asked something else meanwhile
        self._history_cursor = page.next_cursor
        self.history_page.emit(page.sessions, cursor is None, page.next_cursor is not None)
        self._saw(page.sessions)

    def _saw(self, sessions: list[Session]) -> None:
        """The kiosks the filters offer: those the sessions read so far name."""
        fresh = {s.kiosk_id for s in sessions if s.kiosk_id} - self.kiosks
        if fresh:
            self.kiosks |= fresh
            self.kiosks_seen.emit(sorted(self.kiosks))

    # ---- operator actions --------------------------------------------------------------------

    async def _cancel(self, session_id: str, reason: str) -> None:
        await self._act(
            self._api.cancel(session_id, reason),
            done=lambda s: "Payment cancelled." if s.status.terminal else CANCEL_PENDING,
            failed="Could not cancel",
            session_id=session_id,
        )

    async def _reconcile(self, session_id: str, reason: str) -> None:
        await self._act(
            self._api.reconcile(session_id, reason),
            done=lambda _s: "Checking with the gateway now.",
            failed="Could not check with the gateway",
            session_id=session_id,
        )

    async def _act(
        self, call: Awaitable[Session], *, done: Callable[[Session], str], failed: str, session_id: str
    ) -> None:
        try:
            session = await call
        except AuthError:
            self.locked.emit()
            return
        except ApiError as exc:
            self.notice.emit(f"{failed}: {exc.message}", True)
        else:
            self.notice.emit(done(session), False)
        if self.history_id == session_id:
            await self._load_history(session_id, announce=False)
        self.refresh()

    async def refund(self, session_id: str, amount_minor: int, reason: str, *, key: str) -> str | None:
        """Ask for a refund; None once it is done, else what to tell the operator (the dialog shows
        it and stays open: pressing Refund again retries under the same key)."""
        try:
            result = await self._api.refund(session_id, amount_minor, reason, key=key)
        except AuthError:
            self.locked.emit()
            return "The admin panel is locked."
        except ApiError as exc:
            return exc.message
        if result.status == "failed":
            return f"The gateway refused the refund: {result.error}"
        if result.status == "pending":
            return ("The gateway has not answered yet. Press Refund again to retry: it is refunded once, "
                    "and the backend also keeps trying by itself.")
        self.notice.emit(f"Refunded {format_money(result.amount_minor, result.currency)}.", False)
        if self.history_id == session_id:
            await self._load_history(session_id, announce=False)
        self.refresh()
        return None

    # ---- shifts -------------------------------------------------------------------------------

    async def refresh_shift(self) -> None:
        shift = await self._polled(self._api.current_shift())
        self.shift_changed.emit(shift)

    async def open_shift(self, float_minor: int) -> str | None:
        return await self._shift_call(self._api.open_shift(float_minor))

    async def close_shift(self, counted_minor: int, note: str | None) -> str | None:
        return await self._shift_call(self._api.close_shift(counted_minor, note))

    async def save_shift_report(self, shift_id: int, fmt: str, path: Path) -> str | None:
        try:
            data = await self._api.shift_report(shift_id, fmt)
            await save_stream(_once(data), path)
        except AuthError:
            self.locked.emit()
            return "The admin panel is locked."
        except ApiError as exc:
            return exc.message
        except OSError as exc:
            return f"Could not save {path.name}: {exc.strerror or exc}"
        self.notice.emit(f"Saved {path}.", False)
        return None

    async def _shift_call(self, call: Awaitable[Shift]) -> str | None:
        try:
            shift = await call
        except AuthError:
            self.locked.emit()
            return "The admin panel is locked."
        except ApiError as exc:
            return exc.message
        self.shift_changed.emit(shift)
        return None

    async def _forward(self) -> None:
        try:
            result = await self._api.forward_offline()
        except AuthError:
            self.locked.emit()
            return
        except ApiError as exc:
            self.notice.emit(f"Could not forward: {exc.message}", True)
            return
        if result.busy:
            text = "Forwarding is already under way."
        else:
            text = (
                f"Forwarded: {result.completed} completed, {result.declined} declined, "
                f"{result.waiting} still waiting."
            )
        self.notice.emit(text, False)
        await self._refresh_offline()
        self.refresh()


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data
