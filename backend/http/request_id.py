"""Every request gets an id: the one a trusted proxy sent in X-Request-ID, or a fresh one. It is
echoed in the reply's X-Request-ID, tagged on every log line made while serving the request, and
on the access line (SMARTCART_ACCESS_LOG=1), which names the client a trusted proxy forwarded."""

from __future__ import annotations

import logging
import re
import time

from aiohttp import web
from aiohttp.typedefs import Handler

from backend import logs
from backend.app_keys import REQUEST_IDS, SETTINGS
from backend.http.forwarded import peer_is_trusted

access_log = logging.getLogger("backend.access")

HEADER = "X-Request-ID"
# Whatever a proxy sends ends up in log lines: no spaces, quotes or control characters.
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


def _request_id(request: web.Request) -> str:
    given = request.headers.get(HEADER, "")
    if given and _ACCEPTABLE.fullmatch(given) and peer_is_trusted(request):
        return given
    # From the app's pool of random bytes: a system call per request would hand the interpreter
    # lock to the database writer, and the loop would then wait to get it back.
    return request.app[REQUEST_IDS].token_hex(8)


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    rid = _request_id(request)
    token = logs.request_id.set(rid)
    started = time.perf_counter()
    status = 500
    try:
        try:
            response = await handler(request)
        except web.HTTPException as exc:  # redirects; the error middleware answers the rest
            exc.headers[HEADER] = rid
            status = exc.status
            raise
        if not response.prepared:
            response.headers[HEADER] = rid
        status = response.status
        return response
    finally:
        if request.app[SETTINGS].access_log:
            _log_access(request, status, time.perf_counter() - started)
        logs.request_id.reset(token)


def _log_access(request: web.Request, status: int, seconds: float) -> None:
    access_log.info(
        '%s "%s %s" %d %.1f ms',
        request.remote,
        request.method,
        request.path,
        status,
        seconds * 1000,
        extra={
            "client": request.remote,
            "method": request.method,
            "path": request.path,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "host": request.host,
            "scheme": request.scheme,
        },
    )


def tag(response: web.StreamResponse) -> web.StreamResponse:
    """For a response its handler sends itself (a stream, an export): it is on the wire before
    the middleware sees it. The id is still the serving task's. (An on_response_prepare signal
    would do this for every reply, at a coroutine per request for the few that need it.)"""
    rid = logs.request_id.get()
    if rid is not None:
        response.headers[HEADER] = rid
    return response
