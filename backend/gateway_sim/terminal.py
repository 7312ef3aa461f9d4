"""Card terminals: a payment started on terminal T waits for the customer's card, per key.

    POST /v1/terminals/{terminalId}/payments   Idempotency-Key; {amountMinor, currency}
    GET  /v1/terminal_payments?idempotency_key=K
    POST /v1/terminal_payments/{key}/cancel    the terminal stops prompting; look up afterwards
The card never reaches the kiosk: the terminal reads it and the charge lands in the ledger.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from aiohttp import web
from pydantic import Field

from .schemas import _Strict, idempotency_key, parse_body
from .waiting_payments import DELAYS, WAITING, fingerprint

TERMINAL_ID = r"[A-Za-z0-9_-]{1,32}"


class TerminalPaymentRequest(_Strict):
    amount_minor: Annotated[int, Field(gt=0, le=2**53 - 1)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


async def start_payment(request: web.Request) -> web.Response:
    key = idempotency_key(request.headers.get("Idempotency-Key"))
    terminal_id = request.match_info["terminal_id"]
    body = parse_body(TerminalPaymentRequest, await request.read())
    fields = {"amount_minor": body.amount_minor, "currency": body.currency, "terminal_id": terminal_id}
    body_hash = fingerprint({**body.model_dump(mode="json"), "terminal": terminal_id})
    payment = await request.app[WAITING].open("terminal", key, body_hash, fields)
    await asyncio.sleep(request.app[DELAYS].delay_for(slow=False))  # after opening, as for a QR
    return web.json_response(payment.to_json(None))


async def lookup_payment(request: web.Request) -> web.Response:
    key = idempotency_key(request.query.get("idempotency_key"))
    payment, charge = await request.app[WAITING].lookup("terminal", key)
    return web.json_response(payment.to_json(charge))


async def cancel_payment(request: web.Request) -> web.Response:
    key = idempotency_key(request.match_info["key"])
    payment, charge = await request.app[WAITING].close("terminal", key)
    return web.json_response(payment.to_json(charge))


ROUTES = [
    web.post("/v1/terminals/{terminal_id:" + TERMINAL_ID + "}/payments", start_payment),
    web.get("/v1/terminal_payments", lookup_payment),
    web.post("/v1/terminal_payments/{key}/cancel", cancel_payment),
]
