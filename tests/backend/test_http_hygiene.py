"""The HTTP server under abuse: malformed requests, clients that hang up or trickle, too many
connections, descriptors running out. Every answer is small `{"code", "message"}` JSON that
never repeats the input, the log stays quiet, and open connections keep being served.

Raw sockets against the real server (backend/http/server.py), in process or as a child process
under a low RLIMIT_NOFILE."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import resource
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from backend.app import create_app
from backend.http import server
from backend.http.endpoint import MAX_REPORTED_ERRORS
from tests.backend.api import ADMIN_TOKEN, KIOSK_TOKEN
from tests.backend.conftest import make_settings

MARK = b"SECRETMARK"


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    raw: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def parse_reply(raw: bytes) -> Reply:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", len(body)))
    return Reply(int(lines[0].split()[1]), headers, body[:length], raw)


async def read_reply(reader: asyncio.StreamReader, timeout: float = 5.0) -> Reply:
    """One response off a connection (keep-alive or not): head, then Content-Length bytes."""
    async with asyncio.timeout(timeout):
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))  # type: ignore[union-attr]
        body = await reader.readexactly(length)
    return parse_reply(head + body)


async def exchange(port: int, data: bytes, timeout: float = 5.0) -> Reply:
    """Send raw bytes, read until the server closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        async with asyncio.timeout(timeout):
            raw = await reader.read(-1)
    finally:
        writer.close()
    return parse_reply(raw)


async def wait_until(condition: Callable[[], bool], timeout: float = 5.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0.01)


@dataclass(frozen=True)
class Served:
    port: int
    url: str
    runner: web.AppRunner

    def open_connections(self) -> int:
        assert self.runner.server is not None
        return len(self.runner.server.connections)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"


@pytest.fixture
async def serve(tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[Served]]]:
    """The backend through the same make_runner/start_site as the real one, on 127.0.0.1."""
    runners: list[web.AppRunner] = []

    async def start(**overrides: Any) -> Served:
        settings = make_settings(tmp_path, None, **overrides)
        runner = server.make_runner(create_app(settings), settings)
        await runner.setup()
        runners.append(runner)
        site = await server.start_site(runner, settings)
        return Served(runner.addresses[0][1], site.url, runner)

    yield start
    for runner in runners:
        await runner.cleanup()


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]


# ---------------------------------------------------------------- item 6: JSON for every error

MALFORMED = {
    "header too long": b"GET /api/health HTTP/1.1\r\nHost: {host}\r\nX-Long: " + MARK * 1000 + b"\r\n\r\n",
    "request line too long": b"GET /" + MARK * 1000 + b" HTTP/1.1\r\nHost: {host}\r\n\r\n",
    "header without colon": b"GET /api/health HTTP/1.1\r\nHost: {host}\r\n" + MARK + b" no colon\r\n\r\n",
    "bad header character": b"GET /api/health HTTP/1.1\r\nHost: {host}\r\nX-A: " + MARK + b"\x01\r\n\r\n",
    "bad content-length": b"POST /api/orders HTTP/1.1\r\nHost: {host}\r\nContent-Length: " + MARK + b"\r\n\r\n",
    "negative content-length": b"POST /api/orders HTTP/1.1\r\nHost: {host}\r\nContent-Length: -1" + b"\r\nX: "
    + MARK + b"\r\n\r\n",
    "duplicate host": b"GET /api/health HTTP/1.1\r\nHost: {host}\r\nHost: " + MARK + b"\r\n\r\n",
    "bad method": MARK + b"\x01 /api/health HTTP/1.1\r\nHost: {host}\r\n\r\n",
    "bad version": b"GET /api/health HTTP/" + MARK + b"\r\nHost: {host}\r\n\r\n",
    "bad chunk size": b"POST /api/orders HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\n\r\n"
    + MARK + b"\r\n\r\n",
    "TLS hello on the HTTP port": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + MARK + b"\r\n\r\n",
}


