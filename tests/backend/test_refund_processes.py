"""Refunds with real backend processes: racing from two processes on one database, and a backend
killed (SIGKILL) while the gateway has the refund in hand. The simulator is a process of its own,
so its ledger outlives every backend and is the judge of what was refunded."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.backend.api import ADMIN_TOKEN, Api, eventually
from tests.backend.server_process import ServerProcess

TIMINGS = {
    "SMARTCART_TESTER": "1",
    "SMARTCART_RECONCILE_MIN_S": "0.1",
    "SMARTCART_RECONCILE_MAX_S": "0.2",
    "SMARTCART_RETRY_DELAY_S": "0.05",
    "SMARTCART_GATEWAY_TIMEOUT_S": "10",
}


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[ServerProcess]:
    ledger = f"sqlite:///{tmp_path / 'gateway.db'}"
    with ServerProcess(tmp_path, module="backend.gateway_sim",
                       args=["--database-url", ledger, "--delay-ms", "20"]) as process:
        process.start()
        yield process


@pytest.fixture
def backends(tmp_path: Path, database_url: str, gateway: ServerProcess) -> Iterator[Callable[[str], ServerProcess]]:
    made: list[ServerProcess] = []

    def backend(name: str) -> ServerProcess:
        data_dir = tmp_path / name
        data_dir.mkdir()
        process = ServerProcess(data_dir, database_url=database_url)
        process.env.update({**TIMINGS, "SMARTCART_GATEWAY_URL": gateway.url})
        made.append(process)
        return process

    yield backend
    for process in made:
        process.kill()


async def card_payment(kiosk: Api) -> dict[str, Any]:
    session_id = await kiosk.session()
    await kiosk.pay(session_id)
    return await kiosk.wait_for(session_id, "COMPLETED")


async def refund(admin: Api, session_id: str, amount: int, key: str | None = None) -> Any:
    return await admin.call("POST", f"/api/payments/session/{session_id}/refund",
                            {"amountMinor": amount, "reason": "not dispensed"},
                            headers={"Idempotency-Key": key or uuid.uuid4().hex})


async def refunded_at_gateway(http: aiohttp.ClientSession, gateway: ServerProcess, charge_id: str) -> list[int]:
    async with http.get(gateway.url + "/v1/refunds") as reply:
        return [r["amountMinor"] for r in (await reply.json())["refunds"] if r["chargeId"] == charge_id]


@pytest.mark.slow
async def test_refunds_racing_from_two_processes_never_exceed_the_payment(
    backends: Callable[[str], ServerProcess], gateway: ServerProcess
) -> None:
    one, two = backends("one"), backends("two")
    async with aiohttp.ClientSession() as http:
        admins = [Api(http, one.start(), token=ADMIN_TOKEN), Api(http, two.start(), token=ADMIN_TOKEN)]
        session = await card_payment(Api(http, one.url))
        share = session["amountMinor"] // 4 + 1  # four would be more than was paid
        replies = await asyncio.gather(
            *(refund(admins[i % 2], session["sessionId"], share) for i in range(12)))
        outcomes = sorted((r.status, r.body.get("status")) for r in replies)
        assert outcomes == [(200, "succeeded")] * 3 + [(409, "COMPLETED")] * 9, outcomes
        listed = await admins[1].ok("GET", f"/api/payments/session/{session['sessionId']}/refunds")
        assert [r["status"] for r in listed["refunds"]] == ["succeeded"] * 3
        at_gateway = await refunded_at_gateway(http, gateway, session["gatewayChargeId"])
        assert at_gateway == [share] * 3 and sum(at_gateway) <= session["amountMinor"]


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["latency", "reply_lost"])
async def test_a_backend_killed_between_the_refund_intent_and_the_answer_refunds_once(
    backends: Callable[[str], ServerProcess], gateway: ServerProcess, fault: str
) -> None:
    """latency: killed while the request waits on the link (the gateway has not seen it yet);
    reply_lost: the gateway refunded, the answer was lost, then the backend was killed."""
    server = backends("kiosk")
    async with aiohttp.ClientSession() as http:
        kiosk = Api(http, server.start())
        admin = Api(http, server.url, token=ADMIN_TOKEN)
        session = await card_payment(kiosk)
        await kiosk.faults(fault, latencyMs=60_000)
        asking = asyncio.create_task(refund(admin, session["sessionId"], 900, key="dialog-7"))
        listing = f"/api/payments/session/{session['sessionId']}/refunds"
        await eventually(lambda: admin.ok("GET", listing), lambda body: len(body["refunds"]) == 1,
                         what="the refund's intent recorded")
        if fault == "reply_lost":
            assert (await asking).body["status"] == "pending"
            assert await refunded_at_gateway(http, gateway, session["gatewayChargeId"]) == [900]
        server.kill()
        if fault == "latency":
            with pytest.raises(aiohttp.ClientError):
                await asking

        admin = Api(http, server.start(), token=ADMIN_TOKEN)  # its first pass finishes the refund
        listed = await eventually(lambda: admin.ok("GET", listing),
                                  lambda body: body["refunds"][0]["status"] == "succeeded",
                                  what="the pending refund finished after the restart")
        again = await refund(admin, session["sessionId"], 900, key="dialog-7")  # the window retrying
        assert (again.status, again.body["refundId"]) == (200, listed["refunds"][0]["refundId"])
        assert await refunded_at_gateway(http, gateway, session["gatewayChargeId"]) == [900]
        server.stop()
