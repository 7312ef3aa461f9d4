"""Request guards and the one place failures become JSON.

Order (outermost first): errors → guard (host check, then auth).
"""

from __future__ import annotations

import functools
import logging
import secrets

from aiohttp import web
from aiohttp.typedefs import Handler

from backend.endpoint import Role, endpoint_of
from backend.errors import DomainError, Forbidden, InvalidInput, Unauthorized
from backend.keys import SETTINGS

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
        return web.json_response(exc.body(), status=exc.http_status)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        return web.json_response(
            {"code": code, "message": exc.reason}, status=exc.status, headers=_allow(exc)
        )
    except Exception:
        log.exception("unhandled error in %s %s", request.method, request.path)
        return web.json_response(
            {"code": "internal_error", "message": "Something went wrong on the server."},
            status=500,
        )


def _allow(exc: web.HTTPException) -> dict[str, str]:
    allow = exc.headers.get("Allow")
    return {"Allow": allow} if allow else {}


@web.middleware
async def guard_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Host check, then bearer token and role. One middleware: each layer costs every request."""
    _check_host(request)
    spec = endpoint_of(request)
    if spec is not None and spec.role is not Role.PUBLIC:
        role = _caller_role(request)
        if role is None:
            raise Unauthorized("A valid bearer token is required.")
        if spec.role is Role.ADMIN and role is not Role.ADMIN:
            raise Forbidden("This needs the admin credential.")
    return await handler(request)


def _check_host(request: web.Request) -> None:
    """Only answer requests addressed to the socket they arrived on (defeats DNS rebinding):
    a page on evil.example that resolves to 127.0.0.1 still sends Host: evil.example."""
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    local = (sockname[0], sockname[1]) if sockname else None
    extra = tuple(request.app[SETTINGS].allowed_hosts)
    if (request.headers.get("Host") or "").lower() not in _acceptable_hosts(local, extra):
        raise InvalidInput("The Host header does not name this server.", code="bad_host")


@functools.lru_cache(maxsize=64)
def _acceptable_hosts(local: tuple[str, int] | None, extra: tuple[str, ...]) -> frozenset[str]:
    hosts = {h.lower() for h in extra}
    if local:
        address, port = local
        hosts |= {f"{address}:{port}", f"[{address}]:{port}"}
        if address in ("127.0.0.1", "::1"):
            hosts |= {f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"}
    return frozenset(hosts)


def _caller_role(request: web.Request) -> Role | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    settings = request.app[SETTINGS]
    if secrets.compare_digest(token.encode(), settings.admin_token.get_secret_value().encode()):
        return Role.ADMIN
    if secrets.compare_digest(token.encode(), settings.kiosk_token.get_secret_value().encode()):
        return Role.KIOSK
    return None
