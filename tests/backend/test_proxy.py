"""The headless backend behind a real nginx (Debian's package) under a public host name: the
window's API client works through it, the backend logs the client nginx forwarded and nginx's
request id, and a name the backend does not serve is refused with its JSON error.

nginx runs unprivileged (as `nobody` when the tests run as root) on a free loopback port,
with its configuration, pid and temporary files in a directory of its own. NGINX_CONF below is
the configuration the README shows, with the ports and paths filled in."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from smartcart_desktop.api.client import ApiClient
from smartcart_desktop.api.payment_details import CardDetails
from tests.backend.api import KIOSK_TOKEN
from tests.backend.server_process import ServerProcess
from tests.ports import free_port

PUBLIC_HOST = "pay.example.com"
# The client connects from another loopback address than nginx uses towards the backend,
# so the forwarded client address in the backend's log is told apart from nginx's own.
CLIENT_ADDRESS = "127.0.0.3"

NGINX_CONF = """\
# -- test scaffolding: an unprivileged nginx with everything in its own directory
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    log_format smartcart '$remote_addr "$request" $status request_id=$request_id';
    access_log {dir}/access.log smartcart;
    # -- what the README shows starts here
    upstream smartcart {{
        server 127.0.0.1:{backend_port};
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        server_name {host};
        client_max_body_size 64k;

        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Request-ID $request_id;

        location / {{
            proxy_pass http://smartcart;
        }}
        # Server-sent events: every event reaches the window at once, and an open stream
        # outlives the default 60 s read timeout.
        location ~ ^/api/payments/session/[0-9a-f]+/stream$ {{
            proxy_pass http://smartcart;
            proxy_buffering off;
            proxy_cache off;
            proxy_read_timeout 1h;
        }}
    }}
}}
"""




class _PublicName(AbstractResolver):
    """pay.example.com → 127.0.0.1, as DNS would say for the real server (no /etc/hosts edit)."""

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        assert host == PUBLIC_HOST, host
        return [{"hostname": host, "host": "127.0.0.1", "port": port, "family": socket.AF_INET,
                 "proto": 0, "flags": socket.AI_NUMERICHOST}]

    async def close(self) -> None:
        pass


def _connector() -> aiohttp.TCPConnector:
    return aiohttp.TCPConnector(resolver=_PublicName(), local_addr=(CLIENT_ADDRESS, 0), force_close=True)


@contextlib.contextmanager
def nginx(backend_port: int) -> Iterator[int]:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(binary).exists(), "nginx is not installed (Debian: apt-get install nginx)"
    directory = Path(tempfile.mkdtemp(prefix="smartcart-nginx-"))
    command_prefix: list[str] = []
    if os.geteuid() == 0:  # unprivileged even when the tests run as root
        shutil.chown(directory, "nobody", "nogroup")
        command_prefix = ["runuser", "-u", "nobody", "--"]
    process = None
    try:
        for _ in range(5):  # another process may take the free port first: pick another
            port = free_port()
            conf = directory / "nginx.conf"
            conf.write_text(NGINX_CONF.format(dir=directory, port=port, backend_port=backend_port, host=PUBLIC_HOST))
            process = subprocess.Popen(
                [*command_prefix, binary, "-p", str(directory), "-c", str(conf), "-e", str(directory / "error.log"),
                 "-g", "daemon off;"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,  # it logs to error.log
            )
            if _wait_listening(port, process):
                break
            process.wait()
            process = None
        assert process is not None, (directory / "error.log").read_text(errors="replace")
        yield port
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


def _wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.02)
    return False


@contextlib.asynccontextmanager
async def window_client(base_url: str) -> AsyncIterator[ApiClient]:
    client = ApiClient(base_url, KIOSK_TOKEN)
    # The window's own client, with only its name resolution and source address pinned.
    client._http._http = aiohttp.ClientSession(connector=_connector(), timeout=aiohttp.ClientTimeout(total=10))
    try:
        yield client
    finally:
        await client.close()


def _json_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for line in text.splitlines():
        with contextlib.suppress(ValueError):
            lines.append(json.loads(line))
    return lines


@pytest.mark.slow
async def test_the_window_pays_through_nginx_under_a_public_name(tmp_path: Path):
    backend = ServerProcess(
        tmp_path,
        args=["--tester"],
        env={
            "SMARTCART_ALLOWED_HOSTS": PUBLIC_HOST,
            "SMARTCART_TRUSTED_PROXIES": "127.0.0.1",
            "SMARTCART_LOG_FORMAT": "json",
            "SMARTCART_ACCESS_LOG": "1",
            "SMARTCART_GATEWAY_DELAY_S": "0.02",
            "SMARTCART_RETRY_DELAY_S": "0.05",
        },
    )
    with backend:
        backend_port = int(backend.start().rsplit(":", 1)[1])
        with nginx(backend_port) as port:
            base = f"http://{PUBLIC_HOST}:{port}"
            async with window_client(base) as client:
                order = await client.create_order({"masala-chai": 2})
                created = await client.create_session(order.order_id)
                await client.pay(created.session_id, CardDetails("4242424242424242", "Asha Rao", "12/39", "123"))
                deadline = time.monotonic() + 15
                while (session := await client.session(created.session_id)).status != "COMPLETED":
                    assert time.monotonic() < deadline, session
                    await asyncio.sleep(0.05)

            async with aiohttp.ClientSession(connector=_connector()) as http:
                async with http.get(f"{base}/api/health") as reply:
                    assert reply.status == 200
                    request_id = reply.headers["X-Request-ID"]
                # nginx passes any Host on to the backend, which serves only its own names
                async with http.get(f"{base}/api/products", headers={"Host": "evil.example",
                                                                    "Authorization": f"Bearer {KIOSK_TOKEN}"}) as reply:
                    assert reply.status == 400
                    assert reply.content_type == "application/json"
                    assert (await reply.json())["code"] == "bad_host"

        backend.stop()
        access = [line for line in _json_lines(backend.log()) if line.get("logger") == "backend.access"]
        health = [line for line in access if line["path"] == "/api/health"]
        assert health, backend.log()[-3000:]
        # the client nginx forwarded, not nginx's own 127.0.0.1; nginx's request id, echoed to the client
        assert health[-1]["client"] == CLIENT_ADDRESS
        assert health[-1]["request_id"] == request_id
        assert len(request_id) == 32  # nginx's $request_id
        assert health[-1]["host"] == PUBLIC_HOST
        paid = [line for line in access if line["path"].endswith("/pay")]
        assert [(line["client"], line["status"]) for line in paid] == [(CLIENT_ADDRESS, 202)]
        refused = [line for line in access if line["status"] == 400]
        assert refused and refused[-1]["host"] == "evil.example"
