"""Polls the backend's health (and, in tester mode, the active fault) for the status bar."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from smartcart_desktop.api_client import ApiClient
from smartcart_desktop.api_errors import ApiError
from smartcart_desktop.background import BackgroundTasks, wait_or_timeout

log = logging.getLogger(__name__)

FAULT_MODES = ("none", "offline", "latency", "timeout", "flaky", "http_error", "reply_lost")


@dataclass(frozen=True, slots=True)
class HealthView:
    backend_reachable: bool | None = None  # None: not asked yet
    gateway_reachable: bool | None = None  # None: the backend has not talked to it yet
    tester: bool = False
    fault_mode: str | None = None  # tester mode only
    offline_pending: int = 0


class HealthMonitor(QObject):
    changed = Signal(object)  # HealthView

    def __init__(self, api: ApiClient, *, interval_s: float = 2.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._api = api
        self._interval = interval_s
        self._view = HealthView()
        self._tasks = BackgroundTasks("health monitor")
        self._wake = asyncio.Event()

    @property
    def view(self) -> HealthView:
        return self._view

    def start(self) -> None:
        self._tasks.spawn(self._run(), name="health")

    async def stop(self) -> None:
        await self._tasks.cancel_all()

    def set_fault(self, mode: str) -> asyncio.Task[None]:
        """Tester intent from the status bar: switch the fault on the link to the gateway."""
        return self._tasks.spawn(self._set_fault(mode), name="set-fault")

    async def _set_fault(self, mode: str) -> None:
        try:
            await self._api.set_faults(mode)
        except ApiError as exc:
            log.warning("could not switch the fault to %s: %s", mode, exc.message)
        self._wake.set()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            self._publish(await self._check())
            await wait_or_timeout(self._wake, self._interval)

    async def _check(self) -> HealthView:
        try:
            health = await self._api.health()
        except ApiError:
            return HealthView(backend_reachable=False, tester=self._view.tester)
        fault = None
        if health.tester:
            try:
                fault = (await self._api.faults()).mode
            except ApiError as exc:
                log.info("fault state unavailable: %s", exc.message)
        return HealthView(
            backend_reachable=True,
            gateway_reachable=health.gateway.reachable,
            tester=health.tester,
            fault_mode=fault,
            offline_pending=health.offline_pending,
        )

    def _publish(self, view: HealthView) -> None:
        if view != self._view:
            self._view = view
            self.changed.emit(view)
