"""Who can reach the server: loopback unless asked otherwise, TLS from two settings, and every
widening refused without its own explicit option (backend/http/exposure.py)."""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import ssl
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from backend.app import create_app
from backend.http import exposure, server
from backend.settings import Settings
from tests.backend.api import ADMIN_TOKEN, KIOSK_TOKEN
from tests.backend.conftest import make_settings


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("LOCALHOST", True), ("0.0.0.0", False), ("::", False), ("", False), ("192.168.1.20", False),
     ("kiosk.local", False)],
)
def test_loopback_is_only_what_cannot_leave_the_machine(host: str, loopback: bool) -> None:
    assert exposure.is_loopback(host) is loopback


def _settings(**values: object) -> Settings:
    return Settings(**{"kiosk_token": "k", "admin_token": "a", **values})  # type: ignore[arg-type]


def test_loopback_needs_nothing_and_says_nothing() -> None:
    assert exposure.check(_settings(host="127.0.0.1", tester=True)) == []


@pytest.mark.parametrize(
    ("values", "option"),
    [
        ({"host": "0.0.0.0"}, "--allow-remote"),
        ({"host": ""}, "--allow-remote"),
        ({"host": "0.0.0.0", "allow_remote": True}, "--allow-plain-http"),
        ({"host": "0.0.0.0", "allow_remote": True, "allow_plain_http": True, "tester": True}, "--allow-remote-tester"),
    ],
)
def test_each_widening_needs_its_own_option(values: dict[str, object], option: str) -> None:
    with pytest.raises(exposure.ExposureRefused, match=re.escape(option)):
        exposure.check(_settings(**values))


def test_allowed_widenings_are_each_warned_about() -> None:
    warnings = exposure.check(
        _settings(host="0.0.0.0", allow_remote=True, allow_plain_http=True, tester=True, allow_remote_tester=True)
    )
    assert len(warnings) == 3
    assert any("PLAIN HTTP" in w for w in warnings)
    assert any("tester routes" in w for w in warnings)


def test_a_certificate_without_its_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(exposure.ExposureRefused, match="both a certificate"):
        exposure.check(_settings(tls_cert_file=tmp_path / "cert.pem"))


# ---------------------------------------------------------------- TLS


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture
def certificate(tmp_path: Path) -> Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "smartcart test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    paths = Certificate(tmp_path / "cert.pem", tmp_path / "key.pem")
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


@pytest.fixture
async def https_server(tmp_path: Path, certificate: Certificate) -> AsyncIterator[str]:
    settings = make_settings(tmp_path, None, tls_cert_file=certificate.cert, tls_key_file=certificate.key)
    runner = server.make_runner(create_app(settings), settings)
    await runner.setup()
    try:
        site = await server.start_site(runner, settings)
        yield site.url
    finally:
        await runner.cleanup()


async def test_with_a_certificate_and_key_the_server_speaks_https(https_server: str, certificate: Certificate) -> None:
    assert https_server.startswith("https://127.0.0.1:")
    async with aiohttp.ClientSession() as http:
        async with http.get(https_server + "/api/config", headers={"Authorization": f"Bearer {KIOSK_TOKEN}"},
                            ssl=certificate.client_context()) as response:
            assert response.status == 200
            assert "gatewayTimeoutS" in await response.json()
        # and nothing in clear: a plain HTTP request on the same port gets no answer
        with pytest.raises(aiohttp.ClientError):
            async with http.get(https_server.replace("https://", "http://") + "/api/health") as response:
                await response.read()


async def test_a_client_that_does_not_trust_the_certificate_is_refused(https_server: str) -> None:
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            async with http.get(https_server + "/api/health") as response:
                await response.read()


# ---------------------------------------------------------------- the command line

_READY = re.compile(rb"ready on (https?)://([^\s:]+):(\d+)")


