"""Durable session creates per second against the headless server, next to the seed-era
in-memory service and a bare aiohttp JSON endpoint measured in the same run, and proof that
every acknowledged create survived a SIGKILL of the server.

    .venv/bin/python bench/session_creates.py [--seconds 10] [--connections 64] [--rounds 3]

Needs `wrk` (apt-get install wrk), `node` and the seed's Express (`npm ci --prefix bench`: the
seed service, bench/seed_service.js, falls back to Node's bare http module without it). Each
request creates the session of a new order; the orders are inserted beforehand so only
session creates are measured. Bar from issue 16: durable creates/s >= the seed service's.
Also printed: the durable server's CPU time per create on its event loop and on its writer
thread, next to the wall time per create; when they add up to it, the two ran in turn.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.db import migrate  # noqa: E402

TOKEN = "bench-kiosk-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


WRK_SCRIPT = textwrap.dedent(
    """
    local threads = {}
    setup = function(thread) table.insert(threads, thread) end
    next_order = 1
    created, other = 0, 0
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Authorization"] = "Bearer %s"
    request = function()
      local body = '{"orderId": ' .. next_order .. '}'
      next_order = next_order + 1
      return wrk.format(nil, "/api/payments/session/create", nil, body)
    end
    response = function(status, headers, body)
      if status == 201 then created = created + 1 else other = other + 1 end
    end
    done = function(summary, latency, requests)
      local ok, bad = 0, 0
      for _, thread in ipairs(threads) do
        ok = ok + thread:get("created")
        bad = bad + thread:get("other")
      end
      io.write(string.format("acknowledged %%d other %%d\\n", ok, bad))
    end
    """  # noqa: UP031 - the Lua is full of braces; % keeps it readable
    % TOKEN
)


def run_wrk(port: int, seconds: int, connections: int, script: Path) -> tuple[float, str, str]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
         f"http://127.0.0.1:{port}/api/payments/session/create"],
        capture_output=True, text=True, check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    # The latency distribution's line, not the thread stats' "+/- Stdev" column that ends in 99%.
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1)
    return rate, p99, out


def insert_orders(url: str, count: int) -> None:
    migrate.upgrade(url)
    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO orders (id, status, currency, total_minor, created_at_ms) VALUES (?, 'PENDING', 'INR', 8000, 0)",
            ((i,) for i in range(1, count + 1)),
        )


def count_sessions(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM payment_sessions").fetchone()[0]


def run_seed(args: argparse.Namespace, script: Path) -> tuple[float, str, str]:
    port = free_port()
    seed = subprocess.Popen(
        ["node", str(ROOT / "bench" / "seed_service.js"), str(port)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert seed.stdout is not None
        stack = seed.stdout.readline().strip()  # "express", or "node-http" without it
        wait_port(port)
        rate, p99, _ = run_wrk(port, args.seconds, args.connections, script)
    finally:
        seed.terminate()
        seed.wait()
    return rate, p99, stack


def run_bare(args: argparse.Namespace, script: Path) -> tuple[float, str]:
    port = free_port()
    bare = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "bare_json_server.py"), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(port)
        rate, p99, _ = run_wrk(port, args.seconds, args.connections, script)
    finally:
        bare.terminate()
        bare.wait()
    return rate, p99


def start_server(data_dir: Path, port: int, tree: Path = ROOT) -> subprocess.Popen[bytes]:
    """The headless server of the checkout at `tree` (`-m backend` run from there imports its
    own backend), on `data_dir`, with the bench's kiosk token."""
    env = {
        **os.environ,
        "SMARTCART_DATA_DIR": str(data_dir),
        "SMARTCART_KIOSK_TOKEN": TOKEN,
        "SMARTCART_ADMIN_TOKEN": "bench-admin",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "backend", "--port", str(port)],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def require_wrk() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")


def cpu_ns_by_thread(pid: int) -> dict[int, int]:
    """Each thread's time on a CPU so far (ns), from /proc/<pid>/task/<tid>/schedstat."""
    tasks = Path(f"/proc/{pid}/task")
    return {int(t.name): int((t / "schedstat").read_text().split()[0]) for t in tasks.iterdir()}


