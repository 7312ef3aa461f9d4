"""Unauthenticated endpoints: liveness, readiness and the API description."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from backend.app_keys import CATALOG, DATABASE, GATEWAY, READINESS, SETTINGS
from backend.http.access import Role
from backend.http.endpoint import endpoint, json_response
from backend.http.openapi import openapi_document
from backend.http.schemas.health import (
    CheckOut,
    ConfigOut,
    DatabaseHealthOut,
    GatewayHealthOut,
    HealthOut,
    NotReadyOut,
    ReadyOut,
)
from backend.offline import repo as offline_repo
from smartcart_contract.payment_methods import TYPED

log = logging.getLogger(__name__)

routes = web.RouteTableDef()


@routes.get("/api/health")
@endpoint(role=Role.PUBLIC, summary="Liveness, with the gateway's and database's reachability", responses={200: HealthOut})
async def health(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    pending: int | None = None
    try:
        async with asyncio.timeout(settings.ready_timeout_s):
            pending = (await request.app[DATABASE].read(offline_repo.waiting_summary)).count
    except Exception as exc:  # alive all the same: readiness is where a missing database fails
        log.warning("health: the database did not answer: %s", type(exc).__name__)
    return json_response(
        HealthOut(
            gateway=GatewayHealthOut(reachable=request.app[GATEWAY].reachable),
            database=DatabaseHealthOut(reachable=pending is not None),
            offline_pending=pending,
            offline_enabled=settings.offline_enabled,
            tester=settings.tester,
            payment_methods=[*settings.payment_methods, *(sorted(TYPED) if settings.tester else [])],
        )
    )


@routes.get("/api/ready")
@endpoint(
    role=Role.PUBLIC,
    summary="Readiness: the database takes writes, the schema is current, the gateway answers",
    responses={200: ReadyOut, 503: NotReadyOut},
)
async def ready(request: web.Request) -> web.Response:
    checks = [
        CheckOut(name=c.name, ok=c.ok, code=c.code, message=c.message) for c in await request.app[READINESS].checks()
    ]
    failed = [c for c in checks if not c.ok]
    if not failed:
        return json_response(ReadyOut(checks=checks))
    message = "Not ready: " + "; ".join(f"{c.name}: {c.message}" for c in failed)
    return json_response(NotReadyOut(code=failed[0].code, message=message, checks=checks), status=503)


@routes.get("/api/openapi.json")
@endpoint(role=Role.PUBLIC, summary="This API, described by OpenAPI 3.1", responses={200: None})
async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document(request.app))


@routes.get("/api/config")
@endpoint(role=Role.KIOSK, summary="Timings and modes a window shows (timeouts, attempts)", responses={200: ConfigOut})
async def config(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    return json_response(
        ConfigOut(
            gateway_timeout_s=settings.gateway_timeout_s,
            max_attempts=settings.max_attempts,
            retry_delay_s=settings.retry_delay_s,
            session_ttl_s=settings.session_ttl_s,
            currency=request.app[CATALOG].currency,
            offline_enabled=settings.offline_enabled,
            tester=settings.tester,
            payment_methods=[*settings.payment_methods, *(sorted(TYPED) if settings.tester else [])],
        )
    )
