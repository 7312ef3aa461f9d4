"""Tester mode only: switch simulated network faults on the backend→gateway link."""

from __future__ import annotations

import asyncio
import logging
import os
import signal

from aiohttp import web

from backend.app_keys import DATABASE, FAULTS
from backend.clock import iso
from backend.db.sessions import reads
from backend.faults.model import FaultConfig
from backend.http.access import Role
from backend.http.endpoint import endpoint, json_response
from backend.http.schemas.tester import FaultHitOut, FaultsOut

log = logging.getLogger(__name__)

routes = web.RouteTableDef()


async def _state(request: web.Request) -> FaultsOut:
    proxy = request.app[FAULTS]
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
    return json_response(await _state(request))


@routes.put("/api/dev/faults")
@endpoint(
    role=Role.KIOSK,
    summary="Switch the fault on the link to the gateway",
    body=FaultConfig,
    responses={200: FaultsOut},
)
async def put_faults(request: web.Request, body: FaultConfig) -> web.Response:
    await request.app[FAULTS].set_config(body)
    return json_response(await _state(request))


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
