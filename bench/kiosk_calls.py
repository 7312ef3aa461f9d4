"""The kiosk API calls the benches make, written once: an order of one masala chai, its payment
session, a card payment, the session's status."""

from __future__ import annotations

from typing import Any

import aiohttp

CARD = {"number": "4242424242424242", "holder": "Bench", "expiry": "12/39", "cvv": "123"}
ONE_CHAI = {"items": [{"productId": "masala-chai", "quantity": 1}]}


class KioskCalls:
    def __init__(self, http: aiohttp.ClientSession, base: str, token: str) -> None:
        self._http = http
        self._base = base
        self._headers = {"Authorization": f"Bearer {token}"}

    async def call(self, method: str, path: str, body: object = None) -> Any:
        async with self._http.request(method, self._base + path, json=body, headers=self._headers) as reply:
            assert reply.status < 300, await reply.text()
            return await reply.json()

    async def open_session(self) -> str:
        """A new order's payment session; its id."""
        order = await self.call("POST", "/api/orders", ONE_CHAI)
        session = await self.call("POST", "/api/payments/session/create", {"orderId": order["orderId"]})
        return str(session["sessionId"])

    async def pay_by_card(self, session_id: str) -> None:
        await self.call("POST", f"/api/payments/session/{session_id}/pay", {"method": "card", "card": CARD})

    async def session(self, session_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = await self.call("GET", f"/api/payments/session/{session_id}")
        return answer
