"""Who may call an endpoint: the Host header must name this server, and the bearer token
must carry the endpoint's role. Checked by the endpoint declaration (backend/http/endpoint.py)
before a body is even read.

Behind a trusted reverse proxy (backend/http/forwarded.py) the host checked is the one the
client asked the proxy for.

A kiosk token names one kiosk (backend/kiosks/): the configured SMARTCART_KIOSK_TOKEN the
default kiosk, a registered one its own. The request then carries that kiosk (`kiosk_scope`),
and sees only that kiosk's orders and sessions; the admin's scope is every kiosk."""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from enum import StrEnum

from aiohttp import web

from backend.app_keys import KIOSKS, SETTINGS
from backend.errors import Forbidden, InvalidInput, Unauthorized
from backend.kiosks import DEFAULT_KIOSK_ID
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


@dataclass(frozen=True, slots=True)
class Caller:
    role: Role
    # The kiosk a kiosk token speaks for; None for the admin (every kiosk) and a scraper.
    kiosk_id: str | None = None


_CALLER = web.RequestKey("caller", Caller)


def check_without_look_up(request: web.Request, required: Role) -> bool:
    """The check, when it needs no database: True once the caller passed (a public endpoint, a
    configured token); False for a token only the kiosk registry can judge: then await
    `check_registered`. Not a coroutine, so that the common case awaits nothing."""
    check_host(request)
    if required is Role.PUBLIC:
        return True
    role = caller_role(request)
    if role is None:
        return False
    _admit(request, required, _CONFIGURED[role])
    return True


async def check_registered(request: web.Request, required: Role) -> None:
    """The rest of the check for a token that is not a configured one: a registered kiosk's."""
    caller = await _registered_caller(request)
    if caller is None:
        raise Unauthorized("A valid bearer token is required.")
    _admit(request, required, caller)


def _admit(request: web.Request, required: Role, caller: Caller) -> None:
    if caller.role not in _ALLOWED[required]:
        raise Forbidden("This needs the admin credential." if required is Role.ADMIN else "This token may not do this.")
    request[_CALLER] = caller


def kiosk_scope(request: web.Request) -> str | None:
    """The kiosk whose orders and sessions this request may see and move; None: every kiosk's.
    Another kiosk's are "not found" to it, never "forbidden": that would tell they exist."""
    return request[_CALLER].kiosk_id


def acting_kiosk(request: web.Request) -> str:
    """The kiosk a new order belongs to: the caller's; the admin's go to the default kiosk."""
    return kiosk_scope(request) or DEFAULT_KIOSK_ID


# The callers of the configured tokens: the same for every request (a Caller is frozen).
_CONFIGURED = {
    Role.ADMIN: Caller(Role.ADMIN),
    Role.KIOSK: Caller(Role.KIOSK, DEFAULT_KIOSK_ID),
    Role.METRICS: Caller(Role.METRICS),
}


async def _registered_caller(request: web.Request) -> Caller | None:
    """A registered kiosk's token (backend/kiosks/), looked up in the database or its cache."""
    token = _bearer(request)
    if token is None:
        return None
    kiosk_id = await request.app[KIOSKS].kiosk_of(token)
    return Caller(Role.KIOSK, kiosk_id) if kiosk_id is not None else None


def _bearer(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


def check_host(request: web.Request) -> None:
    """Only answer requests addressed to this server by name (defeats DNS rebinding): a page
    on evil.example that resolves to 127.0.0.1 still sends Host: evil.example. The port is
    not compared: a proxy in front may listen on any (pay.example.com:443), and a rebinding
    page cannot choose the name."""
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    local = str(sockname[0]) if sockname else None
    if not _host_allowed(request.host, local, tuple(_settings(request).allowed_hosts)):
        raise InvalidInput("The Host header does not name this server.", code="bad_host")


# A kiosk sends the same Host on every request: the verdict is kept, not worked out again.
@functools.lru_cache(maxsize=256)
def _host_allowed(host: str, local: str | None, extra: tuple[str, ...]) -> bool:
    return host_name(host) in _acceptable_hosts(local, extra)


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
    """The role of a configured token (admin, the default kiosk's, metrics); None for any other."""
    token = _bearer(request)
    if token is None:
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
