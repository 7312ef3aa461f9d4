"""Screenshots of the admin panel for docs/, taken from the real window under Xvfb:

    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python scripts/screenshots_admin.py
    ... -s "-screen 0 800x600x24" ... scripts/screenshots_admin.py --size 800x600   (files *-800x600.png)

Starts the kiosk with its embedded backend in tester mode (a throw-away data directory), makes
a morning's worth of payments through the kiosk's API (paid, declined, cancelled, one that timed
out and was resumed, some still open, one at a second kiosk), unlocks the panel with the PIN
dialog as an operator would, and saves docs/admin-panel.png, docs/session-history.png,
docs/admin-history-search.png (the history list searched by a card's last 4 and a status),
docs/admin-history-kiosk.png (one kiosk's payments), docs/admin-offline.png,
docs/admin-exports.png and docs/admin-shift-tab.png (a shift just opened).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

import screenshots
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QPushButton
from screenshots import (  # scripts/ is this script's own directory
    ROOT,
    Shots,
    run,
    save_window,
    settle,
    until,
)

sys.path.insert(0, str(ROOT))

from backend.app_keys import DATABASE
from backend.kiosks import repo, tokens
from smartcart_desktop.admin.admin_window import AdminWindow
from smartcart_desktop.admin.export_request import ExportRequest
from smartcart_desktop.api.client import ApiClient
from smartcart_desktop.api.payment_details import CardDetails, UpiDetails
from smartcart_desktop.app.application import KioskApp
from smartcart_desktop.app.options import LaunchOptions

DOCS = ROOT / "docs"
SIZE = (1200, 780)
PIN = "2468"
GOOD_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"


def card(number: str = GOOD_CARD) -> CardDetails:
    return CardDetails(number=number, holder="Asha Rao", expiry="12/39", cvv="123")


async def status_of(api: ApiClient, session_id: str) -> str:
    return (await api.session(session_id)).status.value


async def wait_status(api: ApiClient, session_id: str, *statuses: str, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while (current := await status_of(api, session_id)) not in statuses:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{session_id} stayed {current}")
        await asyncio.sleep(0.1)


async def new_session(api: ApiClient, items: dict[str, int]) -> str:
    order = await api.create_order(items)
    return (await api.create_session(order.order_id)).session_id


async def make_morning(api: ApiClient) -> str:
    """Payments of all kinds; returns the id of the one worth a history screenshot."""
    for items, details in (
        ({"masala-chai": 2, "samosa-2": 1}, card()),
        ({"paneer-roll": 1, "mango-lassi": 1}, UpiDetails("asha@okbank")),
        ({"filter-coffee": 2}, card()),
        ({"veg-sandwich": 1, "water-1l": 1}, card()),
    ):
        session_id = await new_session(api, items)
        await api.pay(session_id, details)
        await wait_status(api, session_id, "COMPLETED")

    declined = await new_session(api, {"gulab-jamun": 2})
    await api.pay(declined, card(DECLINED_CARD))
    await wait_status(api, declined, "DECLINED")

    cancelled = await new_session(api, {"water-1l": 3})
    await api.cancel(cancelled, "customer changed their mind")

    # A timeout, then the customer resumes and it goes through: the history worth showing.
    await api.set_faults("timeout")
    resumed = await new_session(api, {"veg-sandwich": 2, "masala-chai": 1})
    await api.pay(resumed, card())
    await wait_status(api, resumed, "INTERRUPTED")
    await api.set_faults("none")
    await api.resume(resumed)
    await wait_status(api, resumed, "COMPLETED")

    # Still open when the admin looks: one timed out, one lost its network, two not paid yet.
    await api.set_faults("timeout")
    stuck = await new_session(api, {"mango-lassi": 2})
    await api.pay(stuck, card())
    await wait_status(api, stuck, "INTERRUPTED")
    await api.set_faults("offline")
    waiting = await new_session(api, {"filter-coffee": 1, "samosa-2": 1})
    await api.pay(waiting, UpiDetails("ravi@okaxis"))
    await wait_status(api, waiting, "INTERRUPTED")
    await api.set_faults("none")
    await new_session(api, {"paneer-roll": 2})
    await new_session(api, {"masala-chai": 1})
    return resumed


async def second_kiosk_pays(kiosk: KioskApp) -> None:
    """A payment at another till of the shop: a kiosk registered as `python -m backend kiosk add` does."""
    assert kiosk.backend is not None and kiosk.services is not None
    token = tokens.new_token()
    await kiosk.backend.app[DATABASE].write(
        lambda conn: repo.add(conn, "till-2", tokens.token_hash(token), now_ms=int(time.time() * 1000)))
    other = ApiClient(kiosk.services.link.url, token)
    try:
        session_id = await new_session(other, {"masala-chai": 3})
        await other.pay(session_id, card())
        await wait_status(other, session_id, "COMPLETED")
    finally:
        await other.close()


async def unlock(kiosk: KioskApp) -> AdminWindow:
    assert kiosk.window is not None
    entry = kiosk.window.admin
    entry.action.trigger()
    await until(lambda: any(d.isVisible() for d in kiosk.window.findChildren(QDialog, "adminPinDialog")))
    dialog = next(d for d in kiosk.window.findChildren(QDialog, "adminPinDialog") if d.isVisible())
    edit = dialog.findChild(QLineEdit, "pinEdit")
    button = dialog.findChild(QPushButton, "unlockButton")
    assert edit is not None and button is not None
    QTest.keyClicks(edit, PIN)
    button.click()
    await until(lambda: entry.window is not None and entry.window.isVisible())
    assert entry.window is not None
    return entry.window


async def shoot() -> None:
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="smartcart-admin-shots-") as data_dir:
        kiosk = await KioskApp.start(
            LaunchOptions(tester=True, poll_interval_s=2.0, health_interval_s=1.0),
            data_dir=Path(data_dir),
            admin_pin=PIN,
            gateway_timeout_s=1.5,
            retry_delay_s=900,  # the network error stays open for the screenshot
            gateway_delay_s=0.05,
        )
        try:
            await drive(kiosk, Path(data_dir))
        finally:
            await kiosk.shutdown()


def fitted() -> tuple[int, int]:
    """The panel's size: SIZE, or the whole screen when the screen is smaller."""
    screen = QApplication.primaryScreen().availableGeometry()
    return min(SIZE[0], screen.width()), min(SIZE[1], screen.height())


