"""Two backend processes on one database completing payments at once still number their
invoices consecutively: every number once, none skipped (GST Rule 46)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.backend.api import CASH, OPERATOR_PIN, Api
from tests.backend.server_process import ServerProcess

# Per process, a few completions in flight at a time: many small write batches (one whole
# burst would be one batch per process, two transactions in all) that interleave across processes.
WORKERS = 3
IN_TURN = 10


@pytest.fixture
def two_backends(tmp_path: Path, database_url: str) -> Iterator[list[ServerProcess]]:
    ledger = f"sqlite:///{tmp_path / 'gateway.db'}"
    with ServerProcess(tmp_path, module="backend.gateway_sim", args=["--database-url", ledger]) as gateway:
        gateway.start()
        processes = []
        try:
            for name in ("a", "b"):
                (tmp_path / name).mkdir()
                process = ServerProcess(tmp_path / name, database_url=database_url,
                                        env={"SMARTCART_GATEWAY_URL": gateway.url, "SMARTCART_ADMIN_PIN": OPERATOR_PIN})
                processes.append(process)
                process.start()
            yield processes
        finally:
            for process in processes:
                process.kill()


async def _complete_in_turn(api: Api, session_ids: list[str], start: asyncio.Event) -> list[str]:
    await start.wait()
    numbers = []
    for session_id in session_ids:
        body = await api.ok("POST", f"/api/payments/session/{session_id}/complete", CASH)
        numbers.append(body["invoiceNumber"])
    return numbers


@pytest.mark.slow
async def test_two_processes_completing_at_once_number_every_invoice_once_without_gaps(two_backends):
    start = asyncio.Event()
    async with aiohttp.ClientSession() as http:
        apis = [Api(http, process.url) for process in two_backends]
        # Every session is open before the first completes.
        work = [(api, [await api.session() for _ in range(IN_TURN)]) for api in apis for _ in range(WORKERS)]
        racing = asyncio.gather(*(_complete_in_turn(api, ids, start) for api, ids in work))
        start.set()
        numbers = [n for worker in await racing for n in worker]
    years = {n.split("/")[1] for n in numbers}
    serials = sorted(int(n.rsplit("/", 1)[1]) for n in numbers)
    assert len(years) == 1 and all(n.startswith("SC/") for n in numbers)
    assert serials == list(range(1, 2 * WORKERS * IN_TURN + 1))
