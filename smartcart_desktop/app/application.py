"""The kiosk's life: connect to a backend, build the services and the window, run until asked
to quit, then shut down once, in order.

Quit requests come from the window closing, `aboutToQuit`, SIGTERM and SIGINT; they all set
one event, and `shutdown()` runs at most once however many arrive. `app.quit()` is never
called while this coroutine runs: qasync would stop the loop under the cleanup.

Start-up draws the cart first and starts the embedded backend after: the backend's address is
bound before anything else, so the window's first requests (a tap on Checkout) wait for it in
the socket's backlog, and the backend itself is imported on a worker thread so that the
drawn cart takes taps meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QApplication, QMessageBox

from smartcart_desktop.app.backend_link import remote_link
from smartcart_desktop.app.data_dir import window_data_dir
from smartcart_desktop.app.embedded_address import EmbeddedAddress, reserve_embedded_address
from smartcart_desktop.app.main_thread_gc import MainThreadGc
from smartcart_desktop.app.options import LaunchOptions
from smartcart_desktop.app.services import Services
from smartcart_desktop.app.source_lines import keep_no_file_lines
from smartcart_desktop.ui.main_window import MainWindow
from smartcart_desktop.ui.style import apply_stylesheet

if TYPE_CHECKING:
    from smartcart_desktop.app.startup import EmbeddedBackend

log = logging.getLogger(__name__)

# The GUI thread shares the interpreter lock with the embedded backend's writer and reader
# threads and an export's: one that does not give it up holds it for the whole switch interval,
# and with two waiting the GUI could wait several turns. bench/loop_stall.py measured up to
# 18 ms at Python's 5 ms default (a dropped frame; a test run beside it) and at most 11.4 ms
# at 2 ms; 1 ms went further and made Pay → receipt worse (outliers of 250 ms,
# bench/pay_to_receipt.py).
GUI_SWITCH_INTERVAL_S = 0.002

_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class KioskApp:
    def __init__(self, options: LaunchOptions) -> None:
        self.options = options
        self.backend: EmbeddedBackend | None = None
        self.services: Services | None = None
        self.window: MainWindow | None = None
        self.pin_message: QMessageBox | None = None  # shown once, at a first start with no PIN set
        self._quit = asyncio.Event()
        self._stack = contextlib.AsyncExitStack()
        self._shutting_down = False
        self._signals: list[signal.Signals] = []

    @classmethod
    async def start(cls, options: LaunchOptions, **settings_overrides: Any) -> KioskApp:
        kiosk = cls(options)
        await kiosk.open(**settings_overrides)
        return kiosk

    async def open(self, **settings_overrides: Any) -> None:
        """Connect, build and show. `settings_overrides` tune an embedded backend (tests)."""
        try:
            await self._open(settings_overrides)
        except BaseException:
            await self.shutdown()
            raise

    async def _open(self, settings_overrides: dict[str, Any]) -> None:
        # Before the backend's imports: PySide6 would have linecache keep all their source (26 MB).
        self._stack.callback(keep_no_file_lines())
        self._stack.callback(sys.setswitchinterval, sys.getswitchinterval())
        sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)
        collector = MainThreadGc()
        collector.start()
        self._stack.callback(collector.stop)  # registered first: runs after everything else
        address = None
        if self.options.backend_url:
            link = remote_link(self.options)
        else:
            timeout_s = settings_overrides.get("gateway_timeout_s", self.options.gateway_timeout_s)
            address = reserve_embedded_address(float(timeout_s))
            link = address.link
            self._stack.push_async_callback(self._stop_backend, address)  # last: the server outlives its clients
        services = Services.build(self.options, link, window_data_dir(settings_overrides.get("data_dir")))
        self.services = services
        self._stack.push_async_callback(services.api.close)
        self._stack.push_async_callback(services.stop)
        app = QApplication.instance()
        assert isinstance(app, QApplication), "create the QApplication first"
        apply_stylesheet(app)
        window = MainWindow(services)
        self.window = window
        self._stack.push_async_callback(self._close_window)
        self._listen_for_quit(app, window)
        window.present()
        if address is not None:
            await self._start_embedded(address, settings_overrides)
        if self.backend is not None and (pin := self.backend.take_generated_pin()):
            from smartcart_desktop.admin.pin_dialog import show_generated_pin  # a first start only

            self.pin_message = show_generated_pin(window, pin)
        services.start()
        window.offer_unfinished()
        collector.freeze_startup()
        where = "remote" if self.options.backend_url else "embedded"
        log.info("SmartCart is ready (%s backend at %s)", where, link.url)

    async def _start_embedded(self, address: EmbeddedAddress, settings_overrides: dict[str, Any]) -> None:
        # Off the loop: the drawn cart keeps taking taps while half a second of imports runs.
        await asyncio.to_thread(_import_backend)
        from smartcart_desktop.app.startup import EmbeddedBackend, embedded_settings

        backend = EmbeddedBackend(embedded_settings(self.options, address, **settings_overrides), address)
        self.backend = backend
        await backend.start()

    async def _stop_backend(self, address: EmbeddedAddress) -> None:
        if self.backend is not None:
            await self.backend.stop()
        address.close()  # closed already if the server took it; if it never did, nobody else will

    def _listen_for_quit(self, app: QApplication, window: MainWindow) -> None:
        app.setQuitOnLastWindowClosed(False)  # the loop must outlive the window for the cleanup
        app.lastWindowClosed.connect(self.request_quit)
        app.aboutToQuit.connect(self.request_quit)
        window.closed.connect(self.request_quit)

        def disconnect() -> None:
            for signal_ in (app.lastWindowClosed, app.aboutToQuit):
                with contextlib.suppress(RuntimeError, TypeError):
                    signal_.disconnect(self.request_quit)

        self._stack.callback(disconnect)

    def handle_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in _SIGNALS:
            loop.add_signal_handler(signum, self.request_quit)
            self._signals.append(signum)
        self._stack.callback(self._remove_signal_handlers)

    def _remove_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in self._signals:
            loop.remove_signal_handler(signum)
        self._signals.clear()

    def request_quit(self) -> None:
        self._quit.set()

    async def run_until_quit(self) -> None:
        try:
            await self._quit.wait()
        finally:
            await self.shutdown()

    async def shutdown(self) -> None:
        """Close the window, stop polling, close the HTTP client, stop the server. Once."""
        if self._shutting_down:
            return
        self._shutting_down = True
        log.info("shutting down")
        await self._stack.aclose()
        # A transport closed just now (the HTTP client's, the server's connections) lets go of
        # its socket on a later turn of the loop. Given those turns, a loop that stops right
        # after this leaves no socket to the garbage collector (an "unclosed transport").
        for _ in range(3):
            await asyncio.sleep(0)

    async def _close_window(self) -> None:
        window = self.window
        if window is None:
            return
        window.force_close()
        await window.stop()
        window.deleteLater()


def _import_backend() -> None:
    import smartcart_desktop.app.startup  # noqa: F401 - loaded for _start_embedded


async def run(options: LaunchOptions) -> int:
    kiosk = KioskApp(options)
    kiosk.handle_signals()  # first: a SIGTERM during start-up still gets the clean shutdown
    await kiosk.open()
    await kiosk.run_until_quit()
    return 0
