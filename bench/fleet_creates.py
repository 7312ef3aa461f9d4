"""Durable session creates per second on SQLite (one process) and on PostgreSQL with one and
with three backend processes on one database, measured in one run.

    .venv/bin/python bench/fleet_creates.py [--seconds 10] [--connections 64]

Needs `wrk` (apt-get install wrk) and PostgreSQL's server binaries (apt-get install
postgresql). PostgreSQL runs a throwaway cluster with fsync on and synchronous_commit on, so
that an acknowledged create is as durable as SQLite's synchronous=FULL. With three processes
the connections are split between them, as a load balancer would; each wrk instance creates
the sessions of its own range of orders.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from backend.db import migrate  # noqa: E402
from backend.db.database import sync_url  # noqa: E402
from bench.session_creates import TOKEN, free_port, wait_port  # noqa: E402
from tests.pg_cluster import PgCluster  # noqa: E402

# wrk's Lua: each instance walks its own range of order ids.
WRK_SCRIPT = textwrap.dedent(
    """
    next_order = tonumber(os.getenv("FIRST_ORDER"))
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Authorization"] = "Bearer TOKEN"
    request = function()
      local body = '{"orderId": ' .. next_order .. '}'
      next_order = next_order + 1
      return wrk.format(nil, "/api/payments/session/create", nil, body)
    end
    """
).replace("TOKEN", TOKEN)


def prepare(url: str, orders: int) -> None:
    migrate.upgrade(url)
    engine = create_engine(sync_url(url))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO orders (id, status, currency, total_minor, created_at_ms) "
                "SELECT n, 'PENDING', 'INR', 8000, 0 FROM (WITH RECURSIVE c(n) AS "
                "(SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < :orders) SELECT n FROM c) AS numbers"
            ),
            {"orders": orders},
        )
    engine.dispose()


def count_sessions(url: str) -> int:
    engine = create_engine(sync_url(url))
    with engine.connect() as conn:
        count: int = conn.execute(text("SELECT count(*) FROM payment_sessions")).scalar_one()
    engine.dispose()
    return count


def measure(url: str, processes: int, args: argparse.Namespace, workdir: Path, script: Path) -> tuple[float, int, int]:
    """(creates/s, acknowledged, stored after SIGKILL of every process)."""
    prepare(url, args.orders)
    servers, ports = [], []
    for index in range(processes):
        data_dir = Path(tempfile.mkdtemp(prefix=f"backend-{processes}-{index}-", dir=workdir))
        port = free_port()
        env = {**os.environ, "SMARTCART_DATA_DIR": str(data_dir), "SMARTCART_DATABASE_URL": url,
               "SMARTCART_KIOSK_TOKEN": TOKEN, "SMARTCART_ADMIN_TOKEN": "bench-admin"}
        servers.append(subprocess.Popen([sys.executable, "-m", "backend", "--port", str(port)], cwd=ROOT,
                                        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        ports.append(port)
    try:
        for port in ports:
            wait_port(port)
        span = args.orders // processes
        runs = [
            subprocess.Popen(
                ["wrk", "-t1", f"-c{max(1, args.connections // processes)}", f"-d{args.seconds}s", "-s", str(script),
                 f"http://127.0.0.1:{port}/api/payments/session/create"],
                env={**os.environ, "FIRST_ORDER": str(1 + index * span)}, stdout=subprocess.PIPE, text=True,
            )
            for index, port in enumerate(ports)
        ]
        outputs = [run.communicate()[0] for run in runs]
        rate = sum(float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)) for out in outputs)  # type: ignore[union-attr]
        acknowledged = sum(
            int(re.search(r"(\d+) requests in", out).group(1)) for out in outputs  # type: ignore[union-attr]
        )
        for server in servers:  # no goodbye: what was acknowledged must already be durable
            server.send_signal(signal.SIGKILL)
            server.wait()
    finally:
        for server in servers:
            if server.poll() is None:
                server.kill()
    return rate, acknowledged, count_sessions(url)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--orders", type=int, default=300_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="smartcart-fleet-bench-"))
    script = workdir / "create.lua"
    script.write_text(WRK_SCRIPT)

    results = []
    results.append(("SQLite, 1 process", *measure(f"sqlite:///{workdir / 'kiosk.db'}", 1, args, workdir, script)))
    cluster = PgCluster.start(durable=True)
    try:
        for processes in (1, 3):
            url = cluster.url(cluster.create_database())
            name = f"PostgreSQL, {processes} process{'es' if processes > 1 else ''}"
            results.append((name, *measure(url, processes, args, workdir, script)))
    finally:
        cluster.stop()
    for name, rate, acknowledged, stored in results:
        print(f"{name:26s} {rate:8.0f} creates/s   {acknowledged} requests, {stored} sessions stored after SIGKILL")
    print(f"{args.connections} connections in all, {args.seconds} s, wrk -t1 per process; "
          "SQLite WAL synchronous=FULL, PostgreSQL fsync=on synchronous_commit=on")


if __name__ == "__main__":
    main()
