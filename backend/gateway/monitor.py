"""Whether the gateway answers: learnt from every real exchange (GatewayClient) and from a
light probe that backs off while the gateway stays away, so a kiosk notices it is back
without waiting for a customer to try."""

from __future__ import annotations

from backend.gateway.client import GatewayClient
from backend.payments.pass_loop import PassLoop


class GatewayMonitor:
    def __init__(
        self, gateway: GatewayClient, *, period_s: float, min_backoff_s: float, max_backoff_s: float
    ) -> None:
        self._gateway = gateway
        self._loop = PassLoop(idle_s=period_s, min_backoff_s=min_backoff_s, max_backoff_s=max_backoff_s)

    @property
    def reachable(self) -> bool | None:
        return self._gateway.reachable

    def poke(self) -> None:
        self._loop.poke()

    async def run(self) -> None:
        async def probe() -> bool:
            return not await self._gateway.ping()  # away: probe again with back-off

        await self._loop.run(probe)
