"""Follows one payment session until it has ended for the customer: by the backend's stream of
its changes, and by polling only while that stream is down.

The checkout flow owns which session the window follows; this follows it and hands every
snapshot, and every sign of the backend being (un)reachable, back to the flow. It decides
nothing itself, except which of two snapshots is the newer one (`offer`).

The stream (`GET …/stream`, server-sent events) starts with the session as it is and then
sends it at every change. When it cannot be opened (an older backend, a proxy in the way) or
breaks, the session is read once, and again every `interval_s`, with a new try of the stream
after each read; a reconnection names the last event it got (`Last-Event-ID`), and the backend
starts it with the session as it is now, so no final state is missed across a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from smartcart_desktop.api.client import ApiClient
from smartcart_desktop.api.errors import ApiError
from smartcart_desktop.api.models import Session
from smartcart_desktop.app.background import BackgroundTasks, wait_or_timeout

log = logging.getLogger(__name__)


class SessionWatcher:
    def __init__(
        self,
        api: ApiClient,
        tasks: BackgroundTasks,
        *,
        interval_s: float,
        following: Callable[[str], bool],
        on_session: Callable[[Session], None],
        on_reachable: Callable[[bool], None],
    ) -> None:
        """`following(session_id)` says whether the flow still follows that session; the
        watcher stops once it does not. `on_session` gets every snapshot that is not older
        than the last one it got."""
        self._api = api
        self._tasks = tasks
        self._interval = interval_s
        self._following = following
        self._on_session = on_session
        self._on_reachable = on_reachable
        self._watch_task: asyncio.Task[None] | None = None
        self._watched: str | None = None
        self._wake = asyncio.Event()
        self._refresh_lock = asyncio.Lock()
        self._latest: Session | None = None
        self.streaming = False  # whether the backend's stream is open now
        self.polls = 0  # reads made because the stream was down (or before it opened)

    @property
    def watching(self) -> bool:
        """Whether the session is being followed (it stops once the session has ended)."""
        return self._watch_task is not None and not self._watch_task.done()

    def follow(self, session_id: str) -> None:
        """Follow this session until it ends; wake the poller if it is already at it."""
        if not self._following(session_id):
            return
        running = self._watch_task is not None and not self._watch_task.done()
        if running and self._watched == session_id:
            self._wake.set()
            return
        if running:
            assert self._watch_task is not None
            self._watch_task.cancel()
        self._watched = session_id
        self._watch_task = self._tasks.spawn(self._watch(session_id), name=f"watch-{session_id[:8]}")

    def offer(self, session: Session) -> bool:
        """Hand a snapshot on unless it is older than the last one (an action's answer can
        arrive after the stream's next event). True if handed on."""
        latest = self._latest
        if latest is not None and latest.session_id == session.session_id:
            if latest.status.terminal and not session.status.terminal:
                return False  # terminal states never change: this one is from before
            if session.updated_at < latest.updated_at:
                return False
        self._latest = session
        self._on_session(session)
        return True

    async def _watch(self, session_id: str) -> None:
        last_event_id: str | None = None
        while self._following(session_id):
            self._wake.clear()
            try:
                async with contextlib.aclosing(
                    self._api.session_stream(session_id, last_event_id=last_event_id)
                ) as events:
                    async for event_id, session in events:
                        last_event_id = event_id
                        self.streaming = True
                        self._on_reachable(True)
                        self.offer(session)
                        if session.status.finished_for_customer or not self._following(session_id):
                            return
            except ApiError as exc:
                log.info("stream of %s unavailable: %s", session_id[:8], exc.message)
            finally:
                self.streaming = False
            # The stream is down (or the backend ended it, shutting down): read it meanwhile.
            try:
                self.polls += 1
                session = await self.refresh(session_id)
            except ApiError as exc:
                # Keep following through a dropped connection; the next try may get through.
                log.info("polling %s failed: %s", session_id[:8], exc.message)
            else:
                if session.status.finished_for_customer:
                    return
            await wait_or_timeout(self._wake, self._interval)

    async def stop(self) -> None:
        """Stop following and wait until the watcher has gone (the flow stops following first)."""
        task, self._watch_task = self._watch_task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def refresh(self, session_id: str) -> Session:
        # One GET at a time, so an older answer can never overwrite a newer one.
        async with self._refresh_lock:
            try:
                session = await self._api.session(session_id)
            except ApiError as exc:
                self._on_reachable(not exc.transient)
                raise
            self._on_reachable(True)
            self.offer(session)
            return session

    async def refresh_after_action(self, session_id: str) -> None:
        with contextlib.suppress(ApiError):  # the watcher will try again
            await self.refresh(session_id)
        self.follow(session_id)
