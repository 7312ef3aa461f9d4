"""Admin view of store-and-forward: what waits, what was forwarded, and "forward now"."""

from __future__ import annotations

from aiohttp import web

from backend.app_keys import CLOCK, DATABASE, FORWARDER, SETTINGS
from backend.clock import iso
from backend.http.access import Role
from backend.http.endpoint import endpoint, json_response
from backend.http.schemas.offline import (
    ForwardResultOut,
    OfflinePaymentOut,
    OfflinePaymentsOut,
)
from backend.offline import repo as offline_repo
from smartcart_contract.states import Status

routes = web.RouteTableDef()


@routes.get("/api/payments/offline")
@endpoint(role=Role.ADMIN, summary="Payments accepted offline, newest first", responses={200: OfflinePaymentsOut})
async def list_offline(request: web.Request) -> web.Response:
    db = request.app[DATABASE]
    records, waiting = await db.read(
        lambda conn: (offline_repo.list_all(conn), offline_repo.waiting_summary(conn))
    )
    near_ms = int(request.app[SETTINGS].offline_max_age_s * 1000 * 0.8)
    now = request.app[CLOCK]()
    payments = [
        OfflinePaymentOut(
            session_id=r.session_id,
            order_id=r.order_id,
            amount_minor=r.amount_minor,
            currency=r.currency,
            method=r.method,
            card_last4=r.card_last4,
            status=r.status,
            accepted_at=iso(r.accepted_at_ms) or "",
            forwarded_at=iso(r.forwarded_at_ms),
            outcome=r.outcome,
            forward_attempts=r.forward_attempts,
            last_error=r.last_error,
            near_age_limit=r.outcome is None and now - r.accepted_at_ms >= near_ms,
            loss=r.outcome == Status.DECLINED,
        )
        for r in records
    ]
    return json_response(
        OfflinePaymentsOut(
            payments=payments, waiting=waiting.count, waiting_total_minor=waiting.total_minor
        )
    )


@routes.post("/api/payments/offline/forward")
@endpoint(role=Role.ADMIN, summary="Forward waiting offline payments now", responses={200: ForwardResultOut})
async def forward_now(request: web.Request) -> web.Response:
    result = await request.app[FORWARDER].forward_now()
    return json_response(
        ForwardResultOut(
            completed=result.completed, declined=result.declined, waiting=result.waiting, busy=result.busy
        )
    )
