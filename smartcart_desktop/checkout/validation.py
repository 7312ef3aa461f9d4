"""Checks card and UPI fields as they are typed, with the backend's own rules.

The form hands over what is typed; this debounces, asks `POST /api/payments/validate` and
publishes the verdict. Answers to older keystrokes are dropped. Nothing typed is logged or
kept beyond the request.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from PySide6.QtCore import QObject, QTimer, Signal

from smartcart_desktop.api.client import ApiClient
from smartcart_desktop.api.errors import ApiError
from smartcart_desktop.api.models import Validation
from smartcart_desktop.app.background import BackgroundTasks

log = logging.getLogger(__name__)


class PaymentValidator(QObject):
    validated = Signal(object)  # Validation

    def __init__(self, api: ApiClient, *, debounce_ms: int = 150, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._api = api
        self._tasks = BackgroundTasks("payment validator")
        self._pending: dict[str, str] = {}
        self._serial = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self._send)

    def request(self, fields: Mapping[str, str]) -> None:
        self._pending = dict(fields)
        self._serial += 1  # whatever is in flight is now stale
        self._timer.start()

    def forget(self) -> None:
        """The form was cleared: drop what was typed and any answer still on its way."""
        self._timer.stop()
        self._pending = {}
        self._serial += 1

    async def stop(self) -> None:
        self._timer.stop()
        await self._tasks.cancel_all()

    def _send(self) -> None:
        if self._tasks.closed or not self._pending:
            return
        fields, self._pending = self._pending, {}
        self._tasks.spawn(self._ask(fields, self._serial), name="validate")

    async def _ask(self, fields: dict[str, str], serial: int) -> None:
        try:
            verdict: Validation = await self._api.validate(fields)
        except ApiError as exc:
            log.info("validation unavailable: %s", exc.message)
            return
        if serial == self._serial:
            self.validated.emit(verdict)
