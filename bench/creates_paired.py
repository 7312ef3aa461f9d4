"""Durable creates/s of this checkout against another commit's, in alternating rounds.

    .venv/bin/python bench/creates_paired.py --against <commit> [--rounds 8] [--seconds 5]

session_creates.py compares the server with the seed; this compares two versions of the server,
to tell whether a change to the write path helped. The other commit is checked out in a
temporary git worktree and run with this checkout's interpreter. Each round runs both, in
turns (the order flips every round), on copies of one database of orders, with wrk at 64
connections; the machine's speed drifts by tens of percent within minutes, so only the
ratio within a round means anything. Prints each round and the median ratio. The database is
migrated by this checkout: the other commit must have the same migrations (or be newer).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.session_creates import (  # noqa: E402
    WRK_SCRIPT,
    free_port,
    insert_orders,
    require_wrk,
    run_wrk,
    start_server,
    wait_port,
)


def creates_per_second(tree: Path, template: Path, script: Path, seconds: int, workdir: Path) -> float:
    data = Path(tempfile.mkdtemp(dir=workdir))
    shutil.copy(template, data / "kiosk.db")
    port = free_port()
    server = start_server(data, port, tree)
    try:
        wait_port(port)
        rate, _, _ = run_wrk(port, seconds, 64, script)
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(data)
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--against", required=True, help="the commit to compare this checkout with")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--orders", type=int, default=120_000)
    args = parser.parse_args()
    require_wrk()

    workdir = Path(tempfile.mkdtemp(prefix="smartcart-paired-"))
    other = workdir / "other"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(other), args.against], check=True)
    try:
        template = workdir / "orders.db"
        insert_orders(f"sqlite:///{template}", args.orders)
        script = workdir / "create.lua"
        script.write_text(WRK_SCRIPT)
        trees = {"this": ROOT, args.against[:12]: other}
        rates: dict[str, list[float]] = {name: [] for name in trees}
        for n in range(1, args.rounds + 1):
            order = list(trees.items()) if n % 2 else list(trees.items())[::-1]
            for name, tree in order:
                rates[name].append(creates_per_second(tree, template, script, args.seconds, workdir))
                time.sleep(0.2)
            print(f"round {n}: " + "  ".join(f"{name} {rates[name][-1]:.0f}/s" for name in trees), flush=True)
        label = args.against[:12]
        this, that = rates["this"], rates[label]
        ratios = [a / b for a, b in zip(this, that, strict=True)]
        print(f"this checkout: median {statistics.median(this):.0f}/s; {label}: median {statistics.median(that):.0f}/s")
        print(f"ratio this/{label}: median {statistics.median(ratios):.3f} (rounds {min(ratios):.2f}-{max(ratios):.2f})")
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(other)], check=False)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
