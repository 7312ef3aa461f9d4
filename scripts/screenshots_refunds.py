"""Screenshots of refunds and the shift's Z report for docs/, from the real window under Xvfb:

    Xvfb :13 -screen 0 800x600x24 & DISPLAY=:13 openbox &
    DISPLAY=:13 QT_QPA_PLATFORM=xcb .venv/bin/python scripts/screenshots_refunds.py

Opens a shift, takes a cash, a card and a UPI payment, opens the refund dialog on the card
payment with a partial amount filled in (docs/admin-refund.png: the whole screen, the dialog over
the panel), refunds it, refunds ₹30 of the cash payment from the drawer, closes the shift with a
count one coin short (docs/admin-shift.png), and renders the Z report's PDF page to
docs/z-report.png with pdftoppm (poppler-utils).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import screenshots
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from screenshots import ROOT, Shots, run, save_window, settle, until
from screenshots_admin import card, new_session, unlock, wait_status

sys.path.insert(0, str(ROOT))

from smartcart_desktop.admin.admin_window import AdminWindow
from smartcart_desktop.api.payment_details import UpiDetails
from smartcart_desktop.app.application import KioskApp
from smartcart_desktop.app.options import LaunchOptions

DOCS = ROOT / "docs"
PIN = "2468"


async def shoot() -> None:
    with tempfile.TemporaryDirectory(prefix="smartcart-refund-shots-") as data_dir:
        kiosk = await KioskApp.start(
            LaunchOptions(tester=True, poll_interval_s=2.0, health_interval_s=1.0),
            data_dir=Path(data_dir), admin_pin=PIN, gateway_delay_s=0.05,
        )
        try:
            await drive(kiosk, Path(data_dir))
        finally:
            await kiosk.shutdown()


async def refund(panel: AdminWindow, session_id: str, amount: str, reason: str, *, shot: bool = False) -> None:
    """Through the refund dialog, as an operator would."""
    panel.open_session(session_id)
    await until(lambda: panel.history.history is not None and panel.history.refund_button.isVisible()
                and panel.history.history.session.session_id == session_id)
    panel.history.refund_button.click()
    await until(lambda: panel.refund_dialog is not None and panel.refund_dialog.isVisible())
    dialog = panel.refund_dialog
    assert dialog is not None
    dialog.amount.setText(amount)
    QTest.keyClicks(dialog.reason, reason)
    if shot:
        await settle(0.8)
        screen = QApplication.primaryScreen()
        path = screenshots.SHOTS.path("admin-refund")
        screen.grabWindow(0).save(str(path))
        print(f"{path.relative_to(ROOT)} (the whole {screen.size().width()}×{screen.size().height()} screen)")
    dialog.refund_button.click()
    await until(lambda: panel.refund_dialog is None)


async def drive(kiosk: KioskApp, scratch: Path) -> None:
    assert kiosk.window is not None and kiosk.services is not None
    api = kiosk.services.api
    screen = QApplication.primaryScreen().availableGeometry()
    panel = await unlock(kiosk)
    panel.resize(min(1200, screen.width()), min(780, screen.height()))
    panel.move(0, 0)
    view = panel.shift
    panel.tabs.setCurrentWidget(panel.shift_page)
    await until(view.open_box.isVisible)
    QTest.keyClicks(view.float_edit, "2000")
    view.open_button.click()
    await until(view.close_box.isVisible)

    cash = await new_session(api, {"masala-chai": 2, "samosa-2": 1})
    await api.complete_cash(cash, 20000)
    paid = await new_session(api, {"paneer-roll": 2, "mango-lassi": 1})
    await api.pay(paid, card())
    upi = await new_session(api, {"filter-coffee": 2})
    await api.pay(upi, UpiDetails("asha@okbank"))
    for session_id in (paid, upi):
        await wait_status(api, session_id, "COMPLETED")

    await refund(panel, paid, "149.00", "paneer roll not dispensed (slot 4 jammed)", shot=True)
    await refund(panel, cash, "30", "samosa was cold")  # out of the drawer

    panel.tabs.setCurrentWidget(panel.shift_page)
    await until(view.close_box.isVisible)
    QTest.keyClicks(view.counted_edit, "2100")
    QTest.keyClicks(view.note_edit, "one 10-rupee coin short")
    view.close_button.click()
    await until(lambda: view.shift is not None and view.shift.status == "closed")
    await settle()
    save_window(panel, "admin-shift")

    pdf = scratch / "z.pdf"

    async def choose(_name: str, _fmt: str) -> Path:
        return pdf

    panel.choose_report_path = choose
    view.save_pdf_button.click()
    await until(pdf.exists)
    target = DOCS / "z-report"
    subprocess.run(["pdftoppm", "-png", "-r", "110", "-singlefile", str(pdf), str(target)], check=True)
    print(f"{target.relative_to(ROOT)}.png (page 1 of the Z report's PDF)")


if __name__ == "__main__":
    screenshots.SHOTS = Shots(sys.argv[1:])
    sys.exit(run(shoot))
