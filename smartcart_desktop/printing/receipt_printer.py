"""Printing a receipt off the event loop: the printer is opened, written and closed on a worker
thread (a network printer may take seconds to answer, or never), one receipt at a time."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from smartcart_desktop.api.models import ReceiptDocument
from smartcart_desktop.printing.escpos_receipt import write_receipt
from smartcart_desktop.printing.printer_target import PrinterTarget

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10.0


class PrintFailed(Exception):
    """The receipt did not print; the message is fit for the operator."""


class ReceiptPrinter:
    def __init__(self, target: PrinterTarget) -> None:
        self.target = target
        self._lock = asyncio.Lock()  # two taps on Print: two receipts, one after the other

    async def print(self, receipt: ReceiptDocument) -> None:
        async with self._lock:
            await asyncio.to_thread(self._print, receipt)
        log.info("receipt %s printed on %s", receipt.invoice_number or f"order {receipt.order_id}", self.target)

    def _print(self, receipt: ReceiptDocument) -> None:
        try:
            printer = open_printer(self.target)
            try:
                write_receipt(printer, receipt)
            finally:
                printer.close()
        except Exception as exc:  # escpos raises its own errors, OSError, usb.core errors…
            log.warning("receipt printer %s failed: %s", self.target, exc)
            raise PrintFailed(f"The receipt printer did not print ({type(exc).__name__}).") from exc


def open_printer(target: PrinterTarget) -> Any:
    """An open python-escpos printer for the target (imported here: only a printing kiosk needs it)."""
    from escpos import printer  # type: ignore[import-untyped]

    if target.kind == "network":
        device = printer.Network(target.host, port=target.port, timeout=CONNECT_TIMEOUT_S)
    elif target.kind == "usb":
        device = printer.Usb(target.vendor, target.product)
    else:
        device = printer.File(target.path)
    device.open()
    return device
