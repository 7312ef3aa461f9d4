""""Waiting for verification": the round trips after a session reads COMPLETED (or accepted
offline) that re-read its order and summary before the receipt is shown.

The session's status alone does not make a receipt: the receipt appears once the order
itself reads as paid (or, accepted offline, as handed over). Until then the order is read
again every `interval_s`, for as long as the flow still follows the session.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from smartcart_desktop.api.client import ApiClient
from smartcart_desktop.api.errors import ApiError
from smartcart_desktop.api.models import Order, Session, Summary
from smartcart_desktop.app.background import BackgroundTasks

log = logging.getLogger(__name__)


class Verifier:
    def __init__(
        self,
        api: ApiClient,
        tasks: BackgroundTasks,
        *,
        interval_s: float,
        following: Callable[[str], bool],
        on_verified: Callable[[Session, Order, Summary], None],
    ) -> None:
        self._api = api
        self._tasks = tasks
        self._interval = interval_s
        self._following = following
        self._on_verified = on_verified
        self._verifying: str | None = None

    def verify(self, session: Session) -> None:
        """Start verifying this handed-over session, once per session."""
        if self._verifying != session.session_id:
            self._verifying = session.session_id
            self._tasks.spawn(self._verify(session), name="verify")

    async def _verify(self, session: Session) -> None:
        while self._following(session.session_id):
            try:
                order = await self._api.order(session.order_id)
                if order.settled:
                    summary = await self._api.summary(session.session_id)
                    self._on_verified(session, order, summary)
                    return
            except ApiError as exc:
                log.info("verifying order %d: %s", session.order_id, exc.message)
            await asyncio.sleep(self._interval)
