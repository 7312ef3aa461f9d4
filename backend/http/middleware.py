"""The one place failures become JSON: every error of every route, as {"code", "message"}."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from backend.errors import DomainError

log = logging.getLogger(__name__)

_HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except DomainError as exc:
        response = web.json_response(exc.body(), status=exc.http_status)
        if getattr(exc, "closes_connection", False):
            # else aiohttp would try to read the unusable rest of the body before the next request
            response.force_close()
        return response
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        return web.json_response(
            {"code": code, "message": exc.reason}, status=exc.status, headers=_allow(exc)
        )
    except Exception as exc:
        if _client_gone(request, exc):
            # The client hung up (mid-body, say): nobody is left to answer, and it is not our fault.
            log.debug("client left during %s %s: %r", request.method, request.path, exc)
            return web.json_response({"code": "client_gone", "message": "The client disconnected."}, status=400)
        log.exception("unhandled error in %s %s", request.method, request.path)
        return web.json_response(
            {"code": "internal_error", "message": "Something went wrong on the server."},
            status=500,
        )


def _client_gone(request: web.Request, exc: Exception) -> bool:
    # aiohttp's ClientConnectionResetError is a ConnectionResetError too. Checked against the
    # transport, so a reset from somewhere else (a gateway socket) still counts as an error.
    transport = request.transport
    return isinstance(exc, ConnectionResetError) and (transport is None or transport.is_closing())


def _allow(exc: web.HTTPException) -> dict[str, str]:
    allow = exc.headers.get("Allow")
    return {"Allow": allow} if allow else {}
