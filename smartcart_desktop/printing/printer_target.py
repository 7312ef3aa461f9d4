"""Which receipt printer the kiosk has, as one setting: `network:HOST[:PORT]`,
`usb:VENDOR:PRODUCT` (hex ids, as lsusb shows them) or `file:PATH` (a device node such as
/dev/usb/lp0, or a plain file)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

NETWORK_PORT = 9100  # the raw printing port of network receipt printers


class BadPrinterTarget(ValueError):
    """The setting names no printer this kiosk can open; the message says how to write one."""


@dataclass(frozen=True, slots=True)
class PrinterTarget:
    kind: Literal["network", "usb", "file"]
    host: str = ""
    port: int = NETWORK_PORT
    vendor: int = 0
    product: int = 0
    path: str = ""

    @classmethod
    def parse(cls, spec: str) -> PrinterTarget:
        kind, _, rest = spec.strip().partition(":")
        if kind == "file" and rest:
            return cls("file", path=rest)
        if kind == "network" and rest:
            host, _, port = rest.partition(":")
            if host and (not port or (port.isdigit() and 0 < int(port) < 65536)):
                return cls("network", host=host, port=int(port or NETWORK_PORT))
        if kind == "usb":
            vendor, _, product = rest.partition(":")
            try:
                return cls("usb", vendor=int(vendor, 16), product=int(product, 16))
            except ValueError:
                pass
        raise BadPrinterTarget(
            f"{spec!r} names no printer: write network:HOST[:PORT], usb:VENDOR:PRODUCT (hex) or file:PATH"
        )

    def __str__(self) -> str:
        if self.kind == "network":
            return f"network:{self.host}:{self.port}"
        if self.kind == "usb":
            return f"usb:{self.vendor:04x}:{self.product:04x}"
        return f"file:{self.path}"
