"""The fault proxy seen from both ends: what an aiohttp client notices and what the gateway received."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator

import aiohttp
import pydantic
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from backend.faults import FaultConfig, FaultMode, FaultProxy, FaultRecord

SEEN = web.AppKey("seen", list[tuple[str, str, str | None]])
LATENCY_MS = 200


def _gateway_app() -> web.Application:
    """A stand-in gateway that remembers every request it actually received."""

    async def charge(request: web.Request) -> web.Response:
        await request.read()
        key = request.headers.get("Idempotency-Key")
        request.app[SEEN].append((request.method, request.path, key))
        return web.json_response({"id": "ch_1", "idempotencyKey": key})

    async def ok(request: web.Request) -> web.Response:
        request.app[SEEN].append((request.method, request.path, None))
        return web.json_response({"ok": True})

    app = web.Application()
    app[SEEN] = []
    app.router.add_post("/v1/charges", charge)
    app.router.add_get("/ok", ok)
    return app


@pytest.fixture
async def gateway(aiohttp_server) -> TestServer:  # type: ignore[no-untyped-def]
    return await aiohttp_server(_gateway_app(), host="127.0.0.1")


@pytest.fixture
async def proxy(gateway: TestServer) -> AsyncIterator[FaultProxy]:
    assert gateway.port is not None
    proxy = FaultProxy(gateway.host, gateway.port, rng=random.Random(7))
    await proxy.start()
    yield proxy
    await proxy.close()


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
        yield session


def seen(gateway: TestServer) -> list[tuple[str, str, str | None]]:
    return gateway.app[SEEN]


async def charge(client: aiohttp.ClientSession, proxy: FaultProxy, key: str = "key-1") -> aiohttp.ClientResponse:
    async with client.post(f"{proxy.url}/v1/charges", json={"amount": 500}, headers={"Idempotency-Key": key}) as resp:
        await resp.read()
        return resp


async def get_ok(client: aiohttp.ClientSession, proxy: FaultProxy) -> int:
    async with client.get(f"{proxy.url}/ok") as resp:
        await resp.read()
        return resp.status


async def test_none_relays_the_gateway_reply(proxy: FaultProxy, client: aiohttp.ClientSession, gateway: TestServer) -> None:
    resp = await charge(client, proxy, "key-none")

    assert resp.status == 200
    assert await resp.json() == {"id": "ch_1", "idempotencyKey": "key-none"}
    assert seen(gateway) == [("POST", "/v1/charges", "key-none")]
    assert proxy.log() == []


async def test_offline_refuses_then_relistens_on_the_same_port(
    proxy: FaultProxy, client: aiohttp.ClientSession, gateway: TestServer
) -> None:
    url = proxy.url
    await proxy.set_config(FaultConfig(mode=FaultMode.OFFLINE, rate=0.0))  # rate is ignored for offline

    with pytest.raises(aiohttp.ClientConnectorError):
        await charge(client, proxy)
    assert seen(gateway) == []

    await proxy.set_config(FaultConfig(mode=FaultMode.NONE))
    assert proxy.url == url
    assert await get_ok(client, proxy) == 200
    assert len(seen(gateway)) == 1


async def test_latency_delays_then_forwards(proxy: FaultProxy, client: aiohttp.ClientSession, gateway: TestServer) -> None:
    await proxy.set_config(FaultConfig(mode=FaultMode.LATENCY, latency_ms=LATENCY_MS))

    started = time.monotonic()
    status = await get_ok(client, proxy)
    elapsed = time.monotonic() - started

    assert status == 200
    # Small slack: the event loop may fire a timer up to its clock resolution early.
    assert elapsed >= LATENCY_MS / 1000 - 0.016
    assert len(seen(gateway)) == 1


async def test_timeout_never_answers(proxy: FaultProxy, client: aiohttp.ClientSession, gateway: TestServer) -> None:
    await proxy.set_config(FaultConfig(mode=FaultMode.TIMEOUT))

    with pytest.raises(TimeoutError):
        async with client.post(
            f"{proxy.url}/v1/charges", json={"amount": 500}, timeout=aiohttp.ClientTimeout(total=0.3)
        ):
            pass
    assert seen(gateway) == []


async def test_flaky_resets_without_forwarding(proxy: FaultProxy, client: aiohttp.ClientSession, gateway: TestServer) -> None:
    await proxy.set_config(FaultConfig(mode=FaultMode.FLAKY, rate=1.0))

    with pytest.raises(aiohttp.ClientError):
        await charge(client, proxy)
    assert seen(gateway) == []


async def test_http_error_answers_503_without_forwarding(
    proxy: FaultProxy, client: aiohttp.ClientSession, gateway: TestServer
) -> None:
    await proxy.set_config(FaultConfig(mode=FaultMode.HTTP_ERROR))

    resp = await charge(client, proxy)

    assert resp.status == 503
    assert resp.content_type == "application/json"
    assert (await resp.json())["code"] == "fault_injected"
    assert seen(gateway) == []


async def test_reply_lost_charges_but_client_never_learns(
    proxy: FaultProxy, client: aiohttp.ClientSession, gateway: TestServer
) -> None:
    await proxy.set_config(FaultConfig(mode=FaultMode.REPLY_LOST))

    with pytest.raises(aiohttp.ClientError):
        await charge(client, proxy, "key-lost")
    assert seen(gateway) == [("POST", "/v1/charges", "key-lost")]


async def test_rate_zero_passes_everything_through(
    proxy: FaultProxy, client: aiohttp.ClientSession, gateway: TestServer
) -> None:
    await proxy.set_config(FaultConfig(mode=FaultMode.FLAKY, rate=0.0))

    assert [await get_ok(client, proxy) for _ in range(3)] == [200, 200, 200]
    assert len(seen(gateway)) == 3
    assert proxy.log() == []


async def test_seeded_half_rate_hits_some_but_not_all(
    proxy: FaultProxy, client: aiohttp.ClientSession, gateway: TestServer
) -> None:
    await proxy.set_config(FaultConfig(mode=FaultMode.HTTP_ERROR, rate=0.5))

    statuses = [await get_ok(client, proxy) for _ in range(40)]

    hits = statuses.count(503)
    assert 0 < hits < 40
    assert statuses.count(200) == 40 - hits == len(seen(gateway))
    assert len(proxy.log()) == hits


async def test_log_records_mode_path_and_idempotency_key(proxy: FaultProxy, client: aiohttp.ClientSession) -> None:
    await proxy.set_config(FaultConfig(mode=FaultMode.HTTP_ERROR))

    async with client.post(f"{proxy.url}/v1/charges?x=1", json={}, headers={"idempotency-key": "key-log"}) as resp:
        assert resp.status == 503
    assert await get_ok(client, proxy) == 503

    first, second = proxy.log()
    assert (first.mode, first.method, first.path, first.idempotency_key) == (
        FaultMode.HTTP_ERROR, "POST", "/v1/charges", "key-log",
    )
    assert (second.method, second.path, second.idempotency_key) == ("GET", "/ok", None)
    assert first.at_ms <= second.at_ms
    assert "idempotencyKey" in first.model_dump(by_alias=True)


async def test_log_is_bounded_newest_last(gateway: TestServer, client: aiohttp.ClientSession) -> None:
    assert gateway.port is not None
    proxy = FaultProxy(gateway.host, gateway.port, log_size=2)
    await proxy.start()
    try:
        await proxy.set_config(FaultConfig(mode=FaultMode.HTTP_ERROR))
        for key in ("a", "b", "c"):
            await charge(client, proxy, key)
        assert [record.idempotency_key for record in proxy.log()] == ["b", "c"]
    finally:
        await proxy.close()


async def test_close_with_a_held_timeout_connection_leaves_nothing_pending(proxy: FaultProxy) -> None:
    before = asyncio.all_tasks()
    await proxy.set_config(FaultConfig(mode=FaultMode.TIMEOUT))
    reader, writer = await asyncio.open_connection(*_address(proxy))
    writer.write(b"POST /v1/charges HTTP/1.1\r\nHost: x\r\nIdempotency-Key: held\r\nContent-Length: 2\r\n\r\n{}")
    await writer.drain()
    # The proxy must stay silent; a bounded read proves the connection is being held.
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(reader.read(1), timeout=0.2)
    assert [record.idempotency_key for record in proxy.log()] == ["held"]

    await proxy.close()

    assert await reader.read() == b""
    assert asyncio.all_tasks() <= before
    writer.close()
    await writer.wait_closed()


def test_config_uses_camel_case_and_validates() -> None:
    config = FaultConfig.model_validate({"mode": "latency", "latencyMs": 50, "rate": 0.25})
    assert config == FaultConfig(mode=FaultMode.LATENCY, latency_ms=50, rate=0.25)
    assert config.model_dump(by_alias=True, mode="json") == {"mode": "latency", "rate": 0.25, "latencyMs": 50}
    for bad in ({"rate": 1.5}, {"rate": -0.1}, {"latencyMs": -1}, {"latencyMs": 600_001}, {"bogus": 1}, {"mode": "x"}):
        with pytest.raises(pydantic.ValidationError):
            FaultConfig.model_validate(bad)
    assert FaultRecord(at_ms=1, mode=FaultMode.FLAKY, method="GET", path="/", idempotency_key=None).idempotency_key is None


def _address(proxy: FaultProxy) -> tuple[str, int]:
    url = aiohttp.client.URL(proxy.url)
    assert url.host is not None and url.port is not None
    return url.host, url.port
