"""UPI dynamic QR codes: one per idempotency key, for an exact amount, closed by the merchant.

    POST /v1/upi_qr                       Idempotency-Key; {amountMinor, currency, reference,
                                          payeeVpa, payeeName, closeBy}  -> the QR with its payload
    GET  /v1/upi_qr?idempotency_key=K     the QR, its status (open/closed) and its charge, if any
    POST /v1/upi_qr/{key}/close           stop accepting payments; look up afterwards
Refunds go through the charges ledger: POST /v1/charges/{key}/void.

The payload follows NPCI's UPI linking specification: upi://pay?pa=…&pn=…&am=…&tr=…&cu=INR.
"""

from __future__ import annotations

import asyncio
from typing import Annotated
from urllib.parse import quote

from aiohttp import web
from pydantic import Field

from smartcart_contract.money import decimal_amount

from .schemas import _Strict, idempotency_key, parse_body
from .waiting_payments import DELAYS, WAITING, fingerprint


class QrRequest(_Strict):
    amount_minor: Annotated[int, Field(gt=0, le=2**53 - 1)]
    currency: Annotated[str, Field(pattern=r"^INR$")]
    reference: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,35}$")]
    payee_vpa: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+$", max_length=100)]
    payee_name: Annotated[str, Field(min_length=1, max_length=50)]
    close_by: Annotated[int, Field(gt=0)]


def upi_pay_link(*, vpa: str, name: str, amount_minor: int, currency: str, reference: str) -> str:
    # `am` in rupees with two decimals ("540.00"), never grouped: apps refuse "1,540.00".
    params = [("pa", vpa), ("pn", name), ("am", decimal_amount(amount_minor, currency)), ("tr", reference), ("cu", currency)]
    return "upi://pay?" + "&".join(f"{k}={quote(v, safe='@.-_')}" for k, v in params)


async def create_qr(request: web.Request) -> web.Response:
    key = idempotency_key(request.headers.get("Idempotency-Key"))
    raw = await request.read()
    body = parse_body(QrRequest, raw)
    payload = upi_pay_link(
        vpa=body.payee_vpa, name=body.payee_name, amount_minor=body.amount_minor,
        currency=body.currency, reference=body.reference,
    )
    fields = {"amount_minor": body.amount_minor, "currency": body.currency, "payload": payload, "close_by": body.close_by}
    qr = await request.app[WAITING].open("upi_qr", key, fingerprint(body.model_dump(mode="json")), fields)
    # Opened first, answered after the processing delay: a reply cut off meanwhile (a kiosk
    # killed, a lost reply) leaves a QR the kiosk must find again by its key.
    await asyncio.sleep(request.app[DELAYS].delay_for(slow=False))
    return web.json_response(qr.to_json(None))


async def lookup_qr(request: web.Request) -> web.Response:
    key = idempotency_key(request.query.get("idempotency_key"))
    qr, charge = await request.app[WAITING].lookup("upi_qr", key)
    return web.json_response(qr.to_json(charge))


async def close_qr(request: web.Request) -> web.Response:
    key = idempotency_key(request.match_info["key"])
    qr, charge = await request.app[WAITING].close("upi_qr", key)
    return web.json_response(qr.to_json(charge))


ROUTES = [
    web.post("/v1/upi_qr", create_qr),
    web.get("/v1/upi_qr", lookup_qr),
    web.post("/v1/upi_qr/{key}/close", close_qr),
]
