"""UPI dynamic QR: a QR for an exact amount that the customer's UPI app pays; the outcome is looked up."""

from __future__ import annotations

from typing import Protocol

from backend.gateway.client import Charge, Refund
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

    async def refund_part(self, *, key: str, charge_key: str, charge_id: str | None, amount_minor: int) -> Refund:
        """Give back `amount_minor` of the payment made under `charge_key`, which the provider
        calls `charge_id` (an admin's refund); `key` makes it happen once. A definite no raises
        GatewayRefused."""
        ...
