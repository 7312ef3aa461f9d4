"""State change committed → its event at the client, through the session stream.

    .venv/bin/python bench/push_latency.py [--payments 200] [--postgresql]

The backend runs in this process as the kiosk embeds it (SQLite in a temporary directory, or
with --postgresql a throwaway PostgreSQL cluster), with production timings except the
simulator's processing time (20 ms, so that a run takes seconds). Each payment: open the
session's stream, pay, read events until COMPLETED. Two changes per payment are timed
(INITIATED→PROCESSING by the request, PROCESSING→COMPLETED by the engine): from the moment the
writer thread has committed the batch (the hub's `committed`, wrapped to take the time) to
the moment the client has parsed the event. Both clocks are time.monotonic
in one process. On PostgreSQL the event can arrive before the writer thread gets to take
that time (it waits for the interpreter lock after the commit): such a change counts as
0 ms or less, so the figure there is a bound on the delivery, not on the commit itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.app import create_app  # noqa: E402
from backend.payments.changes import SessionChanges  # noqa: E402
from backend.settings import Settings  # noqa: E402
from bench.kiosk_calls import KioskCalls  # noqa: E402

TOKEN = "bench-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
BAR_P99_MS = 50.0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def payment(http: aiohttp.ClientSession, base: str, commits: dict[str, list[float]]) -> list[float]:
    kiosk = KioskCalls(http, base, TOKEN)
    sid = await kiosk.open_session()
    # The session's creation is a change too (the sync outbox carries it): committed before the
    # stream opens, it is not one this payment times.
    commits.pop(sid, None)
    received: list[float] = []
    async with http.get(f"{base}/api/payments/session/{sid}/stream", headers=HEADERS) as stream:
        first = True
        async for line in stream.content:
            if not line.startswith(b"data:"):
                continue
            at = time.monotonic()
            status = json.loads(line[5:])["status"]
            if first:  # the session as it is: sent at once, not a change
                first = False
                await kiosk.pay_by_card(sid)
                continue
            received.append(at)
            if status == "COMPLETED":
                break
    # On PostgreSQL the NOTIFY can reach the client before the writer thread, back from the
    # commit, has taken its time (the interpreter lock): wait for it.
    for _ in range(100):
        if len(commits[sid]) == 2:
            break
        await asyncio.sleep(0.01)
    committed = commits.pop(sid)
    assert len(committed) == len(received) == 2, (committed, received)
    return [(r - c) * 1000 for r, c in zip(received, committed, strict=True)]


async def main(payments: int, postgresql: bool) -> None:
    cluster = None
    with tempfile.TemporaryDirectory() as data_dir:
        url = None
        if postgresql:
            from tests.pg_cluster import PgCluster

            cluster = PgCluster.start(durable=True)
            url = cluster.url(cluster.create_database())
        settings = Settings(
            data_dir=Path(data_dir), database_url=url, kiosk_token=TOKEN, admin_token="bench-admin",
            gateway_delay_s=0.02,
        )
        commits: dict[str, list[float]] = defaultdict(list)
        hub_committed = SessionChanges.committed

        def committed(hub: SessionChanges, session_ids: frozenset[str]) -> None:
            # Called on the writer thread the moment the batch is durable.
            now = time.monotonic()
            for sid in session_ids:
                commits[sid].append(now)
            hub_committed(hub, session_ids)

        SessionChanges.committed = committed  # type: ignore[method-assign]
        app = create_app(settings)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]

        latencies: list[float] = []
        try:
            async with aiohttp.ClientSession() as http:
                for _ in range(payments):
                    latencies += await payment(http, f"http://{host}:{port}", commits)
        finally:
            await runner.cleanup()
            if cluster is not None:
                cluster.stop()
    p50, p99 = statistics.median(latencies), percentile(latencies, 99)
    where = "PostgreSQL (durable)" if postgresql else "SQLite"
    verdict = "ok" if p99 < BAR_P99_MS else "OVER THE BAR"
    print(f"state change committed -> event at the client, {len(latencies)} changes, {where}:")
    print(f"  p50 {p50:.2f} ms   p99 {p99:.2f} ms   max {max(latencies):.2f} ms   "
          f"(bar: p99 < {BAR_P99_MS:.0f} ms: {verdict})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--payments", type=int, default=200)
    parser.add_argument("--postgresql", action="store_true")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.payments, arguments.postgresql))
