"""Refund endpoints: they need the admin token."""

from __future__ import annotations

import re

from aiohttp import web

from backend.app_keys import REFUNDS
from backend.errors import InvalidInput
from backend.http.access import Role
from backend.http.endpoint import endpoint, json_response, session_id_param
from backend.http.schemas.refunds import IDEMPOTENCY_KEY_PATTERN, RefundIn, RefundListOut, RefundOut, RefundResultOut
from backend.refunds.records import RefundRequest, RefundStatus

routes = web.RouteTableDef()

_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)


def _idempotency_key(request: web.Request) -> str:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        raise InvalidInput(
            "An Idempotency-Key header is required: send the same key again to repeat this refund "
            "safely, a new one for another refund.",
            code="idempotency_key_required",
        )
    if not _KEY.fullmatch(key):
        raise InvalidInput(
            "The Idempotency-Key header must be 1 to 64 characters from A-Z a-z 0-9 _ -.",
            code="invalid_idempotency_key",
        )
    return key


@routes.post("/api/payments/session/{session_id:[0-9a-f]{32}}/refund")
@endpoint(
    role=Role.ADMIN,
    summary="Refund a completed payment, in full or in part (Idempotency-Key header required): "
    "200 done, 202 recorded and waiting for the gateway",
    body=RefundIn,
    responses={200: RefundResultOut, 202: RefundResultOut},
    errors=(404, 409, 422),
)
async def refund(request: web.Request, body: RefundIn) -> web.Response:
    session_id = session_id_param(request)
    key = _idempotency_key(request)
    outcome = await request.app[REFUNDS].refund(
        RefundRequest(session_id=session_id, idempotency_key=key, amount_minor=body.amount_minor, reason=body.reason)
    )
    status = 202 if outcome.refund.status is RefundStatus.PENDING else 200
    return json_response(RefundResultOut.of_outcome(outcome), status=status)


@routes.get("/api/payments/session/{session_id:[0-9a-f]{32}}/refunds")
@endpoint(role=Role.ADMIN, summary="The refunds of one payment, oldest first", responses={200: RefundListOut},
          errors=(404,))
async def session_refunds(request: web.Request) -> web.Response:
    found = await request.app[REFUNDS].of_session(session_id_param(request))
    return json_response(RefundListOut(refunds=[RefundOut.of(r) for r in found]))
