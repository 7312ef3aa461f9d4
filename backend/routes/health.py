"""Unauthenticated endpoints: liveness and the API description."""

from __future__ import annotations

from aiohttp import web

from backend.endpoint import Role, endpoint, json_response
from backend.db import offline_repo
from backend.keys import DATABASE, GATEWAY, SETTINGS
from backend.openapi import openapi_document
from backend.schemas import GatewayHealthOut, HealthOut

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
