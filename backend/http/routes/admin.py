"""Admin endpoints: they need the admin token."""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from backend.app_keys import ADMIN_PIN, DATABASE, SESSIONS, SETTINGS
from backend.db.sessions import search
from backend.exports import query as export_query
from backend.exports.criteria import RangeQuery
from backend.exports.query import Total
from backend.http.access import Role, caller_role
from backend.http.endpoint import endpoint, json_response, session_id_param
from backend.http.schemas.admin import (
    ActiveQuery,
    OperatorActionIn,
    ReasonCountOut,
    SessionPageOut,
    SessionSearchQuery,
    StatsOut,
    TotalOut,
    UnlockIn,
    UnlockOut,
    encode_cursor,
)
from backend.http.schemas.sessions import ActiveSessionsOut, SessionOut

routes = web.RouteTableDef()


@routes.get("/api/payments/sessions/active")
@endpoint(
    role=Role.ADMIN,
    summary="Every session not yet finished (of one kiosk: ?kiosk=ID)",
    query=ActiveQuery,
    responses={200: ActiveSessionsOut},
)
async def active_sessions(request: web.Request, query: ActiveQuery) -> web.Response:
    service = request.app[SESSIONS]
    sessions = [SessionOut.of(service.view(s)) for s in await service.active(kiosk=query.kiosk)]
    return json_response(ActiveSessionsOut(sessions=sessions, total=len(sessions)))


@routes.get("/api/payments/sessions")
@endpoint(
    role=Role.ADMIN,
    summary="Past and present sessions, newest first, a page at a time; filtered by creation "
    "time, status, method, kiosk and an exact order id, last 4, UPI id, gateway charge id or invoice number",
    query=SessionSearchQuery,
    responses={200: SessionPageOut},
)
async def search_sessions(request: web.Request, query: SessionSearchQuery) -> web.Response:
    criteria = query.search_criteria()
    found = await request.app[DATABASE].read(lambda conn: search.page(conn, criteria))
    service = request.app[SESSIONS]
    return json_response(
        SessionPageOut(
            sessions=[SessionOut.of(service.view(s)) for s in found.sessions],
            next_cursor=encode_cursor(found.next) if found.next is not None else None,
        )
    )


@routes.post("/api/admin/unlock")
@endpoint(
    role=Role.KIOSK,
    summary="Trade the admin PIN for the admin token (wrong PINs lock the check for a while)",
    body=UnlockIn,
    responses={200: UnlockOut},
    errors=(403, 429),
)
async def unlock(request: web.Request, body: UnlockIn) -> web.Response:
    # The kiosk's own window sends the admin token as its bearer: a lock keeps it out a
    # minute at most (backend/http/admin_pin.py).
    from_window = caller_role(request) is Role.ADMIN
    await request.app[ADMIN_PIN].check(request.app[DATABASE], body.pin, from_window=from_window)
    return json_response(UnlockOut(admin_token=request.app[SETTINGS].admin_token.get_secret_value()))


@routes.get("/api/payments/stats")
@endpoint(
    role=Role.ADMIN,
    summary="Money taken, totals by outcome and method, interruptions by reason, for a range of days",
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
            taken=totals(summary.taken()),
            taken_by_method=totals(summary.net_by_method()),
            refunded=totals(summary.refunded()),
            refunded_by_method=totals(summary.refunded_by_method),
            not_yet_collected=totals(summary.not_yet_collected),
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