def cpu_split(pid: int, before: dict[int, int], creates: int) -> tuple[float, float]:
    """µs on a CPU per create: the event loop's thread (the main one), and every other thread
    (under this load the database writer: the reader threads are idle)."""
    after = cpu_ns_by_thread(pid)
    spent = {tid: ns - before.get(tid, 0) for tid, ns in after.items()}
    loop = spent.pop(pid)
    return loop / creates / 1000, sum(spent.values()) / creates / 1000


def run_durable(args: argparse.Namespace, script: Path, workdir: Path) -> tuple[float, str, int, int, tuple[float, float]]:
    """Creates/s of a real server on a fresh database, with its threads' CPU time per create;
    then SIGKILL, and count what is stored."""
    workdir.mkdir()
    db = workdir / "kiosk.db"
    insert_orders(f"sqlite:///{db}", args.orders)
    port = free_port()
    server = start_server(workdir, port)
    try:
        wait_port(port)
        before = cpu_ns_by_thread(server.pid)
        rate, p99, out = run_wrk(port, args.seconds, args.connections, script)
        acknowledged = int(re.search(r"acknowledged (\d+)", out).group(1))
        split = cpu_split(server.pid, before, max(acknowledged, 1))
        # No goodbye: whatever the server acknowledged must already be on disk.
        server.send_signal(signal.SIGKILL)
        server.wait()
    finally:
        if server.poll() is None:
            server.kill()
    return rate, p99, acknowledged, count_sessions(db), split


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--orders", type=int, default=200_000)
    # Rounds of seed, durable and bare one after another: on a shared machine the speed of
    # everything drifts by tens of percent within minutes, so each ratio compares neighbours.
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    require_wrk()

    workdir = Path(tempfile.mkdtemp(prefix="smartcart-bench-"))
    script = workdir / "create.lua"
    script.write_text(WRK_SCRIPT)
    has_node = shutil.which("node") is not None
    seed_stack = ""
    seeds: list[float] = []
    duras: list[float] = []
    bares: list[float] = []
    splits: list[tuple[float, float, float]] = []  # loop and writer CPU µs per create, wall µs per create
    lost = 0
    for n in range(1, args.rounds + 1):
        line = f"round {n}: "
        if has_node:
            seed_rate, seed_p99, seed_stack = run_seed(args, script)
            seeds.append(seed_rate)
            line += f"seed {seed_rate:6.0f}/s (p99 {seed_p99})  "
        rate, p99, acknowledged, stored, (loop_us, writer_us) = run_durable(args, script, workdir / f"round{n}")
        duras.append(rate)
        splits.append((loop_us, writer_us, 1e6 / rate))
        lost += max(0, acknowledged - stored)
        line += f"durable {rate:6.0f}/s (p99 {p99}; acknowledged {acknowledged}, found after SIGKILL {stored})  "
        bare_rate, bare_p99 = run_bare(args, script)
        bares.append(bare_rate)
        line += f"bare {bare_rate:6.0f}/s (p99 {bare_p99})"
        if has_node:
            line += f"  ratio {rate / seed_rate:.2f}"
        print(line, flush=True)

    print(f"bare aiohttp JSON endpoint : {statistics.median(bares):9.0f} req/s (median of {args.rounds})")
    if has_node:
        print(f"seed-era in-memory service : {statistics.median(seeds):9.0f} req/s ({seed_stack}, nothing durable)")
    else:
        print("seed-era in-memory service : not measured (node is not installed)")
    print(f"durable session creates    : {statistics.median(duras):9.0f} req/s")
    print(f"ratio to the bare endpoint : {statistics.median(d / b for d, b in zip(duras, bares, strict=True)):9.2f}")
    if has_node:
        ratio = statistics.median(d / s for d, s in zip(duras, seeds, strict=True))
        verdict = "meets" if ratio >= 1.0 else "MISSES"
        print(f"ratio to the seed service  : {ratio:9.2f}   (median of the rounds' ratios; bar >= 1.00, {verdict})")
    loop_us, writer_us, wall_us = (statistics.median(x) for x in zip(*splits, strict=True))
    # When the two add up to the wall time, the loop and the writer run one after the other.
    print(f"CPU per durable create     : loop {loop_us:.0f} µs + writer {writer_us:.0f} µs, wall time {wall_us:.0f} µs (medians)")
    print("every acknowledged create survived SIGKILL" if lost == 0 else f"LOST {lost} acknowledged creates")
    print(f"synchronous=FULL, WAL; {args.connections} connections, {args.seconds} s per run, wrk -t1")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
