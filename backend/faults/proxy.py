"""A loopback TCP proxy that injects network faults between an HTTP client and the gateway
(or, in tester mode with sync, between the kiosk's sync forwarder and the fleet server).

Faults are real socket behaviour (refused connects, resets, silence) so the client's own
error handling is what gets exercised, not a flag checked in Python.

Scope of the HTTP handling is deliberately narrow: one request per connection
(the client uses `TCPConnector(force_close=True)`), `Content-Length` request bodies, and
a forwarded request that carries `Connection: close` so the upstream ends the exchange.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import socket
import struct
import sys
import time
from collections import deque
from dataclasses import dataclass

from backend.faults.http_parse import BadMessage, Request, read_request, read_response
from backend.faults.model import FaultConfig, FaultMode, FaultRecord

_logger = logging.getLogger(__name__)

_READ_CHUNK = 64 * 1024
# Hop-by-hop headers we replace: the upstream must close after one reply so EOF bounds it.
_HOP_HEADERS = frozenset({"connection", "keep-alive", "proxy-connection"})
_PER_REQUEST_FAULTS = frozenset(
    {FaultMode.LATENCY, FaultMode.TIMEOUT, FaultMode.FLAKY, FaultMode.HTTP_ERROR, FaultMode.REPLY_LOST}
)


@dataclass(eq=False)  # identity hashing: kept in a set
class _Connection:
    """One accepted client connection, kept so close() can abort it and await its task."""

    task: asyncio.Task[None]
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None

    def abort(self) -> None:
        self.client.transport.abort()
        if self.upstream is not None:
            self.upstream.transport.abort()


def _encode_upstream_request(request: Request) -> bytes:
    kept = [(k, v) for k, v in request.headers if k.lower() not in _HOP_HEADERS]
    lines = [f"{request.method} {request.target} {request.version}"]
    lines += [f"{k}: {v}" for k, v in kept]
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + request.body


def _fault_response(upstream_name: str) -> bytes:
    body = json.dumps(
        {"code": "fault_injected", "message": f"{upstream_name} unavailable (fault injected by tester)"}
    ).encode()
    head = (
        "HTTP/1.1 503 Service Unavailable\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


def _reset(writer: asyncio.StreamWriter) -> None:
    """Drop the connection with an RST, as a broken network path would, instead of a clean FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        # SO_LINGER{on, 0s} makes close() send RST; Windows' struct linger is two u_shorts.
        linger = struct.pack("hh" if sys.platform == "win32" else "ii", 1, 0)
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
    writer.transport.abort()


async def _close_quietly(writer: asyncio.StreamWriter) -> None:
    if not writer.is_closing():
        writer.close()
    # The peer may already have reset us; that is the expected end of many faults, not an error.
    with contextlib.suppress(Exception):
        await writer.wait_closed()


