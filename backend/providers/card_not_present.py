"""Card not present: the customer's card or UPI id typed at the kiosk, charged in one call."""

from __future__ import annotations

from typing import Protocol

from backend.gateway.client import Charge, PaymentSource


class CardNotPresent(Protocol):
    async def charge(self, *, key: str, amount_minor: int, currency: str, source: PaymentSource) -> Charge: ...

    async def lookup(self, *, key: str) -> Charge | None: ...

    async def void(self, *, key: str) -> Charge: ...
