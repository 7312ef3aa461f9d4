"""Polls the backend's health for the status bar: can the gateway be reached (Online /
Offline), how many offline payments wait to be forwarded, how many changes still have to reach
the fleet server (`/api/sync/status`) and whether the server refused them, and — when the
backend runs in tester mode — the active fault and the log of requests it hit (for the tester
panel).

It asks often only while there is something to watch: the backend or the gateway away, offline
payments waiting to be forwarded, changes not yet synced to the fleet server, or tester mode
(the fault log moves with every request). A healthy kiosk at rest asks rarely: a poll every 2 s
woke the window, the backend and its gateway probe all day for an answer that did not change.
Whatever the window itself changes (a payment ending, a fault switched) is asked about at once
anyway.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from smartcart_desktop.api.client import ApiClient
from smartcart_desktop.api.errors import ApiError
from smartcart_desktop.api.models import Faults, SyncStatus
from smartcart_desktop.app.background import BackgroundTasks, wait_or_timeout

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HealthView:
    backend_reachable: bool | None = None  # None: not asked yet
    gateway_reachable: bool | None = None  # None: the backend has not talked to it yet
    tester: bool = False  # the backend runs in tester mode (it has /api/dev/*)
    faults: Faults | None = None  # tester mode only: the active fault and its log
    # Tester mode with a fleet server: the fault on the kiosk → server link and its log.
    server_faults: Faults | None = None
    offline_enabled: bool = False  # the backend accepts payments offline (store-and-forward)
    offline_pending: int = 0  # payments accepted offline, waiting to be forwarded
    sync_enabled: bool = False  # the backend replicates to a fleet server
    sync_pending: int = 0  # changes not yet acknowledged by the fleet server
    # The fleet server refused the last batch (4xx): resending will not help until someone fixes
    # the cause; its message (the server's, in English) tells what it is.
    sync_refused: bool = False
    sync_refusal: str | None = None

    @property
    def fault_mode(self) -> str | None:
        return self.faults.mode if self.faults is not None else None

    @property
    def settled(self) -> bool:
        """Nothing to watch closely: both sides reachable, nothing waiting, no tester."""
        return (
            self.backend_reachable is True
            and self.gateway_reachable is True
            and not self.tester
            and self.offline_pending == 0
            and self.sync_pending == 0
        )


class HealthMonitor(QObject):
    changed = Signal(object)  # HealthView

    def __init__(
        self,
        api: ApiClient,
        *,
        interval_s: float = 2.0,
        settled_interval_s: float = 60.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._interval = interval_s
        self._settled_interval = max(interval_s, settled_interval_s)
        self._view = HealthView()
        self._tasks = BackgroundTasks("health monitor")
        self._wake = asyncio.Event()
        self.checks = 0  # questions asked so far (how often it wakes, for a test to read)

    @property
    def view(self) -> HealthView:
        return self._view

    def start(self) -> None:
        self._tasks.spawn(self._run(), name="health")

    async def stop(self) -> None:
        await self._tasks.cancel_all()

    def refresh(self, *_args: object) -> None:
        """Ask again now rather than at the next tick (a payment ended, a fault was switched):
        an answer from before the change must not stay on screen for a whole interval."""
        self._wake.set()

    def show_faults(self, faults: Faults, *, link: str = "gateway") -> None:
        """A fresher fault state than the last poll's (the answer to a switch): show it now."""
        if self._view.tester:
            if link == "server":
                self._publish(dataclasses.replace(self._view, server_faults=faults))
            else:
                self._publish(dataclasses.replace(self._view, faults=faults))
        self.refresh()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            self._publish(await self._check())
            interval = self._settled_interval if self._view.settled else self._interval
            await wait_or_timeout(self._wake, interval)

    async def _check(self) -> HealthView:
        self.checks += 1
        try:
            health = await self._api.health()
        except ApiError:
            return dataclasses.replace(self._view, backend_reachable=False)
        sync = await self._sync_status()
        faults = server_faults = None
        if health.tester:
            faults = await self._faults("gateway", self._view.faults)
            if sync.enabled:
                server_faults = await self._faults("server", self._view.server_faults)
        return HealthView(
            backend_reachable=True,
            gateway_reachable=health.gateway.reachable,
            tester=health.tester,
            faults=faults,
            server_faults=server_faults,
            offline_enabled=health.offline_enabled,
            offline_pending=health.offline_pending,
            sync_enabled=sync.enabled,
            sync_pending=sync.pending,
            sync_refused=sync.refused,
            # A bare 4xx (a proxy's, with no message of the server's): the backend's own summary.
            sync_refusal=(sync.refused_message or sync.last_error) if sync.refused else None,
        )

    async def _faults(self, link: str, last: Faults | None) -> Faults | None:
        try:
            return await self._api.faults(link=link)
        except ApiError as exc:
            # The server link has no switch when the fleet server is not plain http (409).
            log.info("fault state of the %s link unavailable: %s", link, exc.message)
            return None if exc.http_status == 409 else last

    async def _sync_status(self) -> SyncStatus:
        try:
            return await self._api.sync_status()
        except ApiError as exc:
            # A backend from before sync (404) has nothing to sync; a passing failure keeps
            # the last count rather than flashing "synced".
            if exc.http_status != 404:
                log.info("sync status unavailable: %s", exc.message)
                view = self._view
                return SyncStatus(enabled=view.sync_enabled, pending=view.sync_pending,
                                  refused=view.sync_refused, refused_message=view.sync_refusal)
            return SyncStatus()

    def _publish(self, view: HealthView) -> None:
        if view != self._view:
            self._view = view
            self.changed.emit(view)
