"""Desktop tests: async GUI tests on a qasync loop, against the real embedded backend.

Only tests under tests/desktop run on the qasync loop (a conftest hook applies to its own
directory); tests/backend keep the plain asyncio loop.

Waiting: qtbot's waits spin a nested Qt event loop. Called straight from a test coroutine,
that nested loop cannot run other asyncio tasks (the test's task is still "current", so
qasync cannot step them) and the wait times out. `Waits` runs qtbot's waits from a plain
Qt callback (qasync.asyncWrap) while the test task is suspended, so the backend, the poller
and the HTTP client keep running during the wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import qasync
from aiohttp import web
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QPushButton, QWidget

from smartcart_desktop.api.client import ApiClient
from smartcart_desktop.api.models import Session
from smartcart_desktop.app.application import KioskApp
from smartcart_desktop.app.options import LaunchOptions
from smartcart_desktop.checkout.flow import CheckoutFlow
from smartcart_desktop.checkout.state import Stage
from smartcart_desktop.ui.main_window import MainWindow
from tests.fast_timings import FAST_TIMINGS

GOOD_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"
# The operator confirms cash with their PIN; on these kiosks that is the admin PIN.
OPERATOR_PIN: str = FAST_TIMINGS["admin_pin"]


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, Any]:
    return {"qasync": lambda: qasync.QEventLoop(QApplication.instance() or QApplication([]))}


# The window polls every 50 ms here: a 0.1 s retry delay leaves it time to show the retry.
FAST_SETTINGS: dict[str, Any] = {**FAST_TIMINGS, "retry_delay_s": 0.1}
FAST_OPTIONS = LaunchOptions(tester=True, poll_interval_s=0.05, health_interval_s=0.1)


class Waits:
    """qtbot's waits, usable from a test coroutine (see the module docstring)."""

    def __init__(self, qtbot: Any) -> None:
        self.qtbot = qtbot

    async def until(self, predicate: Callable[[], bool], timeout: int = 5000) -> None:
        await qasync.asyncWrap(lambda: self.qtbot.waitUntil(lambda: bool(predicate()), timeout=timeout))

    async def signal(self, signal: Any, action: Callable[[], object], *, timeout: int = 5000,
                     check: Callable[..., bool] | None = None) -> list[Any]:
        blocker = self.qtbot.waitSignal(signal, timeout=timeout, check_params_cb=check)
        action()
        await qasync.asyncWrap(blocker.wait)
        return list(blocker.args or [])


@dataclass
class Kiosk:
    """One running kiosk: the window, its services and the embedded backend."""

    app: KioskApp
    waits: Waits
    qtbot: Any
    admin: ApiClient

    @property
    def window(self) -> MainWindow:
        assert self.app.window is not None
        return self.app.window

    @property
    def flow(self) -> CheckoutFlow:
        assert self.app.services is not None
        return self.app.services.flow

    @property
    def api(self) -> ApiClient:
        assert self.app.services is not None
        return self.app.services.api

    @property
    def backend_app(self) -> web.Application:
        assert self.app.backend is not None
        return self.app.backend.app

    @property
    def session(self) -> Session:
        """The followed session as the window last had it (attempts and such: not on the receipt)."""
        session = self.flow.state.session
        assert session is not None
        return session

    @property
    def session_id(self) -> str:
        session_id = self.flow.state.session_id
        assert session_id is not None
        return session_id

    async def fault(self, mode: str, **extra: Any) -> None:
        await self.api.set_faults(mode, **extra)

    async def stage(self, *stages: Stage, timeout: int = 5000) -> None:
        await self.waits.until(lambda: self.flow.state.stage in stages, timeout)

    async def dialog(self, name: str, timeout: int = 5000) -> QDialog:
        await self.waits.until(lambda: visible_dialog(self.window, name) is not None, timeout)
        found = visible_dialog(self.window, name)
        assert found is not None
        return found

    def click(self, button: QPushButton) -> None:
        assert button.isVisible() and button.isEnabled(), button.objectName()
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    def answer(self, dialog: QDialog, button_name: str) -> None:
        button = dialog.findChild(QPushButton, button_name)
        assert button is not None, button_name
        self.click(button)

    async def fill_cart(self, *items: tuple[str, int]) -> None:
        cart_screen = self.window.cart_screen
        await self.waits.until(lambda: bool(self.app.services and self.app.services.cart.products))
        for product_id, quantity in items or (("masala-chai", 2),):
            for _ in range(quantity):
                self.click(cart_screen.tile(product_id).plus)

    async def checkout(self, *items: tuple[str, int]) -> None:
        await self.fill_cart(*items)
        self.click(self.window.cart_screen.checkout_button)
        await self.stage(Stage.DETAILS)

    def choose(self, method: str) -> None:
        """Tap a payment method on the form (the backend's name: upi_qr, card_present, cash,
        card, upi)."""
        button = self.window.payment_screen.method_buttons[method]
        if not button.isChecked():
            self.click(button)

    async def type_card(self, number: str = GOOD_CARD, *, holder: str = "Asha Rao",
                        expiry: str = "12/39", cvv: str = "123") -> None:
        screen = self.window.payment_screen
        self.choose("card")  # typed card: tester mode only
        for field_, text in ((screen.number, number), (screen.holder, holder),
                             (screen.expiry, expiry), (screen.cvv, cvv)):
            field_.edit.clear()
            self.qtbot.keyClicks(field_.edit, text)
        await self.waits.until(screen.pay_button.isEnabled)

    async def pay_by_card(self, number: str = GOOD_CARD) -> None:
        """Enter pays (the issue's keyboard rule), from the CVV field."""
        await self.type_card(number)
        await self.waits.signal(
            self.flow.state_changed,
            lambda: self.qtbot.keyClick(self.window.payment_screen.cvv.edit, Qt.Key.Key_Return),
            check=lambda state: state.stage is not Stage.DETAILS,
        )

    def tap_keys(self, keys: str) -> None:
        """Tap the cash panel's on-screen keypad, key by key."""
        keypad = self.window.payment_screen.cash.keypad
        for key in keys:
            self.click(keypad.keys[key])

    def enter_cash(self, received: str, pin: str = OPERATOR_PIN) -> None:
        """The operator taps their PIN and the amount received on the keypad."""
        self.choose("cash")
        cash = self.window.payment_screen.cash
        self.qtbot.mouseClick(cash.pin, Qt.MouseButton.LeftButton)
        self.tap_keys(pin)
        self.qtbot.mouseClick(cash.amount, Qt.MouseButton.LeftButton)
        self.tap_keys(received)

    async def receipt(self, timeout: int = 8000) -> dict[str, str]:
        await self.waits.until(lambda: self.flow.state.receipt is not None, timeout)
        return receipt_texts(self.window)


