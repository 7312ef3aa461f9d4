"""Unauthenticated endpoints: liveness and the API description."""

from __future__ import annotations

from aiohttp import web

from backend.app_keys import CATALOG, DATABASE, GATEWAY, SETTINGS
from backend.http.access import Role
from backend.http.endpoint import endpoint, json_response
from backend.http.openapi import openapi_document
from backend.http.schemas.health import ConfigOut, GatewayHealthOut, HealthOut
from backend.offline import repo as offline_repo

routes = web.RouteTableDef()


@routes.get("/api/health")
@endpoint(role=Role.PUBLIC, summary="Liveness and gateway reachability", responses={200: HealthOut})
async def health(request: web.Request) -> web.Response:
    waiting = await request.app[DATABASE].read(offline_repo.waiting_summary)
    settings = request.app[SETTINGS]
    return json_response(
        HealthOut(
            gateway=GatewayHealthOut(reachable=request.app[GATEWAY].reachable),
            offline_pending=waiting.count,
            offline_enabled=settings.offline_enabled,
            tester=settings.tester,
        )
    )


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
        )
    )
