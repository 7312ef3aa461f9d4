"""What the kiosk was started with: the command line, resolved once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from smartcart_desktop.printing.printer_target import PrinterTarget


@dataclass(frozen=True, slots=True)
class LaunchOptions:
    kiosk: bool = False
    tester: bool = False
    backend_url: str | None = None
    database_url: str | None = None
    # The processing countdown until the backend has answered `GET /api/config` (the window
    # asks before its first payment and uses the backend's own value from then on).
    gateway_timeout_s: float = 30.0
    poll_interval_s: float = 2.0
    # A customer's cancel waits this long for the gateway to confirm, then returns to the cart.
    cancel_answer_s: float = 5.0
    # The status bar's health check: this often while something is away or waiting (or in
    # tester mode), the second while all is well.
    health_interval_s: float = 2.0
    # The receipt: the kiosk's printer (none: no Print button), whether each receipt prints by
    # itself, and how long it stays on screen before the window goes back to the cart.
    receipt_printer: PrinterTarget | None = None
    receipt_auto_print: bool = False
    receipt_return_s: float = 20.0
    health_settled_interval_s: float = 60.0
