"""The simulated customer, for tests and tester mode: acts on the QR or terminal payment
waiting under an idempotency key.

    POST /v1/_sim/customer/{key}   {"action": "pay" | "decline" | "walk_away" | "pay_after_close"}
    GET  /v1/_sim/waiting          every QR and terminal payment, oldest first (for tests)
"""

from __future__ import annotations

from typing import Literal

from aiohttp import web

from .schemas import _Strict, idempotency_key, parse_body
from .waiting_payments import WAITING


class CustomerActionIn(_Strict):
    action: Literal["pay", "decline", "walk_away", "pay_after_close"]


async def act(request: web.Request) -> web.Response:
    key = idempotency_key(request.match_info["key"])
    body = parse_body(CustomerActionIn, await request.read())
    payment, charge = await request.app[WAITING].act(key, body.action)
    return web.json_response(payment.to_json(charge))


async def list_waiting(request: web.Request) -> web.Response:
    return web.json_response({"waiting": [w.to_json(c) for w, c in await request.app[WAITING].all()]})


ROUTES = [web.post("/v1/_sim/customer/{key}", act), web.get("/v1/_sim/waiting", list_waiting)]
