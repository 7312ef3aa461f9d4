"""Admin endpoints: they need the admin token."""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from backend.app_keys import ADMIN_PIN, DATABASE, SESSIONS, SETTINGS
from backend.exports import query as export_query
from backend.exports.criteria import RangeQuery
from backend.exports.query import Total
from backend.http.access import Role
from backend.http.endpoint import endpoint, json_response, session_id_param
from backend.http.schemas.admin import (
    OperatorActionIn,
    ReasonCountOut,
    StatsOut,
    TotalOut,
    UnlockIn,
    UnlockOut,
)
from backend.http.schemas.sessions import ActiveSessionsOut, SessionOut

routes = web.RouteTableDef()


@routes.get("/api/payments/sessions/active")
@endpoint(role=Role.ADMIN, summary="Every session not yet finished", responses={200: ActiveSessionsOut})
async def active_sessions(request: web.Request) -> web.Response:
    service = request.app[SESSIONS]
    sessions = [SessionOut.of(service.view(s)) for s in await service.active()]
    return json_response(ActiveSessionsOut(sessions=sessions, total=len(sessions)))


@routes.post("/api/admin/unlock")
@endpoint(
    role=Role.KIOSK,
    summary="Trade the admin PIN for the admin token (wrong PINs lock the check for a while)",
    body=UnlockIn,
    responses={200: UnlockOut},
    errors=(403, 429),
)
async def unlock(request: web.Request, body: UnlockIn) -> web.Response:
    await request.app[ADMIN_PIN].check(request.app[DATABASE], body.pin)
    return json_response(UnlockOut(admin_token=request.app[SETTINGS].admin_token.get_secret_value()))


@routes.get("/api/payments/stats")
@endpoint(
    role=Role.ADMIN,
    summary="Totals by outcome and method, interruptions by reason, for a range of days",
    query=RangeQuery,
    responses={200: StatsOut},
)
async def stats(request: web.Request, query: RangeQuery) -> web.Response:
    criteria = query.criteria()
    summary = await request.app[DATABASE].read(lambda conn: export_query.summary(conn, criteria))

    def totals(rows: Iterable[Total]) -> list[TotalOut]:
        return [
            TotalOut(key=t.key, currency=t.currency, sessions=t.sessions, amount_minor=t.amount_minor)
            for t in rows
        ]

    return json_response(
        StatsOut(
            sessions=summary.sessions,
            interruptions=summary.interruptions,
            by_status=totals(summary.by_status),
            by_method=totals(summary.by_method),
            by_reason=[
                ReasonCountOut(reason=r.reason, interruptions=r.interruptions, sessions=r.sessions)
                for r in summary.by_reason
            ],
        )
    )


@routes.post("/api/payments/session/{session_id:[0-9a-f]{32}}/reconcile")
@endpoint(
    role=Role.ADMIN,
    summary="Operator: ask the gateway about this session now (reason recorded)",
    body=OperatorActionIn,
    responses={202: SessionOut},
    errors=(404, 409),
)
async def reconcile_now(request: web.Request, body: OperatorActionIn) -> web.Response:
    service = request.app[SESSIONS]
    session = await service.reconcile_now(session_id_param(request), body.reason)
    view = service.view(session)
    return json_response(SessionOut.of(view, message="Checking with the gateway"), status=202)