def _env(data_dir: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.upper().startswith("SMARTCART_")},
        "SMARTCART_DATA_DIR": str(data_dir),
        "SMARTCART_KIOSK_TOKEN": KIOSK_TOKEN,
        "SMARTCART_ADMIN_TOKEN": ADMIN_TOKEN,
    }


def _refused(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backend", "--port", "0", *args],
        env=_env(data_dir), capture_output=True, text=True, timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--host", "0.0.0.0"], "--allow-remote"),
        (["--host", "0.0.0.0", "--allow-remote"], "--allow-plain-http"),
        (["--host", "0.0.0.0", "--allow-remote", "--allow-plain-http", "--tester"], "--allow-remote-tester"),
        (["--host", "0.0.0.0", "--allow-remote", "--tls-cert", "cert.pem"], "both a certificate"),
    ],
)
def test_the_cli_refuses_a_wider_exposure_than_it_was_given(tmp_path: Path, args: list[str], option: str) -> None:
    result = _refused(tmp_path, *args)
    assert result.returncode == 2, result.stderr
    assert option in result.stderr
    assert "Traceback" not in result.stderr
    # refused before anything started: no database, no gateway simulator
    assert not (tmp_path / "kiosk.db").exists()


@dataclass
class Cli:
    process: subprocess.Popen[bytes]
    log_path: Path
    scheme: str = ""
    host: str = ""
    port: int = 0

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[list[Cli]]:
    started: list[Cli] = []
    yield started
    for backend in started:
        if backend.process.poll() is None:
            backend.process.kill()
            backend.process.wait()


def _start(cli: list[Cli], data_dir: Path, *args: str) -> Cli:
    log_path = data_dir / "backend.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "backend", "--port", "0", *args],
                                   env=_env(data_dir), stdout=log, stderr=subprocess.STDOUT)
    backend = Cli(process, log_path)
    cli.append(backend)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if match := _READY.search(log_path.read_bytes()):
            backend.scheme, backend.host, backend.port = match[1].decode(), match[2].decode(), int(match[3])
            return backend
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError(f"backend did not start:\n{backend.log()}")


@pytest.mark.slow
async def test_the_cli_serves_every_interface_in_plain_http_only_when_told_and_says_so(
    tmp_path: Path, cli: list[Cli]
) -> None:
    backend = _start(cli, tmp_path, "--host", "0.0.0.0", "--allow-remote", "--allow-plain-http")
    assert (backend.scheme, backend.host) == ("http", "0.0.0.0")
    log = backend.log()
    assert "WARNING backend.http.server: serving 0.0.0.0, not only this machine" in log
    assert "WARNING backend.http.server: PLAIN HTTP on 0.0.0.0" in log
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{backend.port}/api/health") as response:
        assert response.status == 200


@pytest.mark.slow
async def test_the_cli_serves_https_from_a_certificate_and_key(
    tmp_path: Path, cli: list[Cli], certificate: Certificate
) -> None:
    backend = _start(cli, tmp_path, "--host", "0.0.0.0", "--allow-remote",
                     "--tls-cert", str(certificate.cert), "--tls-key", str(certificate.key))
    assert (backend.scheme, backend.host) == ("https", "0.0.0.0")
    assert "PLAIN HTTP" not in backend.log()
    async with aiohttp.ClientSession() as http, http.get(
        f"https://127.0.0.1:{backend.port}/api/config", headers={"Authorization": f"Bearer {KIOSK_TOKEN}"},
        ssl=certificate.client_context(),
    ) as response:
        assert response.status == 200


def test_the_embedded_server_stays_on_loopback_whatever_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The kiosk window's own backend pins 127.0.0.1, so SMARTCART_HOST cannot widen it."""
    from smartcart_desktop.app.options import LaunchOptions
    from smartcart_desktop.app.startup import embedded_settings

    monkeypatch.setenv("SMARTCART_HOST", "0.0.0.0")
    monkeypatch.setenv("SMARTCART_ALLOW_REMOTE", "1")
    assert embedded_settings(LaunchOptions()).host == "127.0.0.1"



