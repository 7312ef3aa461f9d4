"""Card present: a payment started on a terminal, where the customer taps, inserts or swipes.
The card never reaches the kiosk."""

from __future__ import annotations

from typing import Protocol

from backend.gateway.client import Charge
from backend.providers.waiting import WaitingPayment


class CardTerminal(Protocol):
    async def start(self, *, key: str, terminal_id: str, amount_minor: int, currency: str) -> WaitingPayment: ...

    async def lookup(self, *, key: str) -> WaitingPayment | None: ...

    async def cancel(self, *, key: str) -> WaitingPayment:
        """The terminal stops prompting; an approval may race it: look up afterwards."""
        ...

    async def refund(self, *, key: str) -> Charge: ...
