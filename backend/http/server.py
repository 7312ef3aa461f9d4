"""The one way the backend listens: bounded connections, JSON for every error, quiet logs.

Both the headless server (backend/__main__.py) and the kiosk's embedded one
(smartcart_desktop/app/startup.py) start through `make_runner` and `start_site`.

Why not aiohttp's TCPSite: it hands the listening socket to asyncio, whose accept loop, once
descriptors run out (EMFILE), logs a traceback and schedules a retry for *every* pending
connection of the backlog in the same tick, and again each second: 322,173 tracebacks in
62 s, with the loop too busy to answer the connections it already had. Here the accept loop
is ours (loop.sock_accept + loop.connect_accepted_socket): it takes one connection per loop
turn, answers a 503 to those over the cap, frees a reserved descriptor to turn one away
when there is none left, and reports all that once a period.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import os
import socket
import ssl
import time
from collections.abc import Callable
from typing import Any

from aiohttp import http_exceptions, web
from aiohttp.web_request import BaseRequest

from backend.http import exposure
from backend.http.parser_errors import malformed_http
from backend.settings import Settings

log = logging.getLogger(__name__)

_OUT_OF_DESCRIPTORS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


def handler_kwargs(settings: Settings) -> dict[str, Any]:
    """What every connection's aiohttp RequestHandler is built with."""
    return {
        # aiohttp arms this timer when the connection opens and after each response, and partial
        # bytes do not restart it: an idle connection and one trickling its headers both close.
        "keepalive_timeout": settings.http_keepalive_s,
        "access_log": None,
    }


def make_runner(app: web.Application, settings: Settings) -> web.AppRunner:
    # handler_cancellation stays off: a client hanging up must not cancel a payment half-way.
    return web.AppRunner(app, handle_signals=False, handler_cancellation=False, **handler_kwargs(settings))


async def start_site(
    runner: web.AppRunner, settings: Settings, *, sock: socket.socket | None = None
) -> GuardedSite:
    """Listen on settings.host:port, or on `sock` when the caller bound it beforehand (the
    kiosk window does, to send requests before the backend has started). Raises
    exposure.ExposureRefused for an exposure not allowed."""
    warnings = exposure.check(settings)
    site = GuardedSite(runner, settings, ssl_context=exposure.ssl_context(settings), sock=sock)
    await site.start()
    for warning in warnings:
        log.warning("%s", warning)
    return site


def connection_cap(settings: Settings) -> int:
    """The configured cap, lowered so connections alone cannot use up the descriptor limit."""
    try:
        import resource
    except ImportError:  # Windows: no RLIMIT_NOFILE
        return settings.http_max_connections
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return settings.http_max_connections
    return max(1, min(settings.http_max_connections, soft - settings.http_fd_headroom))


# ---------------------------------------------------------------- errors before any route


def _error_body(code: str, message: str) -> bytes:
    return json.dumps({"code": code, "message": message}).encode()


class JsonErrorRequestHandler(web.RequestHandler):
    """aiohttp's per-connection protocol, answering what never reaches a route (malformed HTTP,
    an error escaping the middleware) as `{"code", "message"}` JSON. aiohttp 3.14 has no
    supported hook for these (aio-libs/aiohttp#3287; 4.0 routes them through middleware)."""

    __slots__ = ()

    def log_exception(self, *args: Any, **kw: Any) -> None:
        # aiohttp reads what is left of a body after the response ("lingering"); a body that
        # would not decode fails there again, after it was already answered 400.
        exc = kw.get("exc_info")
        if isinstance(exc, web.RequestPayloadError | http_exceptions.HttpProcessingError | ConnectionError):
            log.debug("dropped a connection: %r", exc)
            return
        super().log_exception(*args, **kw)

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if status >= 500 and not isinstance(exc, ConnectionError):
            log.error("unhandled error outside the routes (%d)", status, exc_info=exc)
        else:
            # A malformed request is the client's fault, not the server's: no traceback at ERROR.
            log.debug("refused a request (%d): %r", status, exc)
        if request.writer.output_size > 0:
            # Part of a response is out already; there is no way to send another.
            raise ConnectionError("response already started, cannot send the error")
        if status >= 500:
            code, text = (
                ("timeout", "The server took too long to answer.")
                if status == 504
                else ("internal_error", "Something went wrong on the server.")
            )
        else:
            code, text = malformed_http(exc)
        response = web.Response(status=status, body=_error_body(code, text), content_type="application/json")
        response.force_close()
        return response


