"""Whether the gateway answers: learnt from every real exchange (GatewayClient) and from a
light probe that backs off while the gateway stays away, so a kiosk notices it is back
without waiting for a customer to try."""

from __future__ import annotations

import asyncio
import contextlib

from backend.gateway.client import GatewayClient


class GatewayMonitor:
    def __init__(
        self, gateway: GatewayClient, *, period_s: float, min_backoff_s: float, max_backoff_s: float
    ) -> None:
        self._gateway = gateway
        self._period = period_s
        self._min = min_backoff_s
        self._max = max(max_backoff_s, min_backoff_s)
        self._poked = asyncio.Event()

    @property
    def reachable(self) -> bool | None:
        return self._gateway.reachable

    def poke(self) -> None:
        self._poked.set()

    async def run(self) -> None:
        backoff = self._min
        while True:
            self._poked.clear()
            if await self._gateway.ping():
                delay, backoff = self._period, self._min
            else:
                delay, backoff = backoff, min(backoff * 2, self._max)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poked.wait(), delay)
