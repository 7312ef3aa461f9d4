"""What the form asks the backend to take: typed card or UPI details, a UPI QR, the card terminal.

They are held only for the one request that carries them; repr() never shows the number or
the CVV, so a stray log line or traceback cannot leak them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True, repr=False)
class CardDetails:
    number: str
    holder: str
    expiry: str
    cvv: str

    def wire(self) -> dict[str, Any]:
        return {
            "method": "card",
            "card": {"number": self.number, "holder": self.holder, "expiry": self.expiry, "cvv": self.cvv},
        }

    def __repr__(self) -> str:
        return f"CardDetails(last4={self.number[-4:]!r})"


@dataclass(frozen=True, slots=True)
class UpiDetails:
    upi_id: str

    def wire(self) -> dict[str, Any]:
        return {"method": "upi", "upiId": self.upi_id}


@dataclass(frozen=True, slots=True)
class UpiQrRequest:
    """Show a dynamic UPI QR for the exact amount; the customer scans it with their phone."""

    def wire(self) -> dict[str, Any]:
        return {"method": "upi_qr"}


@dataclass(frozen=True, slots=True)
class TerminalRequest:
    """Take the card on the kiosk's terminal: no card data ever reaches the kiosk."""

    def wire(self) -> dict[str, Any]:
        return {"method": "card_present"}


PaymentDetails = CardDetails | UpiDetails | UpiQrRequest | TerminalRequest
