"""Tester mode only: switch simulated network faults on the backend→gateway link and on the
kiosk→fleet server link, act as the customer at a QR or terminal, crash the process.

Each link is its own resource (`/api/dev/faults` the gateway's, as it always was;
`/api/dev/faults/server` the fleet server's) rather than one PUT with a `link` field: the body
stays the proxy's own FaultConfig, a GET answers for one link without a query to remember, and
clients written before the second link keep working unchanged."""

from __future__ import annotations

import asyncio
import logging
import os
import signal

from aiohttp import web

from backend.app_keys import CUSTOMER, DATABASE, ENGINE, FAULTS, SERVER_FAULTS, SESSIONS
from backend.clock import iso
from backend.db.sessions import reads
from backend.errors import Conflict
from backend.faults.model import FaultConfig
from backend.faults.proxy import FaultProxy
from backend.http.access import Role
from backend.http.endpoint import endpoint, json_response, session_id_param
from backend.http.schemas.sessions import SessionOut
from backend.http.schemas.tester import CustomerActionIn, FaultHitOut, FaultsOut
from smartcart_contract.payment_methods import WAITING
from smartcart_contract.states import Status

log = logging.getLogger(__name__)

routes = web.RouteTableDef()


async def _state(request: web.Request, proxy: FaultProxy) -> FaultsOut:
    hits = proxy.log()
    keys = {h.idempotency_key for h in hits if h.idempotency_key}
    session_of = await request.app[DATABASE].read(lambda conn: reads.ids_by_key(conn, keys))
    config = proxy.config
    return FaultsOut(
        mode=config.mode,
        rate=config.rate,
        latency_ms=config.latency_ms,
        log=[
            FaultHitOut(
                at=iso(h.at_ms) or "",
                mode=h.mode,
                method=h.method,
                path=h.path,
                session_id=session_of.get(h.idempotency_key or ""),
            )
            for h in hits
        ],
    )


@routes.get("/api/dev/faults")
@endpoint(role=Role.KIOSK, summary="The active fault and the faults applied so far", responses={200: FaultsOut})
async def get_faults(request: web.Request) -> web.Response:
    return json_response(await _state(request, request.app[FAULTS]))


@routes.put("/api/dev/faults")
@endpoint(
    role=Role.KIOSK,
    summary="Switch the fault on the link to the gateway",
    body=FaultConfig,
    responses={200: FaultsOut},
)
async def put_faults(request: web.Request, body: FaultConfig) -> web.Response:
    await request.app[FAULTS].set_config(body)
    return json_response(await _state(request, request.app[FAULTS]))


def _server_link(request: web.Request) -> FaultProxy:
    proxy = request.app.get(SERVER_FAULTS)
    if proxy is None:
        raise Conflict(
            "This kiosk does not sync to a fleet server over http (SMARTCART_SYNC_URL): there is no link to cut.",
            code="no_server_link",
        )
    return proxy


@routes.get("/api/dev/faults/server")
@endpoint(
    role=Role.KIOSK,
    summary="The active fault on the link to the fleet server and the faults applied so far",
    responses={200: FaultsOut},
    errors=(409,),
)
async def get_server_faults(request: web.Request) -> web.Response:
    return json_response(await _state(request, _server_link(request)))


@routes.put("/api/dev/faults/server")
@endpoint(
    role=Role.KIOSK,
    summary="Switch the fault on the link to the fleet server (the sync forwarder's requests)",
    body=FaultConfig,
    responses={200: FaultsOut},
    errors=(409,),
)
async def put_server_faults(request: web.Request, body: FaultConfig) -> web.Response:
    proxy = _server_link(request)
    await proxy.set_config(body)
    return json_response(await _state(request, proxy))


@routes.post("/api/dev/crash")
@endpoint(
    role=Role.KIOSK,
    summary="Recovery drill: SIGKILL this process right after answering (tester mode only)",
    responses={202: None},
)
async def crash_now(request: web.Request) -> web.Response:
    log.warning("tester asked for a crash: killing the process now")
    # After the reply is on its way; SIGKILL, like a power cut: no cleanup runs.
    asyncio.get_running_loop().call_later(0.05, os.kill, os.getpid(), signal.SIGKILL)
    return web.json_response({"crashing": True}, status=202)


@routes.post("/api/dev/customer/{session_id:[0-9a-f]{32}}")
@endpoint(
    role=Role.KIOSK,
    summary="The simulated customer pays, declines, walks away from, or pays just after the close of the "
    "UPI QR or terminal payment this session waits on. Answers the session.",
    body=CustomerActionIn,
    responses={200: SessionOut},
    errors=(404, 409),
)
async def customer_acts(request: web.Request, body: CustomerActionIn) -> web.Response:
    service = request.app[SESSIONS]
    session = await service.get(session_id_param(request))
    waiting = (
        session.method in WAITING
        and session.status is Status.PROCESSING
        and session.settle_to is None
        and session.provider_request_id is not None
    )
    if not waiting:
        raise Conflict(
            "This session is not waiting on a UPI QR or a card terminal.", code="not_waiting", status=session.status
        )
    await request.app[CUSTOMER].act(session.idempotency_key, body.action)
    # What a provider's webhook does: have the engine look now rather than at its next poll.
    request.app[ENGINE].kick(session.id)
    return json_response(SessionOut.of(service.view(await service.get(session.id))))
