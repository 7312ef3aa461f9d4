"""What the tester panel asks of the backend: switch the fault, act as the customer of a QR or
terminal payment, crash the process.

The panel only shows and forwards; the API calls are made here. The fault state and its log
come back through the HealthMonitor, which polls `GET /api/dev/faults` in tester mode.
"""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import QObject, Signal

from smartcart_desktop.api.client import ApiClient
from smartcart_desktop.api.errors import ApiError
from smartcart_desktop.app.background import BackgroundTasks
from smartcart_desktop.app.health_monitor import HealthMonitor
from smartcart_desktop.tester.faults import WITH_LATENCY, WITH_RATE, FaultSetting

log = logging.getLogger(__name__)


class TesterControl(QObject):
    failed = Signal(str)  # a request failed; the message is for the tester
    crash_sent = Signal()  # the backend accepted the crash; it dies a moment later
    customer_acted = Signal(str, str)  # session id, action: the simulator took the customer's act

    def __init__(self, api: ApiClient, health: HealthMonitor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._api = api
        self._health = health
        self._tasks = BackgroundTasks("tester control")
        self._applying: asyncio.Task[None] | None = None

    def apply(self, setting: FaultSetting) -> asyncio.Task[None]:
        """Switch the fault on the setting's link now (`PUT /api/dev/faults`, or `…/server`)."""
        # Switches are applied in the order they were made: the last one wins.
        previous = self._applying
        task = self._tasks.spawn(self._apply(setting, previous), name=f"fault-{setting.mode}")
        self._applying = task
        return task

    def customer(self, session_id: str, action: str) -> asyncio.Task[None]:
        """`POST /api/dev/customer/{id}`: the simulated customer pays, declines, walks away, or
        pays a QR the backend has already closed."""
        return self._tasks.spawn(self._customer(session_id, action), name=f"customer-{action}")

    def crash(self) -> asyncio.Task[None]:
        """`POST /api/dev/crash`: the backend SIGKILLs its own process (the recovery drill)."""
        return self._tasks.spawn(self._crash(), name="crash")

    async def stop(self) -> None:
        await self._tasks.cancel_all()

    async def _apply(self, setting: FaultSetting, previous: asyncio.Task[None] | None) -> None:
        if previous is not None and not previous.done():
            await asyncio.wait([previous])
        rate = setting.rate if setting.mode in WITH_RATE else None
        latency = setting.latency_ms if setting.mode in WITH_LATENCY else None
        try:
            faults = await self._api.set_faults(setting.mode, rate=rate, latency_ms=latency, link=setting.link)
        except ApiError as exc:
            log.warning("could not switch the %s fault to %s: %s", setting.link, setting.mode, exc.message)
            self.failed.emit(f"Could not switch the fault to {setting.mode}: {exc.message}")
            self._health.refresh()  # show what is really active
            return
        log.info("tester switched the %s link's fault to %s", setting.link, setting.mode)
        self._health.show_faults(faults, link=setting.link)

    async def _customer(self, session_id: str, action: str) -> None:
        try:
            await self._api.customer(session_id, action)
        except ApiError as exc:
            log.warning("simulated customer %s on %s refused: %s", action, session_id[:8], exc.message)
            self.failed.emit(f"The customer could not {action.replace('_', ' ')}: {exc.message}")
            return
        log.info("simulated customer: %s on %s", action, session_id[:8])
        self.customer_acted.emit(session_id, action)

    async def _crash(self) -> None:
        log.warning("tester asked the backend to crash")
        try:
            await self._api.crash()
        except ApiError as exc:
            self.failed.emit(f"The backend did not accept the crash: {exc.message}")
            return
        self.crash_sent.emit()
