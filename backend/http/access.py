"""Who may call an endpoint: the Host header must name this server, and the bearer token
must carry the endpoint's role. Checked by the endpoint declaration (backend/http/endpoint.py)
before a body is even read."""

from __future__ import annotations

import functools
import secrets
from enum import StrEnum

from aiohttp import web

from backend.app_keys import SETTINGS
from backend.errors import Forbidden, InvalidInput, Unauthorized
from backend.settings import Settings


class Role(StrEnum):
    PUBLIC = "public"
    KIOSK = "kiosk"
    ADMIN = "admin"


def check(request: web.Request, required: Role) -> None:
    check_host(request)
    if required is Role.PUBLIC:
        return
    role = caller_role(request)
    if role is None:
        raise Unauthorized("A valid bearer token is required.")
    if required is Role.ADMIN and role is not Role.ADMIN:
        raise Forbidden("This needs the admin credential.")


def check_host(request: web.Request) -> None:
    """Only answer requests addressed to the socket they arrived on (defeats DNS rebinding):
    a page on evil.example that resolves to 127.0.0.1 still sends Host: evil.example."""
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    local = (sockname[0], sockname[1]) if sockname else None
    extra = tuple(_settings(request).allowed_hosts)
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


def caller_role(request: web.Request) -> Role | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    settings = _settings(request)
    admin, kiosk = _token_bytes(settings.admin_token.get_secret_value(), settings.kiosk_token.get_secret_value())
    given = token.encode()
    if secrets.compare_digest(given, admin):
        return Role.ADMIN
    if secrets.compare_digest(given, kiosk):
        return Role.KIOSK
    return None


@functools.lru_cache(maxsize=8)
def _token_bytes(admin: str, kiosk: str) -> tuple[bytes, bytes]:
    return admin.encode(), kiosk.encode()


def _settings(request: web.Request) -> Settings:
    return request.app[SETTINGS]
