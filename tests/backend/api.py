"""The kiosk API as a test drives it: authorised JSON requests and waiting for a status."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import aiohttp

KIOSK_TOKEN = "kiosk-test-token"
ADMIN_TOKEN = "admin-test-token"
GOOD_CARD = {"number": "4242424242424242", "holder": "Asha Rao", "expiry": "12/39", "cvv": "123"}
DECLINED_CARD = {**GOOD_CARD, "number": "4000000000000002"}
OPERATOR_PIN = "2468"  # FAST_TIMINGS' admin PIN
# Cash confirmed by the operator, with more than enough handed over.
CASH = {"method": "cash", "amountReceivedMinor": 10**9, "operatorPin": OPERATOR_PIN}
TERMINAL = {"COMPLETED", "DECLINED", "CANCELLED", "FAILED_MAX_RETRIES", "EXPIRED"}


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    content_type: str


class Api:
    def __init__(self, http: aiohttp.ClientSession, base_url: str, token: str = KIOSK_TOKEN) -> None:
        self.http = http
        self.base = base_url.rstrip("/")
        self.token = token

    async def call(self, method: str, path: str, json: Any = None, *, token: str | None = None,
                   raw: bytes | None = None, headers: dict[str, str] | None = None) -> Reply:
        all_headers = {"Authorization": f"Bearer {token or self.token}", **(headers or {})}
        if raw is not None:
            all_headers.setdefault("Content-Type", "application/json")
        async with self.http.request(method, self.base + path, json=json, data=raw,
                                     headers=all_headers) as response:
            body = await response.json(content_type=None) if response.content_length != 0 else None
            return Reply(response.status, body, response.content_type)

    async def ok(self, method: str, path: str, json: Any = None, **kwargs: Any) -> Any:
        reply = await self.call(method, path, json, **kwargs)
        assert reply.status < 300, (reply.status, reply.body)
        return reply.body

    async def order(self, *items: tuple[str, int]) -> int:
        lines = [{"productId": p, "quantity": q} for p, q in (items or (("masala-chai", 2),))]
        return (await self.ok("POST", "/api/orders", {"items": lines}))["orderId"]

    async def session(self, order_id: int | None = None) -> str:
        order_id = order_id or await self.order()
        body = await self.ok("POST", "/api/payments/session/create", {"orderId": order_id})
        return body["sessionId"]

    async def get(self, session_id: str, *, history: bool = True) -> dict[str, Any]:
        """With its events by default: tests read the history as the admin timeline does."""
        query = "?history=1" if history else ""
        return await self.ok("GET", f"/api/payments/session/{session_id}{query}")

    async def pay(self, session_id: str, card: dict[str, str] | None = None) -> Reply:
        body = {"method": "card", "card": card or GOOD_CARD}
        return await self.call("POST", f"/api/payments/session/{session_id}/pay", body)

    async def pay_by(self, session_id: str, method: str) -> Reply:
        """A payment the customer makes away from the screen: "upi_qr" or "card_present"."""
        return await self.call("POST", f"/api/payments/session/{session_id}/pay", {"method": method})

    async def customer(self, session_id: str, action: str) -> Reply:
        return await self.call("POST", f"/api/dev/customer/{session_id}", {"action": action})

    async def cash(self, session_id: str, received_minor: int = 10**9, *, pin: str | None = OPERATOR_PIN) -> Reply:
        body: dict[str, Any] = {"method": "cash", "amountReceivedMinor": received_minor}
        if pin is not None:
            body["operatorPin"] = pin
        return await self.call("POST", f"/api/payments/session/{session_id}/complete", body)

    async def action(self, session_id: str, name: str, json: Any = None) -> Reply:
        return await self.call("POST", f"/api/payments/session/{session_id}/{name}", json or {})

    async def faults(self, mode: str, **extra: Any) -> None:
        await self.ok("PUT", "/api/dev/faults", {"mode": mode, **extra})

    async def wait_for(self, session_id: str, statuses: Collection[str] | str, *,
                       timeout: float = 10.0, settled: bool = False) -> dict[str, Any]:
        """Poll the session (as the window does) until it reaches one of `statuses`."""
        wanted = {statuses} if isinstance(statuses, str) else set(statuses)
        return await self.wait_until(
            session_id,
            lambda s: s["status"] in wanted and not (settled and s["settlingTo"]),
            timeout=timeout,
            what=f"status in {wanted}",
        )

    async def wait_until(self, session_id: str, condition: Callable[[dict[str, Any]], bool], *,
                         timeout: float = 10.0, what: str = "condition") -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            session = await self.get(session_id)
            if condition(session):
                return session
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {timeout}s for {what}: {session}")
            await asyncio.sleep(0.02)


async def eventually(probe: Callable[[], Any], condition: Callable[[Any], bool], *,
                     timeout: float = 10.0, what: str = "condition") -> Any:
    """Call the async `probe` until `condition` holds for its result."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if condition(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout}s for {what}: {value}")
        await asyncio.sleep(0.02)
