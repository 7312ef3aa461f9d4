"""Screenshots of the tester panel and of a receipt for a payment accepted offline, under Xvfb:

    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python scripts/screenshots_tester.py

Starts the kiosk with its embedded backend in tester mode with offline acceptance on (a
throw-away data directory). Faults are switched by clicking the tester panel, as a tester
would: a slow payment, a payment accepted offline (docs/offline-receipt.png), then a payment
hanging on a timeout with the panel and its log beside it (docs/tester-panel.png).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QScrollArea
from screenshots import (  # scripts/ is this script's own directory
    ROOT,
    run,
    save_window,
    settle,
    type_test_card,
    until,
)

sys.path.insert(0, str(ROOT))

from smartcart_desktop.app.application import KioskApp
from smartcart_desktop.app.options import LaunchOptions
from smartcart_desktop.app.services import Services
from smartcart_desktop.checkout.state import Stage
from smartcart_desktop.ui.main_window import MainWindow

SIZE = (1260, 770)


async def shoot() -> None:
    with tempfile.TemporaryDirectory(prefix="smartcart-tester-shots-") as data_dir:
        kiosk = await KioskApp.start(
            LaunchOptions(tester=True, poll_interval_s=0.2, health_interval_s=0.3),
            data_dir=Path(data_dir),
            gateway_timeout_s=8,
            retry_delay_s=30,
            gateway_delay_s=0.2,
            offline_enabled=True,
        )
        try:
            await drive(kiosk)
        finally:
            await kiosk.shutdown()


async def switch(window: MainWindow, services: Services, mode: str) -> None:
    dock = window.tester_dock
    assert dock is not None
    button = dock.mode_buttons[mode]
    await until(button.isEnabled)
    button.click()
    await until(lambda: services.health.view.fault_mode == mode)


async def pay(window: MainWindow, services: Services, products: dict[str, int]) -> None:
    flow = services.flow
    services.cart.clear()
    for product, quantity in products.items():
        services.cart.set_quantity(product, quantity)
    window.cart_screen.checkout_button.click()
    await until(lambda: flow.state.stage is Stage.DETAILS)
    form = window.payment_screen
    await type_test_card(form)
    form.pay_button.click()


async def drive(kiosk: KioskApp) -> None:
    assert kiosk.window is not None and kiosk.services is not None
    window, services = kiosk.window, kiosk.services
    flow = services.flow
    dock = window.tester_dock
    assert dock is not None
    window.resize(*SIZE)
    window.move(10, 10)
    await until(lambda: services.cart.products)

    # A slow gateway: the payment goes through, later.
    dock.latency.setValue(900)
    await switch(window, services, "latency")
    await pay(window, services, {"paneer-roll": 1, "filter-coffee": 2})
    await until(lambda: flow.state.receipt is not None)
    window.result_screen.new_order_button.click()

    # The gateway is unreachable: accepted offline, receipt marked, sent later.
    await switch(window, services, "offline")
    await pay(window, services, {"masala-chai": 2, "samosa-2": 1})
    await until(lambda: flow.state.receipt is not None and flow.state.receipt.offline)
    await until(lambda: window.status.pending.text() == "1 waiting to send")
    dock.hide()  # the customer's view
    await settle(0.8)
    save_window(window, "offline-receipt")
    dock.show()
    window.result_screen.new_order_button.click()

    # The gateway never answers: the countdown runs while the panel logs what it hit.
    await switch(window, services, "timeout")
    await pay(window, services, {"veg-sandwich": 1})
    await until(lambda: flow.state.stage is Stage.PROCESSING)
    session_id = flow.state.session_id
    await until(lambda: session_id in dock.logged_sessions())
    await settle(1.5)
    save_window(window, "tester-panel")

    # The simulated customer of a UPI QR payment (issue 13): the panel's Customer buttons.
    await switch(window, services, "none")
    flow.cancel()
    await until(lambda: flow.state.stage is Stage.CART, timeout_s=30)
    services.cart.clear()
    services.cart.set_quantity("masala-chai", 2)
    window.cart_screen.checkout_button.click()
    await until(lambda: flow.state.stage is Stage.DETAILS)
    window.payment_screen.method_buttons["upi_qr"].click()
    window.payment_screen.pay_button.click()
    await until(lambda: flow.state.stage is Stage.SCAN_QR)
    await until(lambda: dock.customer_buttons["pay"].isEnabled())
    panel = dock.widget()
    if isinstance(panel, QScrollArea):
        panel.ensureWidgetVisible(dock.customer_buttons["pay_after_close"])
    await settle(1.0)
    save_window(window, "tester-customer")


if __name__ == "__main__":
    sys.exit(run(shoot))