async def drive(kiosk: KioskApp, scratch: Path) -> None:
    assert kiosk.window is not None and kiosk.services is not None
    window, api = kiosk.window, kiosk.services.api
    size = fitted()
    window.resize(*size)
    window.move(0, 0)
    resumed = await make_morning(api)
    await second_kiosk_pays(kiosk)

    panel = await unlock(kiosk)
    panel.resize(*size)
    panel.move(0, 0)
    await until(lambda: panel.active.model.rowCount() == 4 and panel.today.glance is not None)
    await until(lambda: panel.today.glance is not None and panel.today.glance.outcomes["Completed"] == 6)
    await settle(2.5)  # a refresh or two: the ages move on
    save_window(panel, "admin-panel")

    panel.open_session(resumed)
    await until(lambda: panel.history.history is not None and panel.history.history.session.status.terminal)
    await settle()
    save_window(panel, "session-history")

    # The history list: a card's last 4 typed as read off the slip, the completed ones picked.
    listing = panel.history_list
    panel.tabs.setCurrentWidget(panel.history_list_page)
    listing.status.setCurrentIndex(listing.status.findData("COMPLETED"))
    listing.text.setText("4242")
    listing.search()
    await until(lambda: resumed in listing.shown_ids() and len(listing.shown_ids()) == 5)
    listing.table.selectRow(listing.row_of(resumed) or 0)
    listing.table.setFocus()
    await settle()
    save_window(panel, "admin-history-search")

    # One kiosk's payments: the other till's, picked from the kiosks the panel has seen.
    listing.status.setCurrentIndex(0)
    listing.text.clear()
    other = next(k for k in listing.kiosk.kiosks() if k != "default")
    listing.kiosk.choose(other)
    await until(lambda: len(listing.shown_ids()) == 1 and listing.caption.text().endswith("1 shown"))
    await settle()
    save_window(panel, "admin-history-kiosk")
    listing.kiosk.choose(None)

    panel.tabs.setCurrentWidget(panel.offline_page)
    await settle()
    save_window(panel, "admin-offline")

    target = scratch / "smartcart-sessions.csv"

    async def choose(_request: ExportRequest) -> Path:
        return target

    panel.choose_export_path = choose
    panel.tabs.setCurrentWidget(panel.exports_page)
    panel.exports.export_button.click()
    await until(lambda: target.exists() and panel.exports.export_button.isEnabled())
    panel.exports.message.setText(panel.exports.message.text().replace(str(scratch), "~/Documents"))
    await settle()
    save_window(panel, "admin-exports")

    panel.tabs.setCurrentWidget(panel.shift_page)
    await until(panel.shift.open_box.isVisible)
    QTest.keyClicks(panel.shift.float_edit, "2000")
    panel.shift.open_button.click()
    await until(panel.shift.close_box.isVisible)
    await settle()
    save_window(panel, "admin-shift-tab")


if __name__ == "__main__":
    screenshots.SHOTS = Shots(sys.argv[1:])
    sys.exit(run(shoot))
