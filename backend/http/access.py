"""Who may call an endpoint: the Host header must name this server, and the bearer token
must carry the endpoint's role. Checked by the endpoint declaration (backend/http/endpoint.py)
before a body is even read.

Behind a trusted reverse proxy (backend/http/forwarded.py) the host checked is the one the
client asked the proxy for."""

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
    # Reads /metrics and nothing else: a scraper's token opens no payment.
    METRICS = "metrics"


# Which callers may use an endpoint of each role; the admin may do everything.
_ALLOWED = {
    Role.KIOSK: frozenset({Role.KIOSK, Role.ADMIN}),
    Role.ADMIN: frozenset({Role.ADMIN}),
    Role.METRICS: frozenset({Role.METRICS, Role.ADMIN}),
}


def check(request: web.Request, required: Role) -> None:
    check_host(request)
    if required is Role.PUBLIC:
        return
    role = caller_role(request)
    if role is None:
        raise Unauthorized("A valid bearer token is required.")
    if role not in _ALLOWED[required]:
        raise Forbidden("This needs the admin credential." if required is Role.ADMIN else "This token may not do this.")


def check_host(request: web.Request) -> None:
    """Only answer requests addressed to this server by name (defeats DNS rebinding): a page
    on evil.example that resolves to 127.0.0.1 still sends Host: evil.example. The port is
    not compared: a proxy in front may listen on any (pay.example.com:443), and a rebinding
    page cannot choose the name."""
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    local = str(sockname[0]) if sockname else None
    extra = tuple(_settings(request).allowed_hosts)
    if host_name(request.host) not in _acceptable_hosts(local, extra):
        raise InvalidInput("The Host header does not name this server.", code="bad_host")


def host_name(host: str) -> str:
    """`Pay.Example.com:443` → `pay.example.com`; `[::1]:8080` → `::1`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    if host.count(":") == 1:
        return host.partition(":")[0]
    return host.rstrip(".")


@functools.lru_cache(maxsize=64)
def _acceptable_hosts(local: str | None, extra: tuple[str, ...]) -> frozenset[str]:
    hosts = {host_name(h) for h in extra}
    if local:
        hosts.add(local.lower())
        if local in ("127.0.0.1", "::1"):
            hosts |= {"localhost", "127.0.0.1", "::1"}
    hosts.discard("")
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
    if settings.metrics_token is not None:
        (metrics,) = _token_bytes(settings.metrics_token.get_secret_value())
        if secrets.compare_digest(given, metrics):
            return Role.METRICS
    return None


@functools.lru_cache(maxsize=8)
def _token_bytes(*tokens: str) -> tuple[bytes, ...]:
    return tuple(token.encode() for token in tokens)


def _settings(request: web.Request) -> Settings:
    return request.app[SETTINGS]
