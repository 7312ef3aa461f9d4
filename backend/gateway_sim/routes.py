"""HTTP handlers: parse and validate, hand over to the ChargeDesk, answer JSON."""

from __future__ import annotations

from aiohttp import web

from . import customer, terminal, upi_qr
from .charges import ChargeDesk
from .config import SimControls
from .refunds import RefundDesk, RefundRequest
from .schemas import ChargeRequest, SimConfigUpdate, idempotency_key, parse_body

DESK = web.AppKey("gateway_sim_desk", ChargeDesk)
CONTROLS = web.AppKey("gateway_sim_controls", SimControls)
REFUNDS = web.AppKey("gateway_sim_refunds", RefundDesk)


def add_routes(app: web.Application) -> None:
    app.router.add_routes(
        [
            web.post("/v1/charges", create_charge),
            web.get("/v1/charges", list_or_lookup_charges),
            web.post("/v1/charges/{target}/void", void_charge),
            web.post("/v1/refunds", create_refund),
            web.get("/v1/refunds", list_or_lookup_refunds),
            web.get("/v1/health", health),
            web.get("/v1/_sim/config", get_sim_config),
            web.put("/v1/_sim/config", put_sim_config),
            web.get("/v1/_sim/in_flight", in_flight),
        ]
    )
    # Payments the customer makes away from the kiosk's screen (issue 13).
    app.router.add_routes([*upi_qr.ROUTES, *terminal.ROUTES, *customer.ROUTES])


async def create_charge(request: web.Request) -> web.Response:
    key = idempotency_key(request.headers.get("Idempotency-Key"))
    body = parse_body(ChargeRequest, await request.read())
    # Runs to completion even if the client hangs up (aiohttp's default handler_cancellation
    # is off): that is the "reply lost" case the kiosk must recover from by key lookup.
    result = await request.app[DESK].charge(key, body)
    headers = {"Idempotent-Replayed": "true"} if result.replayed else None
    return web.json_response(result.record.to_json(), headers=headers)


async def list_or_lookup_charges(request: web.Request) -> web.Response:
    desk = request.app[DESK]
    key = request.query.get("idempotency_key")
    if key is not None:
        return web.json_response((await desk.lookup(key)).to_json())
    charges = await request.app[REFUNDS].ledger_json(await desk.ledger())
    return web.json_response({"charges": charges})


async def create_refund(request: web.Request) -> web.Response:
    key = idempotency_key(request.headers.get("Idempotency-Key"))
    body = parse_body(RefundRequest, await request.read())
    result = await request.app[REFUNDS].refund(key, body)
    headers = {"Idempotent-Replayed": "true"} if result.replayed else None
    return web.json_response(result.record.to_json(), headers=headers)


async def list_or_lookup_refunds(request: web.Request) -> web.Response:
    refunds = request.app[REFUNDS]
    key = request.query.get("idempotency_key")
    if key is not None:
        return web.json_response((await refunds.lookup(key)).to_json())
    return web.json_response({"refunds": [record.to_json() for record in await refunds.all()]})


async def void_charge(request: web.Request) -> web.Response:
    record = await request.app[DESK].void(request.match_info["target"])
    return web.json_response(record.to_json())


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def in_flight(request: web.Request) -> web.Response:
    return web.json_response({"keys": request.app[DESK].in_flight()})


async def get_sim_config(request: web.Request) -> web.Response:
    return web.json_response(request.app[CONTROLS].to_json())


async def put_sim_config(request: web.Request) -> web.Response:
    update = parse_body(SimConfigUpdate, await request.read())
    controls = request.app[CONTROLS]
    controls.delay_s = update.delay_ms / 1000
    if update.slow_delay_ms is not None:
        controls.slow_delay_s = update.slow_delay_ms / 1000
    return web.json_response(controls.to_json())
