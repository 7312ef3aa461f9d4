"""Who really asked when a reverse proxy stands in between.

A request that arrives from one of SMARTCART_TRUSTED_PROXIES is handed on as the proxy saw it:
the client's address, scheme and host from `Forwarded` (RFC 7239) or `X-Forwarded-For/-Proto/-Host`,
so logs name the client and the Host check judges the name the client asked for. From anyone
else those headers are the client's own claim and are ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from aiohttp import web
from aiohttp.typedefs import Handler

from backend.app_keys import SETTINGS
from backend.settings import IpNetwork

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(text: str) -> IpAddress | None:
    """An address as headers carry it: `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]:4711`, `"…"`."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None  # "unknown", an obfuscated node ("_hidden"), or rubbish
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: IpAddress | None, proxies: Sequence[IpNetwork]) -> bool:
    return address is not None and any(address in network for network in proxies)


def peer_is_trusted(request: web.Request) -> bool:
    """Whether the other end of this TCP connection is one of the trusted proxies."""
    proxies = request.app[SETTINGS].trusted_proxies
    if not proxies:  # the usual case; no address parse per request (3 % of a create's time)
        return False
    peer = request.transport.get_extra_info("peername") if request.transport else None
    if not peer:
        return False
    return _trusted(_address(str(peer[0])), proxies)


def _hops(request: web.Request) -> tuple[list[str], str | None, str | None]:
    """The forwarded-for chain (client first), and the host and scheme the nearest proxy saw."""
    if "Forwarded" in request.headers:
        elements = request.forwarded
        chain = [element["for"] for element in elements if "for" in element]
        nearest = elements[-1] if elements else {}
        return chain, nearest.get("host"), nearest.get("proto")
    chain = [hop for value in request.headers.getall("X-Forwarded-For", ()) for hop in value.split(",")]
    host = request.headers.getall("X-Forwarded-Host", [None])[-1]
    proto = request.headers.getall("X-Forwarded-Proto", [None])[-1]
    return chain, host and host.split(",")[-1].strip(), proto and proto.split(",")[-1].strip()


def _client(chain: list[str], proxies: Sequence[IpNetwork]) -> str | None:
    """From the right, the first hop that is not a trusted proxy: proxies append the address
    they received from, so everything left of an untrusted hop may be forged."""
    client = None
    for hop in reversed(chain):
        address = _address(hop)
        if address is None:
            return client
        client = str(address)
        if not _trusted(address, proxies):
            return client
    return client


@web.middleware
async def forwarded_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not peer_is_trusted(request):
        return await handler(request)
    chain, host, proto = _hops(request)
    changes: dict[str, str] = {}
    if client := _client(chain, request.app[SETTINGS].trusted_proxies):
        changes["remote"] = client
    if host:
        changes["host"] = host
    if proto in ("http", "https"):
        changes["scheme"] = proto
    return await handler(request.clone(**changes) if changes else request)  # type: ignore[arg-type]
