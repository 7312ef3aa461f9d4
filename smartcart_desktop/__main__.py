"""`smartcart-desktop` / `python -m smartcart_desktop [--kiosk] [--tester] [--backend-url URL]
[--database-url URL]`.

Without --backend-url the backend runs inside this process on 127.0.0.1 with fresh random
tokens. With it, the kiosk token comes from SMARTCART_KIOSK_TOKEN.

Kiosk mode (--kiosk): full screen; customers cannot close the window. The operator quits
with Ctrl+Alt+Shift+Q and the admin PIN.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

import qasync
from PySide6.QtWidgets import QApplication

from smartcart_desktop.app.application import run
from smartcart_desktop.app.backend_link import StartupError
from smartcart_desktop.app.options import LaunchOptions
from smartcart_desktop.printing.printer_target import BadPrinterTarget, PrinterTarget

GATEWAY_TIMEOUT_ENV = "SMARTCART_GATEWAY_TIMEOUT_S"
RECEIPT_PRINTER_ENV = "SMARTCART_RECEIPT_PRINTER"
RECEIPT_AUTO_PRINT_ENV = "SMARTCART_RECEIPT_AUTO_PRINT"
RECEIPT_RETURN_ENV = "SMARTCART_RECEIPT_RETURN_S"


def parse_options(argv: Sequence[str]) -> LaunchOptions:
    parser = argparse.ArgumentParser(
        prog="smartcart-desktop",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--kiosk", action="store_true", help="full screen; only the operator can quit")
    parser.add_argument("--tester", action="store_true", help="enable simulated network faults")
    parser.add_argument("--backend-url", help="use a headless backend instead of the embedded one")
    parser.add_argument("--database-url", help="SQLAlchemy URL for the embedded backend's database")
    parser.add_argument(
        "--gateway-timeout",
        type=float,
        default=float(os.environ.get(GATEWAY_TIMEOUT_ENV, "30")),
        help=f"countdown seconds used only if a remote backend does not answer /api/config "
        f"(default 30, or ${GATEWAY_TIMEOUT_ENV})",
    )
    parser.add_argument("--poll-interval", type=float, default=2.0, help="seconds between status polls")
    parser.add_argument(
        "--receipt-printer",
        type=_printer_target,
        default=os.environ.get(RECEIPT_PRINTER_ENV) or None,
        help=f"network:HOST[:PORT], usb:VENDOR:PRODUCT or file:PATH (default ${RECEIPT_PRINTER_ENV})",
    )
    parser.add_argument(
        "--receipt-auto-print",
        action="store_true",
        default=os.environ.get(RECEIPT_AUTO_PRINT_ENV, "").lower() in ("1", "true", "yes"),
        help=f"print every receipt without a tap (default ${RECEIPT_AUTO_PRINT_ENV})",
    )
    parser.add_argument(
        "--receipt-return",
        type=float,
        default=float(os.environ.get(RECEIPT_RETURN_ENV, "20")),
        help=f"seconds the receipt stays before the cart comes back (default 20, or ${RECEIPT_RETURN_ENV})",
    )
    args = parser.parse_args(argv)
    return LaunchOptions(
        kiosk=args.kiosk,
        tester=args.tester,
        backend_url=args.backend_url,
        database_url=args.database_url,
        gateway_timeout_s=args.gateway_timeout,
        poll_interval_s=args.poll_interval,
        receipt_printer=args.receipt_printer,
        receipt_auto_print=args.receipt_auto_print,
        receipt_return_s=args.receipt_return,
    )


def _printer_target(spec: str) -> PrinterTarget:
    try:
        return PrinterTarget.parse(spec)
    except BadPrinterTarget as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("SmartCart")
    try:
        code: int = qasync.run(run(options))
        return code
    except StartupError as exc:
        print(f"smartcart-desktop: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
