"""The Host check behind a reverse proxy: names without ports, forwarded headers believed only
from SMARTCART_TRUSTED_PROXIES, and request ids."""

from __future__ import annotations

import ipaddress
import json
import logging
import re

import pytest

from backend import logs
from backend.settings import Settings
from tests.backend.api import ADMIN_TOKEN, Api

pytestmark = pytest.mark.sqlite_only(reason="checks made before any database work; one database is enough")


def test_allowed_hosts_and_trusted_proxies_are_comma_lists(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SMARTCART_ALLOWED_HOSTS", "pay.example.com, Shop.Example:8443")
    monkeypatch.setenv("SMARTCART_TRUSTED_PROXIES", "127.0.0.1, 10.1.2.3/8,::1")
    settings = Settings()
    assert settings.allowed_hosts == ["pay.example.com", "Shop.Example:8443"]
    assert settings.trusted_proxies == [
        ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128")
    ]


def test_a_json_list_of_allowed_hosts_still_works(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SMARTCART_ALLOWED_HOSTS", '["pay.example.com", "b.example"]')
    assert Settings().allowed_hosts == ["pay.example.com", "b.example"]


async def products(api: Api, **headers: str) -> tuple[int, str | None]:
    reply = await api.call("GET", "/api/products", headers=headers)
    return reply.status, (reply.body or {}).get("code") if reply.status != 200 else None


@pytest.mark.parametrize("host", ["pay.example.com", "pay.example.com:443", "PAY.example.com:8080", "pay.example.com."])
async def test_an_allowed_name_is_accepted_on_any_port(start_app, host: str):
    api, _, _ = await start_app(allowed_hosts=["pay.example.com"])
    assert await products(api, Host=host) == (200, None)


@pytest.mark.parametrize("host", ["evil.example", "evil.example:443", "pay.example.com.evil.example", "example.com"])
async def test_other_names_are_refused(start_app, host: str):
    api, _, _ = await start_app(allowed_hosts=["pay.example.com:443"])
    assert await products(api, Host=host) == (400, "bad_host")


async def test_loopback_names_are_accepted_without_the_port(api: Api):
    for host in ("localhost", "127.0.0.1:1", "localhost:65535"):
        assert await products(api, Host=host) == (200, None)


async def test_forwarded_host_from_an_untrusted_peer_is_ignored(start_app):
    api, _, _ = await start_app(allowed_hosts=["pay.example.com"])
    # a client cannot talk its way past the Host check by claiming to be a proxy
    assert await products(api, Host="evil.example", **{"X-Forwarded-Host": "pay.example.com"}) == (400, "bad_host")
    # and what it claims does not make a good Host bad either
    assert await products(api, Host="pay.example.com", **{"X-Forwarded-Host": "evil.example"}) == (200, None)


async def test_a_trusted_proxy_forwards_the_host_the_client_asked_for(start_app):
    api, _, _ = await start_app(allowed_hosts=["pay.example.com"], trusted_proxies=["127.0.0.1"])
    # nginx's default: Host is the upstream's name, the client's is in X-Forwarded-Host
    assert await products(api, Host="backend", **{"X-Forwarded-Host": "pay.example.com:443"}) == (200, None)
    assert await products(api, Host="pay.example.com", **{"X-Forwarded-Host": "evil.example"}) == (400, "bad_host")
    assert await products(api, Host="backend", Forwarded='for=192.0.2.7;host="pay.example.com";proto=https') == (
        200, None)
    assert await products(api, Host="pay.example.com", Forwarded="for=192.0.2.7;host=evil.example") == (
        400, "bad_host")


def access_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "backend.access"]


async def test_the_access_log_names_the_client_a_trusted_proxy_forwarded(start_app, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO, logger="backend.access")
    api, _, _ = await start_app(access_log=True, trusted_proxies=["127.0.0.1", "10.0.0.0/8"])
    await api.call("GET", "/api/products", headers={"X-Forwarded-For": "203.0.113.9, 10.0.0.5", "X-Forwarded-Proto": "https"})
    # the left of an untrusted hop may be forged: the client is the first untrusted one from the right
    await api.call("GET", "/api/products", headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.9, 10.0.0.5"})
    await api.call("GET", "/api/products", headers={"Forwarded": 'for="[2001:db8::7]:4711";proto=https'})
    records = access_records(caplog)
    assert [(r.client, r.status) for r in records] == [  # type: ignore[attr-defined]
        ("203.0.113.9", 200), ("203.0.113.9", 200), ("2001:db8::7", 200)
    ]
    assert records[0].scheme == "https"  # type: ignore[attr-defined]


async def test_forwarded_for_from_an_untrusted_peer_is_not_the_client(start_app, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO, logger="backend.access")
    api, _, _ = await start_app(access_log=True)
    await api.call("GET", "/api/products", headers={"X-Forwarded-For": "203.0.113.9"})
    assert [r.client for r in access_records(caplog)] == ["127.0.0.1"]  # type: ignore[attr-defined]


async def test_no_access_log_unless_asked(api: Api, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO, logger="backend.access")
    await api.call("GET", "/api/products")
    assert access_records(caplog) == []


async def test_every_reply_carries_a_request_id(api: Api):
    ids = set()
    for path in ("/api/products", "/api/health", "/api/nowhere"):
        async with api.http.get(api.base + path, headers={"Authorization": f"Bearer {api.token}"}) as reply:
            assert re.fullmatch(r"[0-9a-f]{16}", reply.headers["X-Request-ID"]), path
            ids.add(reply.headers["X-Request-ID"])
    assert len(ids) == 3


async def test_replies_their_handlers_send_themselves_carry_a_request_id_too(api: Api):
    """A stream and an export are on the wire before the middleware sees their response."""
    session_id = await api.session()
    replies = [
        (f"/api/payments/session/{session_id}/stream", api.token),
        ("/api/payments/sessions/export?format=csv", ADMIN_TOKEN),
    ]
    for path, token in replies:
        async with api.http.get(api.base + path, headers={"Authorization": f"Bearer {token}"}) as reply:
            assert reply.status == 200, path
            assert re.fullmatch(r"[0-9a-f]{16}", reply.headers.get("X-Request-ID", "")), path


async def test_a_request_id_is_taken_only_from_a_trusted_proxy(start_app):
    for trusted, sent, echoed in [
        ([], "abc-123", False),
        (["127.0.0.1"], "abc-123", True),
        (["127.0.0.1"], "bad id \"with\" spaces", False),
        (["127.0.0.1"], "x" * 129, False),
    ]:
        api, _, _ = await start_app(trusted_proxies=trusted)
        async with api.http.get(api.base + "/api/health", headers={"X-Request-ID": sent}) as reply:
            assert (reply.headers["X-Request-ID"] == sent) is echoed, (trusted, sent)


def test_json_log_lines_carry_the_request_id_and_the_extra_fields():
    formatter = logs.JsonFormatter()
    record = logging.makeLogRecord({"name": "backend.access", "levelname": "INFO", "msg": "GET %s", "args": ("/x",),
                                    "client": "203.0.113.9"})
    token = logs.request_id.set("rid-1")
    try:
        logs.RequestIdFilter().filter(record)
    finally:
        logs.request_id.reset(token)
    line = json.loads(formatter.format(record))
    assert line["message"] == "GET /x"
    assert line["request_id"] == "rid-1"
    assert line["client"] == "203.0.113.9"
    assert line["logger"] == "backend.access"
