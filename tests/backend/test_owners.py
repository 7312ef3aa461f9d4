"""Every payment in flight has an owner: the backend instance that drives it. Only the owner
makes its attempts; another instance takes a payment over only once the owner is gone."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from backend.db.database import make_engine
from tests.backend.api import Api
from tests.backend.server_process import ServerProcess

# The writer's whole budget for a held lock: two tries of 0.1 s each.
IMPATIENT_WRITER = {"db_busy_timeout_s": 0.1, "db_retry_tries": 2, "db_retry_backoff_s": 0.01}
RECONCILE_PERIOD_S = 0.5


def _hold_write_lock(url: str, taken: threading.Event, seconds: float) -> None:
    engine = make_engine(url, pool_size=1, begin="BEGIN IMMEDIATE")
    try:
        with engine.connect() as conn, conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("LOCK TABLE payment_sessions IN EXCLUSIVE MODE")
            else:
                conn.exec_driver_sql("SELECT 1")  # BEGIN IMMEDIATE has taken SQLite's write lock
            taken.set()
            time.sleep(seconds)  # on its own thread: the server under test keeps running
    finally:
        engine.dispose()


async def test_charges_answered_while_the_database_is_locked_still_complete(start_app, database_url):
    api: Api
    api, _, _ = await start_app(
        **IMPATIENT_WRITER,
        gateway_delay_s=0.3,
        reconcile_min_s=RECONCILE_PERIOD_S,
        reconcile_max_s=RECONCILE_PERIOD_S,
    )
    session_ids = [await api.session() for _ in range(5)]
    for session_id in session_ids:
        assert (await api.pay(session_id)).status == 202

    # Locked from before the gateway answers until long after the writer gave up on it.
    taken = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(database_url, taken, 1.5))
    holder.start()
    await asyncio.to_thread(taken.wait)
    await asyncio.to_thread(holder.join)

    for session_id in session_ids:
        session = await api.wait_for(session_id, "COMPLETED", timeout=RECONCILE_PERIOD_S + 2)
        assert session["attempts"] == 1 and session["interruptions"] == 0


# ---- two processes on one database -----------------------------------------------------------

FLEET_TIMINGS = {
    "SMARTCART_RECONCILE_MIN_S": "0.1",
    "SMARTCART_RECONCILE_MAX_S": "0.2",
    "SMARTCART_RETRY_DELAY_S": "0.05",
    "SMARTCART_GATEWAY_TIMEOUT_S": "5",
}


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[ServerProcess]:
    """The simulator as a process of its own: it outlives every backend killed here."""
    ledger = f"sqlite:///{tmp_path / 'gateway.db'}"
    with ServerProcess(tmp_path, module="backend.gateway_sim", args=["--database-url", ledger, "--delay-ms", "1500"]) as process:
        process.start()
        yield process


@pytest.fixture
def backends(tmp_path: Path, database_url: str, gateway: ServerProcess) -> Iterator[Callable[..., ServerProcess]]:
    """Backend processes on one database, each with its own data directory (its own instance)."""
    started: list[ServerProcess] = []

    def backend(name: str, **env: str) -> ServerProcess:
        data_dir = tmp_path / name
        data_dir.mkdir()
        process = ServerProcess(data_dir, database_url=database_url)
        process.env.update({**FLEET_TIMINGS, "SMARTCART_GATEWAY_URL": gateway.url, **env})
        started.append(process)
        process.start()
        return process

    yield backend
    for process in started:
        process.kill()


async def _ledger(http: aiohttp.ClientSession, gateway: ServerProcess) -> list[dict[str, Any]]:
    async with http.get(gateway.url + "/v1/charges") as reply:
        charges: list[dict[str, Any]] = (await reply.json())["charges"]
        return charges


def _kinds_and_reasons(session: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["kind"], e["reason"]) for e in session["events"]]


@pytest.mark.slow
async def test_restarting_one_process_leaves_another_process_payment_alone(backends, gateway):
    a, b = backends("a"), backends("b")
    async with aiohttp.ClientSession() as http:
        kiosk_a = Api(http, a.url)
        session_id = await kiosk_a.session()
        assert (await kiosk_a.pay(session_id)).status == 202  # the gateway takes 1.5 s to answer

        b.stop()  # a clean shutdown: b interrupts its own payments only
        b.start()  # start-up recovery: b's own, and those of dead instances only
        b.kill()
        b.start()

        session = await kiosk_a.wait_for(session_id, "COMPLETED")
        assert session["interruptions"] == 0, _kinds_and_reasons(session)
        assert [c["status"] for c in await _ledger(http, gateway)] == ["succeeded"]


@pytest.mark.slow
async def test_a_process_killed_for_good_has_its_payment_settled_by_a_survivor(backends, gateway):
    lease = {"SMARTCART_INSTANCE_LEASE_S": "1"}
    a, b = backends("a", **lease), backends("b", **lease)
    async with aiohttp.ClientSession() as http:
        session_id = await Api(http, a.url).session()
        assert (await Api(http, a.url).pay(session_id)).status == 202
        a.kill()  # for good: its attempt is in flight at the gateway

        survivor = Api(http, b.url)
        session = await survivor.wait_until(
            session_id,
            lambda s: s["status"] != "PROCESSING" and not s["outcomeUnknown"],
            timeout=15,
            what="taken over and looked up",
        )
        assert ("interrupted", "CRASH_RECOVERED") in _kinds_and_reasons(session)
        charges = await _ledger(http, gateway)
        if session["status"] == "COMPLETED":
            assert [c["status"] for c in charges] == ["succeeded"]
        else:  # the charge never landed: nothing stands, and the customer may resume
            assert session["status"] == "INTERRUPTED" and session["canResume"]
            assert not [c for c in charges if c["status"] == "succeeded"]
