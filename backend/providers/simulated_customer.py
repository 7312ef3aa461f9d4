"""Tester mode's simulated customer: acts on the QR or terminal payment a session waits on,
through the simulator's own control route (`POST /v1/_sim/customer/{key}`)."""

from __future__ import annotations

import aiohttp

from backend.errors import Conflict, DomainError


class SimulatorUnavailable(DomainError):
    http_status = 502
    code = "simulator_unavailable"


class SimulatedCustomer:
    def __init__(self, simulator_url: str, *, http: aiohttp.ClientSession, timeout_s: float = 10.0) -> None:
        self._base = simulator_url.rstrip("/")
        self._http = http
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def act(self, key: str, action: str) -> None:
        try:
            async with self._http.post(
                f"{self._base}/v1/_sim/customer/{key}", json={"action": action}, timeout=self._timeout
            ) as reply:
                body = await reply.json(content_type=None)
                status = reply.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise SimulatorUnavailable(f"the simulator did not take the customer's action ({type(exc).__name__})") from None
        if status in (404, 409):
            message = body.get("message", "") if isinstance(body, dict) else ""
            raise Conflict(f"The provider has no payment waiting for the customer: {message}".strip(), code="not_waiting")
        if status != 200:
            raise SimulatorUnavailable(f"the simulator answered {status}")