@pytest.mark.parametrize("case", MALFORMED)
async def test_malformed_http_answers_small_json_without_the_input(
    case: str, serve: Callable[..., Awaitable[Served]], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    served = await serve()
    reply = await exchange(served.port, MALFORMED[case].replace(b"{host}", served.host.encode()))
    assert reply.status == 400, reply.raw[:300]
    assert reply.headers["content-type"].startswith("application/json"), reply.raw[:300]
    body = reply.json()
    assert isinstance(body["code"], str) and isinstance(body["message"], str), body
    assert MARK not in reply.raw
    assert len(reply.raw) < 1024
    assert errors_logged(caplog) == []


async def test_a_body_whose_framing_breaks_mid_way_ends_at_the_body_timeout_as_json(
    serve: Callable[..., Awaitable[Served]], caplog: pytest.LogCaptureFixture
) -> None:
    """The head is valid and the route is reading the body when the chunk framing breaks.
    aiohttp 3.14 queues that parser error behind the request instead of failing the body, so
    the route would wait for the rest for ever; the body timeout ends it."""
    caplog.set_level(logging.DEBUG)
    served = await serve(http_body_timeout_s=0.3)
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    writer.write(
        f"POST /api/orders HTTP/1.1\r\nHost: {served.host}\r\nAuthorization: Bearer {KIOSK_TOKEN}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n".encode()
    )
    async with asyncio.timeout(5):
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 100")
    writer.write(b"2\r\n{}\r\n" + MARK + b"\r\n\r\n")
    reply = await read_reply(reader, timeout=3)
    writer.close()
    assert reply.status == 408
    assert reply.headers["content-type"].startswith("application/json")
    assert reply.json()["code"] == "body_timeout"
    assert MARK not in reply.raw
    assert errors_logged(caplog) == []


async def test_a_client_hanging_up_mid_body_is_not_an_error(
    serve: Callable[..., Awaitable[Served]], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    served = await serve()
    for _ in range(3):
        reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
        # 100-continue: the route answers it when it starts reading, so the hang-up is mid-body.
        writer.write(
            f"POST /api/orders HTTP/1.1\r\nHost: {served.host}\r\nAuthorization: Bearer {KIOSK_TOKEN}\r\n"
            "Content-Type: application/json\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n".encode()
        )
        async with asyncio.timeout(5):
            assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 100")
        writer.write(b'{"items": [')
        await writer.drain()
        writer.close()
    await wait_until(
        lambda: sum("client left" in r.getMessage() for r in caplog.records) == 3, what="three hang-ups seen"
    )
    assert errors_logged(caplog) == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("backend")]


async def test_an_error_reply_stays_small_whatever_the_body(serve: Callable[..., Awaitable[Served]]) -> None:
    """64 KiB of unknown keys: thousands of validation errors, a reply of a few hundred bytes."""
    served = await serve()
    body: dict[str, Any] = {"items": [{"productId": "masala-chai", "quantity": 1}]}
    body["k" * 300] = MARK.decode()  # a long key is clipped too
    n = 0
    while len(json.dumps(body)) < 60_000:
        body[f"k{n:05d}"] = MARK.decode()
        n += 1
    raw_body = json.dumps(body).encode()
    assert len(raw_body) <= 64 * 1024
    async with aiohttp.ClientSession() as http, http.post(
        served.url + "/api/orders", data=raw_body,
        headers={"Authorization": f"Bearer {KIOSK_TOKEN}", "Content-Type": "application/json"},
    ) as response:
        reply = await response.read()
        status = response.status
    assert status == 400
    assert len(reply) < 2048, len(reply)
    assert MARK not in reply
    message = json.loads(reply)["message"]
    assert message.count("Extra inputs are not permitted") == MAX_REPORTED_ERRORS
    assert f"and {n + 1 - MAX_REPORTED_ERRORS} more errors" in message


# ---------------------------------------------------------------- item 2: timeouts


async def test_a_request_head_trickling_in_is_cut_off_at_the_keepalive_deadline(
    serve: Callable[..., Awaitable[Served]],
) -> None:
    served = await serve(http_keepalive_s=0.3)
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    started = time.monotonic()
    head = f"GET /api/health HTTP/1.1\r\nHost: {served.host}\r\nX-Slow: {'a' * 200}".encode()
    sent = 0
    with contextlib.suppress(ConnectionError):
        for byte in head:  # a byte every 20 ms: 4 s for the whole head, if the server waited
            if reader.at_eof():
                break
            writer.write(bytes([byte]))
            await writer.drain()
            sent += 1
            await asyncio.sleep(0.02)
    assert sent < len(head), "the server waited for the whole trickled head"
    assert time.monotonic() - started < 2.0
    writer.close()


async def test_an_idle_connection_is_closed_after_the_keepalive_timeout(
    serve: Callable[..., Awaitable[Served]],
) -> None:
    served = await serve(http_keepalive_s=0.3)
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    writer.write(f"GET /api/health HTTP/1.1\r\nHost: {served.host}\r\n\r\n".encode())
    assert (await read_reply(reader)).status == 200
    writer.write(f"GET /api/health HTTP/1.1\r\nHost: {served.host}\r\n\r\n".encode())
    assert (await read_reply(reader)).status == 200  # kept alive between requests
    started = time.monotonic()
    async with asyncio.timeout(3):
        assert await reader.read(-1) == b""
    assert 0.2 < time.monotonic() - started < 2.0
    writer.close()


async def test_a_body_trickling_in_times_out_with_json(
    serve: Callable[..., Awaitable[Served]], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    served = await serve(http_body_timeout_s=0.3)
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    writer.write(
        f"POST /api/orders HTTP/1.1\r\nHost: {served.host}\r\nAuthorization: Bearer {KIOSK_TOKEN}\r\n"
        "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{".encode()
    )
    reply = await read_reply(reader, timeout=3)
    assert reply.status == 408
    assert reply.json()["code"] == "body_timeout"
    writer.close()
    assert errors_logged(caplog) == []


# ---------------------------------------------------------------- item 2: shedding


def test_refusals_are_reported_once_a_period(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    shedding = server._Shedding(60.0, clock=lambda: now[0])
    caplog.set_level(logging.WARNING, logger="backend.http.server")
    for _ in range(10_000):
        now[0] += 0.01  # 100 s of refusals
        shedding.refused("out of file descriptors")
    shedding.accepted()
    shedding.accepted()
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 3, messages
    assert messages[0].startswith("refusing new connections")
    assert messages[1].startswith("still refusing new connections (out of file descriptors): ")
    assert messages[1].endswith(" refused in the last 60 s")
    assert messages[2].startswith("accepting new connections again; ")
    # every refusal is counted once: the first, those of the period, those after it
    counts = [int(n) for n in re.findall(r"(\d+) (?:more were )?refused", messages[1] + " " + messages[2])]
    assert 1 + sum(counts) == 10_000, counts


def test_flipping_at_the_cap_is_reported_a_few_lines_a_period(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    shedding = server._Shedding(60.0, clock=lambda: now[0])
    caplog.set_level(logging.WARNING, logger="backend.http.server")
    for _ in range(10_000):
        now[0] += 0.01  # 100 s of one refused, one accepted, ...
        shedding.refused("the cap")
        shedding.accepted()
    messages = [r.getMessage() for r in caplog.records]
    assert 2 <= len(messages) <= 4, messages  # two periods: at most a start and an end each


async def test_connections_over_the_cap_get_a_503_and_open_ones_are_still_served(
    serve: Callable[..., Awaitable[Served]], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    served = await serve(http_max_connections=5, http_fd_headroom=0)
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    request = f"GET /api/health HTTP/1.1\r\nHost: {served.host}\r\n\r\n".encode()
    writer.write(request)
    assert (await read_reply(reader)).status == 200
    idle = [await asyncio.open_connection("127.0.0.1", served.port) for _ in range(4)]
    await wait_until(lambda: served.open_connections() == 5, what="five open connections")
    for _ in range(3):
        refused = await exchange(served.port, b"", timeout=3)
        assert refused.status == 503
        assert refused.json()["code"] == "server_busy"
    writer.write(request)
    assert (await read_reply(reader)).status == 200
    for _, idle_writer in idle:
        idle_writer.close()
    await wait_until(lambda: served.open_connections() == 1, what="idle connections gone")
    assert (await exchange(served.port, request.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))).status == 200
    shed_lines = [r.getMessage() for r in caplog.records if "connections" in r.getMessage()]
    assert len(shed_lines) == 2, shed_lines  # started refusing, accepting again
    writer.close()


# ---------------------------------------------------------------- item 2: descriptors run out

_READY = re.compile(rb"ready on (http://127\.0\.0\.1:(\d+))")


@dataclass
class LimitedBackend:
    """`python -m backend` with RLIMIT_NOFILE lowered to `nofile` before it starts."""

    data_dir: Path
    nofile: int
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    port: int = 0

    def start(self) -> None:
        env = {
            **{k: v for k, v in os.environ.items() if not k.upper().startswith("SMARTCART_")},
            "SMARTCART_DATA_DIR": str(self.data_dir),
            "SMARTCART_KIOSK_TOKEN": KIOSK_TOKEN,
            "SMARTCART_ADMIN_TOKEN": ADMIN_TOKEN,
            **self.env,
        }
        nofile = self.nofile

        def lower_limit() -> None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        self.log_path = self.data_dir / "backend.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "backend", "--port", "0"],
                env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=lower_limit,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if match := _READY.search(self.log_path.read_bytes()):
                self.port = int(match.group(2))
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"backend did not start:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def limited_backend(tmp_path: Path) -> Iterator[Callable[..., LimitedBackend]]:
    started: list[LimitedBackend] = []

    def start(nofile: int, **env: str) -> LimitedBackend:
        backend = LimitedBackend(tmp_path, nofile, env)
        started.append(backend)
        backend.start()
        return backend

    yield start
    for backend in started:
        backend.stop()


def _get(port: int, *, keep_alive: bool = False) -> bytes:
    return (f"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            + ("" if keep_alive else "Connection: close\r\n") + "\r\n").encode()


def _flood(port: int, count: int) -> list[socket.socket]:
    return [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(count)]


def _refusal_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if "connections" in line and "WARNING" in line]


@pytest.mark.slow
async def test_1100_idle_connections_under_nofile_1024_do_not_take_the_server_down(
    limited_backend: Callable[..., LimitedBackend],
) -> None:
    """The issue's case, default settings: the cap (512, under the descriptor limit) turns the
    rest away with a 503; the open connection keeps its answers; closing the idle ones frees it."""
    backend = limited_backend(1024)
    port = backend.port
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(_get(port, keep_alive=True))
    assert (await read_reply(reader)).status == 200
    idle = await asyncio.to_thread(_flood, port, 1100)
    try:
        writer.write(_get(port, keep_alive=True))
        assert (await read_reply(reader, timeout=2)).status == 200
        refused = await exchange(port, b"", timeout=3)
        assert refused.status == 503 and refused.json()["code"] == "server_busy"
    finally:
        for sock in idle:
            sock.close()
    await _wait_for_status(port, 200, timeout=10)
    writer.write(_get(port, keep_alive=True))
    assert (await read_reply(reader, timeout=2)).status == 200
    writer.close()
    log = backend.log()
    assert "Traceback" not in log and "out of system resource" not in log, log[-3000:]
    assert len(_refusal_lines(log)) == 2, _refusal_lines(log)  # started refusing, accepting again
    assert "refusing new connections (the cap of 512 open connections)" in log


@pytest.mark.slow
async def test_out_of_descriptors_sheds_new_connections_and_recovers_when_idle_ones_time_out(
    limited_backend: Callable[..., LimitedBackend],
) -> None:
    """No cap to save it (cap above the limit): accept() itself fails with EMFILE. New connections
    get a 503 through the reserved descriptor, the open one is answered, the log has a few lines,
    and once the idle connections time out the server accepts again by itself."""
    backend = limited_backend(
        256, SMARTCART_HTTP_MAX_CONNECTIONS="100000", SMARTCART_HTTP_FD_HEADROOM="0", SMARTCART_HTTP_KEEPALIVE_S="4"
    )
    port = backend.port
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(_get(port, keep_alive=True))
    assert (await read_reply(reader)).status == 200
    idle = await asyncio.to_thread(_flood, port, 400)
    try:
        writer.write(_get(port, keep_alive=True))
        assert (await read_reply(reader, timeout=2)).status == 200
        for _ in range(3):
            refused = await exchange(port, b"", timeout=3)
            assert refused.status == 503 and refused.json()["code"] == "server_busy"
        assert "refusing new connections (out of file descriptors)" in backend.log()
        # the idle ones are not closed here: the server's keep-alive timeout must free them
        await _wait_for_status(port, 200, timeout=15)
    finally:
        for sock in idle:
            sock.close()
    writer.close()
    log = backend.log()
    assert "Traceback" not in log and "out of system resource" not in log, log[-3000:]
    assert len(_refusal_lines(log)) <= 3, _refusal_lines(log)
    assert len(log) < 20_000


async def _wait_for_status(port: int, status: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            reply = await exchange(port, _get(port), timeout=2)
        except (OSError, TimeoutError, IndexError, ValueError) as exc:
            last = exc
        else:
            if reply.status == status:
                return
            last = reply.status
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {status} within {timeout} s; last: {last!r}")


async def test_a_body_that_does_not_decompress_is_json_too(
    serve: Callable[..., Awaitable[Served]], caplog: pytest.LogCaptureFixture
) -> None:
    """Content-Encoding: gzip over bytes that are not gzip fails inside the route's body read."""
    caplog.set_level(logging.DEBUG)
    served = await serve()
    body = MARK * 10
    reply = await exchange(
        served.port,
        f"POST /api/orders HTTP/1.1\r\nHost: {served.host}\r\nAuthorization: Bearer {KIOSK_TOKEN}\r\n"
        f"Content-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n".encode() + body,
    )
    assert reply.status == 400, reply.raw[:300]
    assert reply.headers["content-type"].startswith("application/json")
    assert reply.json()["code"] == "bad_body_encoding"
    assert MARK not in reply.raw
    assert errors_logged(caplog) == []
