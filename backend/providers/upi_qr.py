"""UPI dynamic QR: a QR for an exact amount that the customer's UPI app pays; the outcome is looked up."""

from __future__ import annotations

from typing import Protocol

from backend.gateway.client import Charge
from backend.providers.waiting import WaitingPayment


class UpiQr(Protocol):
    async def create(
        self, *, key: str, amount_minor: int, currency: str, reference: str, close_by_ms: int
    ) -> WaitingPayment:
        """The QR under `key`; the same one again for a repeated key."""
        ...

    async def lookup(self, *, key: str) -> WaitingPayment | None: ...

    async def close(self, *, key: str) -> WaitingPayment:
        """No payment is accepted after this; one may still land meanwhile: look up afterwards."""
        ...

    async def refund(self, *, key: str) -> Charge:
        """Give back the payment under `key`; repeating it refunds nothing more."""
        ...
