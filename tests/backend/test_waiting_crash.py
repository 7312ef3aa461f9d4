"""A UPI QR or terminal payment in flight when the backend is SIGKILLed is found again by its key
after the restart, waited on again, and settles exactly once.

The provider (the simulator, as its own process) outlives the kiosk, as a real one does.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from tests.backend.api import Api, eventually
from tests.backend.server_process import ServerProcess


async def opened_at(http: aiohttp.ClientSession, sim_url: str, method: str) -> bool:
    """Whether the provider holds a QR or terminal payment (the test's only one)."""
    kind = "upi_qr" if method == "upi_qr" else "terminal"
    async with http.get(sim_url + "/v1/_sim/waiting") as reply:
        return any(w["kind"] == kind for w in (await reply.json())["waiting"])


@pytest.fixture
def simulator(tmp_path: Path):
    sim_dir = tmp_path / "provider"
    sim_dir.mkdir()
    # The open of the QR takes a while at the provider: the kill lands while it is in flight.
    args = ["--database-url", f"sqlite:///{sim_dir / 'gateway.db'}", "--delay-ms", "300"]
    with ServerProcess(sim_dir, module="backend.gateway_sim", args=args) as process:
        process.start()
        yield process


@pytest.fixture
def kiosk(tmp_path: Path, database_url: str, simulator: ServerProcess):
    env = {"SMARTCART_GATEWAY_URL": simulator.url, "SMARTCART_PROVIDER_POLL_S": "0.02",
           "SMARTCART_RECONCILE_MIN_S": "0.05", "SMARTCART_RECONCILE_MAX_S": "0.2", "SMARTCART_ADMIN_PIN": "2468"}
    with ServerProcess(tmp_path / "kiosk", env=env, args=["--tester"], database_url=database_url) as process:
        yield process


@pytest.mark.slow
@pytest.mark.parametrize("method", ["upi_qr", "card_present"])
async def test_a_waiting_payment_survives_sigkill_and_settles_once(kiosk: ServerProcess, simulator: ServerProcess,
                                                                   method: str):
    kiosk.data_dir.mkdir(exist_ok=True)
    async with aiohttp.ClientSession() as http:
        api = Api(http, kiosk.start())
        session_id = await api.session()
        assert (await api.pay_by(session_id, method)).status == 202
        await eventually(lambda: opened_at(http, simulator.url, method), bool, what="the provider to open it")
        kiosk.kill()  # the provider has opened it; its reply is still on the way

        api = Api(http, kiosk.start())
        shown = "upiQr" if method == "upi_qr" else "terminal"
        session = await api.wait_until(session_id, lambda s: s[shown] is not None, timeout=20, what="waiting again")
        assert "CRASH_RECOVERED" in [e["reason"] for e in session["events"]]
        assert (await api.customer(session_id, "pay")).status == 200
        paid = await api.wait_for(session_id, "COMPLETED")

        async with http.get(simulator.url + "/v1/charges") as reply:
            ledger = (await reply.json())["charges"]
        key = next(c["idempotencyKey"] for c in ledger if c["id"] == paid["gatewayChargeId"])
        assert [c["status"] for c in ledger if c["idempotencyKey"] == key] == ["succeeded"]
        async with http.get(simulator.url + "/v1/upi_qr", params={"idempotency_key": key}) as reply:
            assert reply.status == (200 if method == "upi_qr" else 404)  # the one QR, opened once
        kiosk.stop()

