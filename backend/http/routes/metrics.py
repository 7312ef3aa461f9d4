"""Prometheus metrics (backend/observability/metrics.py), for the admin or the metrics token."""

from __future__ import annotations

from aiohttp import web

from backend.app_keys import DATABASE, METRICS, SETTINGS
from backend.http.access import Role
from backend.http.endpoint import endpoint
from backend.observability.metrics import CONTENT_TYPE

routes = web.RouteTableDef()


@routes.get("/metrics")
@endpoint(
    role=Role.METRICS,
    summary="Prometheus metrics (text format 0.0.4): payments, attempts, look-ups, queues, writer, event loop",
    responses={200: None},
    content_types={200: "text/plain"},
    errors=(403,),
)
async def metrics(request: web.Request) -> web.Response:
    body = await request.app[METRICS].scrape(request.app[DATABASE], request.app[SETTINGS].metrics_timeout_s)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})