class FaultProxy:
    """Forwards HTTP from loopback to its upstream (the gateway, or the fleet server), injecting
    the configured fault.

    Upstream failures (gateway down, reply cut) are passed on as a reset of the client
    connection, never as a synthesized HTTP error: only `http_error` invents a reply.
    """

    def __init__(
        self,
        upstream_host: str,
        upstream_port: int,
        *,
        log_size: int = 500,
        rng: random.Random | None = None,
        upstream_name: str = "gateway",
    ) -> None:
        self._upstream = (upstream_host, upstream_port)
        # Named in the invented 503, so a client's error says which link the tester cut.
        self._upstream_name = upstream_name
        self._rng = rng if rng is not None else random.Random()
        self._log: deque[FaultRecord] = deque(maxlen=log_size)
        self._config = FaultConfig()
        self._server: asyncio.Server | None = None
        self._address: tuple[str, int] | None = None
        self._connections: set[_Connection] = set()
        # Serialises listener transitions so two quick toggles cannot both bind the port.
        self._lock = asyncio.Lock()
        self._closed = False

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        """Bind and listen; returns the bound address (the port is kept for re-listening)."""
        if self._address is not None or self._closed:
            raise RuntimeError("FaultProxy.start() may be called once, before close()")
        async with self._lock:
            server = await self._listen(host, port)
            bound_host, bound_port = server.sockets[0].getsockname()[:2]
            self._address = (bound_host, bound_port)
            self._server = server
            if self._config.mode is FaultMode.OFFLINE:
                self._stop_listening()
        return self._address

    @property
    def url(self) -> str:
        if self._address is None:
            raise RuntimeError("FaultProxy is not started")
        host, port = self._address
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    @property
    def config(self) -> FaultConfig:
        return self._config

    async def set_config(self, config: FaultConfig) -> None:
        """Apply at once to new connections and to requests not yet read; in-flight ones finish as they were."""
        async with self._lock:
            if self._address is not None and not self._closed:
                await self._apply_listening(config.mode is not FaultMode.OFFLINE)
            self._config = config

    def log(self) -> list[FaultRecord]:
        return list(self._log)

    async def close(self) -> None:
        async with self._lock:
            self._closed = True
            server, self._server = self._server, None
            if server is not None:
                server.close()
        await self._abort_connections()
        if server is not None:
            # On 3.12+ this also waits for connections accepted but not yet handed to us.
            await server.wait_closed()
            await self._abort_connections()

    # -- listener -------------------------------------------------------------

    async def _listen(self, host: str, port: int) -> asyncio.Server:
        # SO_REUSEADDR lets leaving `offline` rebind the same port despite TIME_WAIT sockets.
        return await asyncio.start_server(self._handle, host, port, reuse_address=True)

    async def _apply_listening(self, listening: bool) -> None:
        assert self._address is not None
        if listening and self._server is None:
            self._server = await self._listen(*self._address)
        elif not listening and self._server is not None:
            self._stop_listening()

    def _stop_listening(self) -> None:
        """Close the listening socket so connects get ECONNREFUSED.

        No wait_closed(): on 3.12+ it waits for in-flight connections, which offline leaves alone.
        """
        assert self._server is not None
        self._server.close()
        self._server = None

    async def _abort_connections(self) -> None:
        while self._connections:
            pending = list(self._connections)
            for conn in pending:
                conn.abort()
                conn.task.cancel()
            await asyncio.gather(*(conn.task for conn in pending), return_exceptions=True)

    # -- per connection -------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        conn = _Connection(task=task, client=writer)
        self._connections.add(conn)
        try:
            if self._closed:
                _reset(writer)
                return
            await self._serve(conn, reader)
        except asyncio.CancelledError:
            # close() cancels held connections. Ending the task normally, instead of
            # re-raising, keeps Python 3.11's stream protocol from logging the cancellation
            # as an "exception in callback" (fixed in 3.12).
            _reset(writer)
        except (OSError, EOFError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, BadMessage) as exc:
            _logger.debug("fault proxy connection dropped: %r", exc)
            _reset(writer)
        except Exception:
            _logger.exception("fault proxy connection failed")
            _reset(writer)
        finally:
            self._connections.discard(conn)
            await _close_quietly(writer)

    async def _serve(self, conn: _Connection, reader: asyncio.StreamReader) -> None:
        request = await read_request(reader)
        if request is None:
            return
        # Snapshot once: a toggle mid-request must not mix two modes on one request.
        config = self._config
        mode = config.mode if self._hits(config) else FaultMode.NONE
        if mode is not FaultMode.NONE:
            self._record(mode, request)
        await self._apply(mode, config, conn, reader, request)

    def _hits(self, config: FaultConfig) -> bool:
        if config.mode not in _PER_REQUEST_FAULTS:
            return False
        return self._rng.random() < config.rate

    def _record(self, mode: FaultMode, request: Request) -> None:
        self._log.append(
            FaultRecord(
                at_ms=int(time.time() * 1000),
                mode=mode,
                method=request.method,
                path=request.path,
                idempotency_key=request.idempotency_key,
            )
        )

    async def _apply(
        self,
        mode: FaultMode,
        config: FaultConfig,
        conn: _Connection,
        reader: asyncio.StreamReader,
        request: Request,
    ) -> None:
        if mode is FaultMode.TIMEOUT:
            await _hold_until_client_leaves(reader)
        elif mode is FaultMode.FLAKY:
            _reset(conn.client)
        elif mode is FaultMode.HTTP_ERROR:
            await _send(conn.client, _fault_response(self._upstream_name))
        elif mode is FaultMode.REPLY_LOST:
            await self._forward(conn, request)
            _reset(conn.client)
        else:
            if mode is FaultMode.LATENCY:
                await asyncio.sleep(config.latency_ms / 1000)
            await _send(conn.client, await self._forward(conn, request))

    async def _forward(self, conn: _Connection, request: Request) -> bytes:
        reader, writer = await asyncio.open_connection(*self._upstream)
        conn.upstream = writer
        try:
            writer.write(_encode_upstream_request(request))
            await writer.drain()
            return await read_response(reader, request.method)
        finally:
            conn.upstream = None
            await _close_quietly(writer)


async def _hold_until_client_leaves(reader: asyncio.StreamReader) -> None:
    # Reading (not just sleeping) notices the client's FIN/RST, so the task ends when it gives up.
    while await reader.read(_READ_CHUNK):
        pass


async def _send(writer: asyncio.StreamWriter, data: bytes) -> None:
    writer.write(data)
    await writer.drain()