def visible_dialog(window: QWidget, name: str) -> QDialog | None:
    for dialog in window.findChildren(QDialog, name):
        if dialog.isVisible():
            return dialog
    return None


def dialog_text(dialog: QDialog, name: str = "message") -> str:
    from PySide6.QtWidgets import QLabel

    label = dialog.findChild(QLabel, name)
    assert label is not None
    return label.text()


def receipt_texts(window: MainWindow) -> dict[str, str]:
    from PySide6.QtWidgets import QLabel

    return {
        label.objectName().removeprefix("receipt-"): label.text()
        for label in window.result_screen.receipt.findChildren(QLabel)
        if label.objectName().startswith("receipt-")
    }


StartKiosk = Callable[..., contextlib.AbstractAsyncContextManager[Kiosk]]


@pytest.fixture
def start_kiosk(qtbot: Any, tmp_path: Path) -> StartKiosk:
    """Run the real app (embedded backend, window, services) with shrunk timings.

    A context manager inside the test, not a fixture with a teardown: pytest-asyncio runs
    setup, test and teardown as separate loop runs, and between runs Qt (pytest-qt's
    processEvents, qasync's last pass) would step the app's tasks with no running loop.
    Starting and stopping within the test's own run leaves nothing of the app between runs.
    """
    # Earlier tests leave Qt objects in reference cycles (qtbot's wait loops and timers, the
    # socket notifiers of a closed loop). Collected here, on the main thread: left to a GC pass
    # that happens to run on a worker thread (the database threads, the executor's), a QTimer's
    # destructor warns "Timers cannot be stopped from another thread".
    gc.collect()

    @contextlib.asynccontextmanager
    async def start(options: LaunchOptions = FAST_OPTIONS, data_dir: Path | None = None,
                    **overrides: Any) -> AsyncIterator[Kiosk]:
        settings = {**FAST_SETTINGS, "data_dir": data_dir or tmp_path, **overrides}
        app = await KioskApp.start(options, **settings)
        assert app.window is not None and app.services is not None
        admin = ApiClient(app.services.link.url, app.services.link.admin_token or "")
        try:
            yield Kiosk(app=app, waits=Waits(qtbot), qtbot=qtbot, admin=admin)
        finally:
            await admin.close()
            await app.shutdown()
        assert_no_stray_tasks()

    return start


@pytest.fixture
def waits(qtbot: Any) -> Waits:
    return Waits(qtbot)


def assert_no_stray_tasks() -> None:
    """After shutdown nothing of the app may still run (it would be 'destroyed but pending')."""
    current = asyncio.current_task()
    stray = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    assert not stray, f"tasks still running after shutdown: {[t.get_name() for t in stray]}"


_OFFSCREEN_SIZE_HINTS = r"^This plugin does not support (propagateSizeHints|raise)\(\)$"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The offscreen platform cannot resize windows to their layouts' hints and says so at
    # WARNING level whenever a dialog or the window has a minimum size, nor raise a window (the
    # tester panel floats on its 800 px screen); that is the test platform's limitation, not
    # the app's (under xcb it does not occur).
    desktop = Path(__file__).parent
    for item in items:
        if desktop in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.qt_log_ignore(_OFFSCREEN_SIZE_HINTS))
