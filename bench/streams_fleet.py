"""1,000 open session streams on one fleet backend process (PostgreSQL): what they cost in memory,
and how soon each hears of its session's change.

    .venv/bin/python bench/streams_fleet.py [--streams 1000] [--rate 500]

A throwaway PostgreSQL cluster (fsync and synchronous commits on) and one backend process
(`python -m backend`, production settings). This process opens one stream per session and
then, as another process of the fleet would, commits one change per session (an operator's
cancel: INITIATED → CANCELLED) at `--rate` changes a second through its own Database, so each
change reaches the backend by PostgreSQL's NOTIFY. Measured:
- memory: the backend's RSS with all streams open (each has had its first event) minus its RSS
  before they were opened, after the same sessions were created and a few streams warmed up;
- delivery: from the moment this process's writer thread has committed a change (the commit
  hook's after_commit) to the moment this process has read the event off that stream. Both
  clocks are this process's time.monotonic.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.db import migrate  # noqa: E402
from backend.db.database import Database  # noqa: E402
from backend.db.sessions import changed, moves  # noqa: E402
from bench.session_creates import free_port, wait_port  # noqa: E402
from smartcart_contract.states import Status  # noqa: E402
from tests.pg_cluster import PgCluster  # noqa: E402

TOKEN = "bench-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
BAR_MEMORY_MB = 50.0
BAR_P99_MS = 100.0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def create_sessions(http: aiohttp.ClientSession, base: str, count: int) -> list[str]:
    async def one() -> str:
        body = {"items": [{"productId": "masala-chai", "quantity": 1}]}
        async with http.post(base + "/api/orders", json=body, headers=HEADERS) as reply:
            order = await reply.json()
        async with http.post(base + "/api/payments/session/create", json={"orderId": order["orderId"]},
                             headers=HEADERS) as reply:
            return str((await reply.json())["sessionId"])

    ids: list[str] = []
    for start in range(0, count, 50):
        ids += await asyncio.gather(*(one() for _ in range(min(50, count - start))))
    return ids


class Follower:
    """One open stream: the first event (the session as it is), then the time the change came."""

    def __init__(self, http: aiohttp.ClientSession, base: str, session_id: str) -> None:
        self.opened = asyncio.Event()
        self.changed_at: float | None = None
        self.task = asyncio.create_task(self._run(http, base, session_id))

    async def _run(self, http: aiohttp.ClientSession, base: str, session_id: str) -> None:
        timeout = aiohttp.ClientTimeout(total=None, sock_read=120)
        async with http.get(f"{base}/api/payments/session/{session_id}/stream", headers=HEADERS,
                            timeout=timeout) as stream:
            async for line in stream.content:
                if not line.startswith(b"data:"):
                    continue
                if not self.opened.is_set():
                    self.opened.set()
                    continue
                if json.loads(line[5:])["status"] == Status.CANCELLED:
                    self.changed_at = time.monotonic()


async def main(streams: int, rate: float) -> None:
    cluster = PgCluster.start(durable=True)
    url = cluster.url(cluster.create_database())
    migrate.upgrade(url)
    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SMARTCART_")},
            "SMARTCART_DATABASE_URL": url,
            "SMARTCART_DATA_DIR": data_dir,
            "SMARTCART_KIOSK_TOKEN": TOKEN,
            "SMARTCART_ADMIN_TOKEN": "bench-admin",
            "SMARTCART_HTTP_MAX_CONNECTIONS": str(streams + 200),
        }
        server = subprocess.Popen([sys.executable, "-m", "backend", "--port", str(port)], env=env, cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        db = Database(url)
        committed_at: dict[str, float] = {}

        def on_committed(ids: frozenset[str]) -> None:
            now = time.monotonic()
            for sid in ids:
                committed_at[sid] = now

        db.add_commit_hook(changed.ChangeFeed(on_committed))
        try:
            wait_port(port)
            base = f"http://127.0.0.1:{port}"
            connector = aiohttp.TCPConnector(limit=0)
            async with aiohttp.ClientSession(connector=connector) as http:
                ids = await create_sessions(http, base, streams)
                warm = [Follower(http, base, sid) for sid in ids[:20]]
                await asyncio.gather(*(f.opened.wait() for f in warm))
                for follower in warm:
                    follower.task.cancel()
                await asyncio.gather(*(f.task for f in warm), return_exceptions=True)
                await asyncio.sleep(1.0)
                before = rss_mb(server.pid)

                followers = {sid: Follower(http, base, sid) for sid in ids}
                await asyncio.wait_for(asyncio.gather(*(f.opened.wait() for f in followers.values())), 120)
                await asyncio.sleep(1.0)
                after = rss_mb(server.pid)

                now_ms = int(time.time() * 1000)
                writes = []
                for sid in ids:
                    writes.append(asyncio.ensure_future(db.write(_cancel(sid, now_ms))))
                    await asyncio.sleep(1 / rate)
                await asyncio.gather(*writes)
                await asyncio.wait_for(asyncio.gather(*(f.task for f in followers.values())), 60)
        finally:
            server.terminate()
            server.wait(30)
            db.close()
            cluster.stop()
    delays = [(followers[sid].changed_at or float("inf")) - committed_at[sid] for sid in ids]
    delays_ms = [d * 1000 for d in delays]
    cost = after - before
    p99 = percentile(delays_ms, 99)
    print(f"{streams} open streams on one backend process (PostgreSQL, durable):")
    print(f"  memory: RSS {before:.1f} MB -> {after:.1f} MB, +{cost:.1f} MB "
          f"({cost * 1024 / streams:.1f} KB a stream)   (bar: < {BAR_MEMORY_MB:.0f} MB: "
          f"{'ok' if cost < BAR_MEMORY_MB else 'OVER THE BAR'})")
    print(f"  update delivery, change committed by another process -> event at the client, "
          f"{rate:.0f} changes/s:")
    print(f"  p50 {statistics.median(delays_ms):.1f} ms   p99 {p99:.1f} ms   max {max(delays_ms):.1f} ms   "
          f"(bar: p99 < {BAR_P99_MS:.0f} ms: {'ok' if p99 < BAR_P99_MS else 'OVER THE BAR'})")


def _cancel(session_id: str, now_ms: int) -> Any:
    return lambda conn: moves.move(conn, session_id, to=Status.CANCELLED, from_={Status.INITIATED},
                                   now_ms=now_ms, kind="cancelled", reason="operator: bench")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=500, help="changes committed per second")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.streams, arguments.rate))
