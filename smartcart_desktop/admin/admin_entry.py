"""The way into the admin panel from the kiosk window, and the panel's lifetime.

"Admin…" (Ctrl+Alt+Shift+A) or a long press on the status bar asks for the PIN; the backend
trades it for the admin token, held only by this panel's AdminApi. Locking (the Lock button,
closing the panel, the token being refused, shutdown) forgets the token and closes the panel.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from smartcart_desktop.admin.long_press import LongPress
from smartcart_desktop.app.background import BackgroundTasks
from smartcart_desktop.app.services import Services

# The panel's own modules load when it is first opened, not at every start of the kiosk
# (a tenth of a second before the cart could be drawn, for a screen few customers' kiosks open).
if TYPE_CHECKING:
    from smartcart_desktop.admin.admin_api import AdminApi
    from smartcart_desktop.admin.admin_window import AdminWindow

log = logging.getLogger(__name__)

ADMIN_SHORTCUT = "Ctrl+Alt+Shift+A"


class AdminPanel:
    """One unlocked panel: its API (holding the admin token), state, exporter and window."""

    def __init__(self, api: AdminApi, window: QMainWindow, *, refresh_s: float, kiosk: bool) -> None:
        from smartcart_desktop.admin.admin_controller import AdminController
        from smartcart_desktop.admin.admin_window import AdminWindow
        from smartcart_desktop.admin.exporter import Exporter

        self.api = api
        self.controller = AdminController(api, refresh_s=refresh_s)
        self.exporter = Exporter(api)
        self.window = AdminWindow(self.controller, self.exporter, window, kiosk=kiosk)
        self._closed = False

    async def close(self) -> None:
        """Idempotent, and safe to run again if a first run was cancelled part-way."""
        if self._closed:
            return
        self.api.lock()  # first: nothing may use the token from here on
        self.window.close_quietly()
        await self.window.stop()
        await self.exporter.stop()
        await self.controller.stop()
        await self.api.close()
        self._closed = True
        self.window.deleteLater()
        self.exporter.deleteLater()
        self.controller.deleteLater()


class AdminEntry(QObject):
    opened = Signal(object)  # AdminWindow
    locked = Signal()

    def __init__(self, window: QMainWindow, services: Services) -> None:
        super().__init__(window)
        self._window = window
        self._services = services
        self._tasks = BackgroundTasks("admin entry")
        self._unlocking: asyncio.Task[None] | None = None
        self.panel: AdminPanel | None = None
        self._closing: AdminPanel | None = None  # being closed; finished by stop() if cancelled
        self.action = QAction("Admin…", window)
        self.action.setObjectName("adminAction")
        self.action.setShortcut(QKeySequence(ADMIN_SHORTCUT))
        self.action.triggered.connect(self.open)
        window.addAction(self.action)
        self.long_press = LongPress(window.statusBar())
        self.long_press.triggered.connect(self.open)

    @property
    def window(self) -> AdminWindow | None:
        return self.panel.window if self.panel is not None else None

    def open(self) -> asyncio.Task[None] | None:
        """Show the panel, asking for the PIN first if it is locked."""
        if self._tasks.closed:
            return None
        if self.panel is not None:
            self.panel.window.present()
            return None
        if self._unlocking is not None and not self._unlocking.done():
            return self._unlocking
        self._unlocking = self._tasks.spawn(self._unlock(), name="admin-unlock")
        return self._unlocking

    async def _unlock(self) -> None:
        from smartcart_desktop.admin.admin_api import AdminApi
        from smartcart_desktop.admin.unlock import unlock_with_pin

        link, options = self._services.link, self._services.options
        # The admin token must be earned with the PIN; the link's (if any) only proves to the
        # unlock that the PIN comes from the kiosk's own window.
        api = AdminApi(link.url, link.kiosk_token, window_token=link.admin_token)
        try:
            unlocked = await unlock_with_pin(self._window, api)
        except BaseException:
            await api.close()
            raise
        if not unlocked:
            await api.close()
            return
        panel = AdminPanel(api, self._window, refresh_s=options.poll_interval_s, kiosk=options.kiosk)
        self.panel = panel
        panel.window.lock_requested.connect(self.lock)
        panel.controller.locked.connect(self.lock)
        panel.window.present()
        panel.controller.start()
        self.opened.emit(panel.window)

    def lock(self) -> asyncio.Task[None] | None:
        if self._tasks.closed or self.panel is None:
            return None
        return self._tasks.spawn(self._lock(), name="admin-lock")

    async def _lock(self) -> None:
        panel, self.panel = self.panel, None
        if panel is None:
            return
        self._closing = panel
        log.info("admin panel locked")
        await panel.close()
        self._closing = None
        self.locked.emit()

    async def stop(self) -> None:
        """Shutdown: drop a PIN question, close the panel."""
        await self._tasks.cancel_all()
        for panel in (self._closing, self.panel):
            if panel is not None:
                await panel.close()
        self._closing = self.panel = None
