"""Server-sent events (text/event-stream) on aiohttp's own StreamResponse.

The format is four lines of the HTML standard: `id:`, `data:`, a comment line starting with
`:`, a blank line ending each event. A library (aiohttp-sse) would add a dependency for that
and take over the ping and the response's life, which the session stream decides itself.
"""

from __future__ import annotations

from aiohttp import web

from backend.http import request_id

_HEADERS = {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    # nginx buffers proxied responses unless told not to: events would arrive in clumps.
    "X-Accel-Buffering": "no",
}


class EventStream:
    def __init__(self, request: web.Request) -> None:
        self._request = request
        self.response = request_id.tag(web.StreamResponse(headers=_HEADERS))

    async def open(self) -> None:
        await self.response.prepare(self._request)

    async def send(self, data: bytes, *, event_id: str) -> None:
        """One event; `data` must be one line (compact JSON is)."""
        await self.response.write(b"id: " + event_id.encode() + b"\ndata: " + data + b"\n\n")

    async def comment(self, text: str) -> None:
        await self.response.write(b": " + text.encode() + b"\n\n")

    async def close(self) -> None:
        await self.response.write_eof()