# ---------------------------------------------------------------- the listening side

_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
    b"Connection: close\r\nContent-Length: %d\r\n\r\n%s"
)
_BUSY_BODY = _error_body("server_busy", "The server has too many open connections; try again shortly.")
_BUSY_REPLY = _BUSY % (len(_BUSY_BODY), _BUSY_BODY)


def _turn_away(conn: socket.socket, *, tls: bool) -> None:
    """Answer 503 and close, without ever blocking (a fresh socket's send buffer is empty)."""
    with contextlib.suppress(OSError):
        conn.setblocking(False)
        if not tls:  # on a TLS port plain bytes would only confuse the client
            conn.send(_BUSY_REPLY)
            # FIN after the answer; unread request bytes would make close() send RST instead
            with contextlib.suppress(OSError):
                conn.recv(65536)
            conn.shutdown(socket.SHUT_WR)
    conn.close()


def _reserve_descriptor() -> int | None:
    try:
        return os.open(os.devnull, os.O_RDONLY)
    except OSError:
        return None


class _Shedding:
    """Reports refused connections in at most a few lines a period, however often the server
    flips between refusing and accepting (at the cap it does, one connection at a time): the
    start of a stretch of refusals, how many while it lasts, and its end, each only if no other
    line came within the period; what is not reported yet is counted into the next line."""

    def __init__(self, period_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._period_s = period_s
        self._clock = clock
        self._refusing = False
        self._announced = False  # the current stretch has had a line of its own
        self._unreported = 0
        self._reported_at: float | None = None

    def _may_report(self, now: float) -> bool:
        return self._reported_at is None or now - self._reported_at >= self._period_s

    def refused(self, why: str) -> None:
        self._unreported += 1
        now = self._clock()
        if not self._may_report(now):
            self._refusing = True
            return
        if self._refusing and self._announced and self._reported_at is not None:
            log.warning(
                "still refusing new connections (%s): %d refused in the last %.0f s",
                why, self._unreported, now - self._reported_at,
            )
        else:
            log.warning("refusing new connections (%s); open connections are still served", why)
        self._refusing, self._announced, self._reported_at, self._unreported = True, True, now, 0

    def accepted(self) -> None:
        if not self._refusing:
            return
        self._refusing = False
        if self._announced:
            log.warning("accepting new connections again; %d more were refused", self._unreported)
            self._announced, self._reported_at, self._unreported = False, self._clock(), 0


class _Listener(asyncio.AbstractServer):
    def __init__(
        self,
        sock: socket.socket,
        protocol_factory: Callable[[], asyncio.Protocol],
        open_connections: Callable[[], int],
        settings: Settings,
        ssl_context: ssl.SSLContext | None,
    ) -> None:
        self._sock = sock
        self._factory = protocol_factory
        self._open_connections = open_connections
        self._ssl = ssl_context
        self._handshake_timeout_s = settings.http_keepalive_s
        self._pause_s = settings.http_accept_pause_s
        self._cap = connection_cap(settings)
        self._shedding = _Shedding(settings.http_shed_log_period_s)
        self._connecting: set[asyncio.Task[Any]] = set()
        self._reserve = _reserve_descriptor()
        self._loop = asyncio.get_running_loop()
        self._task = self._loop.create_task(self._accept_loop(), name=f"accept {sock.getsockname()}")

    @property
    def sockets(self) -> tuple[socket.socket, ...]:
        return (self._sock,) if self._sock.fileno() != -1 else ()

    async def _accept_loop(self) -> None:
        try:
            while True:
                try:
                    conn, _ = self._sock.accept()
                except (BlockingIOError, InterruptedError):
                    await self._readable()
                    continue
                except OSError as exc:
                    if exc.errno in _OUT_OF_DESCRIPTORS:
                        await self._shed_without_descriptor()
                    else:  # ECONNABORTED and the like: that one connection is gone
                        log.debug("accept failed: %s", exc)
                        await asyncio.sleep(0)
                    continue
                if self._open_connections() + len(self._connecting) >= self._cap:
                    self._shedding.refused(f"the cap of {self._cap} open connections")
                    _turn_away(conn, tls=self._ssl is not None)
                else:
                    self._shedding.accepted()
                    self._connect(conn)
                # one connection per loop turn, even with a full backlog: open connections run too
                await asyncio.sleep(0)
        finally:
            for task in self._connecting:
                task.cancel()
            if self._reserve is not None:
                os.close(self._reserve)
                self._reserve = None
            self._sock.close()

    async def _readable(self) -> None:
        ready = self._loop.create_future()
        fd = self._sock.fileno()
        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        self._loop.add_reader(fd, wake)
        try:
            await ready
        finally:
            self._loop.remove_reader(fd)

    async def _shed_without_descriptor(self) -> None:
        """Free the reserved descriptor to accept and refuse one connection, so waiting clients
        get a 503 instead of hanging in the backlog. Linux fails accept() with EMFILE before it
        looks at the backlog, so an empty backlog shows only here: then wait for a connection."""
        if self._reserve is None:
            self._reserve = _reserve_descriptor()
        if self._reserve is None:
            await asyncio.sleep(self._pause_s)  # not even one descriptor: let the backlog wait
            return
        os.close(self._reserve)
        self._reserve = None
        try:
            conn, _ = self._sock.accept()
        except (BlockingIOError, InterruptedError):
            conn = None
        except OSError:
            # another thread took the freed descriptor
            self._reserve = _reserve_descriptor()
            await asyncio.sleep(self._pause_s)
            return
        if conn is not None:
            _turn_away(conn, tls=self._ssl is not None)
        self._reserve = _reserve_descriptor()
        if conn is None:
            await self._readable()
        else:
            self._shedding.refused("out of file descriptors")
            await asyncio.sleep(0)

    def _connect(self, conn: socket.socket) -> None:
        conn.setblocking(False)
        if self._ssl is None:
            connecting = self._loop.connect_accepted_socket(self._factory, conn)
        else:
            connecting = self._loop.connect_accepted_socket(
                self._factory, conn, ssl=self._ssl, ssl_handshake_timeout=self._handshake_timeout_s
            )
        task = self._loop.create_task(connecting)
        self._connecting.add(task)
        task.add_done_callback(self._connected)

    def _connected(self, task: asyncio.Task[Any]) -> None:
        self._connecting.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            # a failed or abandoned TLS handshake: the client's problem, and asyncio closed the socket
            log.debug("connection not established: %r", exc)

    def close(self) -> None:
        self._task.cancel()

    async def wait_closed(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    def get_loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def is_serving(self) -> bool:
        return not self._task.done()

    async def start_serving(self) -> None:
        return None

    async def serve_forever(self) -> None:
        await self.wait_closed()


def _listening_socket(host: str, port: int, backlog: int) -> socket.socket:
    # The first address the host resolves to, as the "ready on" line names one address.
    family, _, _, _, address = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.create_server(address[:2], family=family, backlog=backlog)
    sock.setblocking(False)
    return sock


class GuardedSite(web.BaseSite):
    """A TCP site (aiohttp's BaseSite, so runner.addresses and runner.cleanup() work) whose
    accept loop is the _Listener above."""

    __slots__ = ("_listener", "_settings", "_sock")

    def __init__(
        self,
        runner: web.AppRunner,
        settings: Settings,
        *,
        ssl_context: ssl.SSLContext | None = None,
        sock: socket.socket | None = None,
    ) -> None:
        super().__init__(runner, ssl_context=ssl_context)
        self._settings = settings
        self._sock = sock
        self._listener: _Listener | None = None

    @property
    def name(self) -> str:
        return self.url

    @property
    def url(self) -> str:
        scheme = "https" if self._ssl_context else "http"
        if self._listener is None or not self._listener.sockets:
            return f"{scheme}://{self._settings.host}:{self._settings.port}"
        host, port = self._listener.sockets[0].getsockname()[:2]
        return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None
        loop = asyncio.get_running_loop()
        kwargs = handler_kwargs(self._settings)

        def protocol() -> asyncio.Protocol:
            return JsonErrorRequestHandler(server, loop=loop, **kwargs)

        sock = self._sock or _listening_socket(self._settings.host, self._settings.port, self._backlog)
        sock.setblocking(False)
        self._listener = _Listener(sock, protocol, lambda: len(server.connections), self._settings, self._ssl_context)
        self._server = self._listener

    async def stop(self) -> None:
        await super().stop()
        if self._listener is not None:
            await self._listener.wait_closed()
