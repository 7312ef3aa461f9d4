"""Follows one payment session by polling the backend until it has ended for the customer.

The checkout flow owns which session the window follows; this polls it (every `interval_s`,
and at once when woken after an action), reads it on request, and hands every snapshot and
every sign of the backend being (un)reachable back to the flow. It decides nothing itself.
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
        poller stops once it does not. `on_session` gets every snapshot read."""
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

    @property
    def watching(self) -> bool:
        """Whether the session is being polled (it stops once the session has ended)."""
        return self._watch_task is not None and not self._watch_task.done()

    def follow(self, session_id: str) -> None:
        """Poll this session until it ends; wake the poller if it is already at it."""
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

    async def _watch(self, session_id: str) -> None:
        while self._following(session_id):
            self._wake.clear()
            try:
                session = await self.refresh(session_id)
            except ApiError as exc:
                # Keep following through a dropped connection; the next poll may get through.
                log.info("polling %s failed: %s", session_id[:8], exc.message)
                session = None
            if session is not None and session.status.finished_for_customer:
                return
            await wait_or_timeout(self._wake, self._interval)

    async def stop(self) -> None:
        """Stop polling and wait until the poller has gone (the flow stops following first)."""
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
            self._on_session(session)
            return session

    async def refresh_after_action(self, session_id: str) -> None:
        with contextlib.suppress(ApiError):  # the poller will try again
            await self.refresh(session_id)
        self.follow(session_id)
