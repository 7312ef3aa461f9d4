"""Admin endpoints: they need the admin token."""

from __future__ import annotations

from aiohttp import web

from backend.endpoint import Role, endpoint, json_response
from backend.keys import SESSIONS
from backend.schemas import ActiveSessionsOut

routes = web.RouteTableDef()


@routes.get("/api/payments/sessions/active")
@endpoint(role=Role.ADMIN, summary="Every session not yet finished", responses={200: ActiveSessionsOut})
async def active_sessions(request: web.Request) -> web.Response:
    service = request.app[SESSIONS]
    sessions = [service.describe(s) for s in await service.active()]
    return json_response(ActiveSessionsOut(sessions=sessions, total=len(sessions)))
