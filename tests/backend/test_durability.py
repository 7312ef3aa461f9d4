"""A server killed with SIGKILL keeps every session it acknowledged."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import aiohttp
import pytest

from tests.backend.api import Api
from tests.backend.server_process import ServerProcess


async def _create_until_killed(api: Api, order_ids: list[int], server: ServerProcess) -> list[str]:
    acknowledged: list[str] = []

    async def create(order_id: int) -> None:
        with contextlib.suppress(aiohttp.ClientError):
            reply = await api.call("POST", "/api/payments/session/create", {"orderId": order_id})
            if reply.status == 201:
                acknowledged.append(reply.body["sessionId"])

    tasks = [asyncio.create_task(create(o)) for o in order_ids]
    # Kill in the middle of the burst, while commits are being written.
    while len(acknowledged) < 300:
        await asyncio.sleep(0.001)
    server.kill()
    await asyncio.gather(*tasks)
    return acknowledged


@pytest.fixture
def server(tmp_path: Path, database_url: str):
    with ServerProcess(tmp_path, database_url=database_url) as process:
        yield process


@pytest.mark.slow
async def test_every_acknowledged_session_survives_sigkill(server: ServerProcess):
    async with aiohttp.ClientSession() as http:
        api = Api(http, server.start())
        order_ids = list(await asyncio.gather(*(api.order() for _ in range(1000))))
        acknowledged = await _create_until_killed(api, order_ids, server)
        assert 300 <= len(acknowledged) < 1000, "the kill should land mid-burst"

        api = Api(http, server.start())
        sessions = await asyncio.gather(*(api.call("GET", f"/api/payments/session/{s}") for s in acknowledged))
        assert [r.status for r in sessions] == [200] * len(acknowledged)
        assert all(r.body["status"] == "INITIATED" for r in sessions)
        server.stop()


@pytest.mark.slow
async def test_a_payment_in_flight_at_sigkill_is_recovered_and_resumable(server: ServerProcess):
    server.env["SMARTCART_GATEWAY_DELAY_S"] = "5"
    async with aiohttp.ClientSession() as http:
        api = Api(http, server.start())
        session_id = await api.session()
        assert (await api.pay(session_id)).status == 202
        server.kill()  # the gateway (in-process) dies with it: nothing was charged

        api = Api(http, server.start())
        # the reconciler asks the gateway about the lost attempt: nothing was charged
        session = await api.wait_until(session_id, lambda s: not s["outcomeUnknown"])
        assert session["status"] == "INTERRUPTED"
        assert session["lastInterruptionReason"] == "CRASH_RECOVERED"
        assert session["canResume"] and session["needsPaymentDetails"]
        server.stop()
