"""A minimal HTTP/1.1 message parser for the fault proxy: request and response heads and bodies
read off asyncio streams, enough to relay them and learn which session a request is about.

Scope is deliberately narrow: `Content-Length` bodies only (chunked requests are refused), and a
response without `Content-Length` runs until EOF.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

_HEAD_END = b"\r\n\r\n"

Headers = list[tuple[str, str]]


class BadMessage(Exception):
    """The peer sent something this minimal parser refuses to relay."""


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    version: str
    headers: Headers
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def idempotency_key(self) -> str | None:
        """The key a gateway request is about: the charge's header, a look-up's query, or the
        key being voided (the backend voids by key), so the log can name the session hit."""
        header = _header(self.headers, "Idempotency-Key")
        if header:
            return header
        query = parse_qs(urlsplit(self.target).query).get("idempotency_key")
        if query:
            return query[0]
        parts = self.path.strip("/").split("/")
        if len(parts) == 4 and parts[:2] == ["v1", "charges"] and parts[3] == "void":
            return unquote(parts[2])
        return None


def _header(headers: Headers, name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers if key.lower() == wanted), None)


def _parse_head(head: bytes) -> tuple[str, Headers]:
    # latin-1 maps every byte, so odd header bytes pass through rather than abort the relay.
    text = head.decode("latin-1")
    start_line, *lines = text.removesuffix("\r\n\r\n").split("\r\n")
    headers: Headers = []
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise BadMessage(f"malformed header line {line!r}")
        headers.append((name.strip(), value.strip()))
    return start_line, headers


def _content_length(headers: Headers) -> int | None:
    raw = _header(headers, "Content-Length")
    if raw is None:
        return None
    if not raw.isdigit():
        raise BadMessage(f"bad Content-Length {raw!r}")
    return int(raw)


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """Read one request, or None when the client closed without sending anything."""
    try:
        head = await reader.readuntil(_HEAD_END)
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            return None
        raise
    start_line, headers = _parse_head(head)
    parts = start_line.split(" ")
    if len(parts) != 3:
        raise BadMessage(f"malformed request line {start_line!r}")
    if _header(headers, "Transfer-Encoding") is not None:
        # Chunked bodies are out of scope; relaying them half-understood would desync the stream.
        raise BadMessage("Transfer-Encoding requests are not supported")
    body = await reader.readexactly(_content_length(headers) or 0)
    method, target, version = parts
    return Request(method, target, version, headers, body)


def _response_has_no_body(method: str, status: int) -> bool:
    # RFC 9112 §6.3: these never carry a body whatever Content-Length says.
    return method == "HEAD" or status in (204, 304) or 100 <= status < 200


async def read_response(reader: asyncio.StreamReader, method: str) -> bytes:
    """Read the upstream's whole reply: by Content-Length when given, else until EOF."""
    head = await reader.readuntil(_HEAD_END)
    status_line, headers = _parse_head(head)
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise BadMessage(f"malformed status line {status_line!r}")
    if _response_has_no_body(method, int(parts[1])):
        return head
    length = _content_length(headers)
    body = await reader.read() if length is None else await reader.readexactly(length)
    return head + body
