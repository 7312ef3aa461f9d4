"""Longest event-loop stall of the kiosk app while it pays with the session stream open, the
cleanup expires 10,000 sessions and an admin export of every session runs, all at once.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/loop_stall.py [--runs 3] [--sessions 10000] [--explain]

Each run starts a fresh interpreter with the whole app (window, embedded backend, simulator),
inserts --sessions INITIATED sessions whose lifetime ended an hour ago, slows the gateway by
6 s (tester fault) so the payment is at the gateway throughout, and then at the same moment:
pays by card (the window follows the session's event stream), runs one cleanup pass and
downloads a CSV export of all sessions over HTTP. A 5 ms precise QTimer on the GUI thread
measures how late the loop ran it; the worst lateness from Pay to the receipt is the figure.
Bar from issue 16: < 16 ms (one frame at 60 Hz).

--explain: a watchdog thread samples the GUI thread's stack whenever the loop is more than
8 ms late and prints the places it was found most often: where to look next.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DRIVER = r"""
import asyncio, collections, os, secrets, sys, threading, time, traceback
from pathlib import Path
import aiohttp, qasync
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import create_engine, insert

from backend import app_keys
from backend.db.tables import Order, PaymentSession
from smartcart_desktop.api.payment_details import CardDetails
from smartcart_desktop.app.application import KioskApp
from smartcart_desktop.app.options import LaunchOptions
from smartcart_desktop.checkout.state import Stage

SESSIONS, EXPLAIN, LOAD = int(sys.argv[1]), sys.argv[2] == "1", sys.argv[3]
app = QApplication(sys.argv[:1])


class Meter(QObject):
    def __init__(self):
        super().__init__()
        self.worst = 0.0
        self.worst_cpu = 0.0  # GUI-thread CPU time within the worst interval
        self.ticks = 0
        self.last = None
        self.last_cpu = None
        self.worst_queued = 0.0  # ... and spent waiting for a CPU (the machine busy elsewhere)
        self.last_queued = None
        self.worst_own = 0.0
        self.schedstat = open(f"/proc/self/task/{threading.get_native_id()}/schedstat", "rb", buffering=0)
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self.tick)

    def queued(self):
        self.schedstat.seek(0)
        return int(self.schedstat.read().split()[1]) / 1e9

    def start(self):
        self.last, self.last_cpu, self.last_queued = time.perf_counter(), time.thread_time(), self.queued()
        self.timer.start()

    def tick(self):
        now, cpu, queued = time.perf_counter(), time.thread_time(), self.queued()
        late = now - self.last - 0.005
        if late > self.worst:
            self.worst, self.worst_cpu = late, cpu - self.last_cpu
            self.worst_queued = queued - self.last_queued
        # Lateness the app itself caused: minus the time this thread was runnable but another
        # process had the CPU (the bench machine is shared).
        self.worst_own = max(self.worst_own, late - (queued - self.last_queued))
        self.last, self.last_cpu, self.last_queued = now, cpu, queued
        self.ticks += 1


class Watchdog(threading.Thread):
    # Samples the GUI thread's stack while the meter's tick is overdue.
    def __init__(self, meter):
        super().__init__(daemon=True)
        self.meter, self.main = meter, threading.main_thread().ident
        self.places = collections.Counter()
        self.running = True

    def run(self):
        while self.running:
            time.sleep(0.002)
            last = self.meter.last
            if last is not None and time.perf_counter() - last > 0.013:
                names = {t.ident: t.name for t in threading.enumerate()}
                for ident, frame in sys._current_frames().items():
                    if ident == threading.get_ident():
                        continue
                    stack = traceback.extract_stack(frame)[-4:]
                    where = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(stack))
                    if ident != self.main and any(idle in where for idle in ("wait", "select", "_worker", "get")):
                        continue  # a thread sleeping on a lock or a queue holds nothing
                    self.places[f"[{names.get(ident, ident)}] {where}"] += 1


def insert_expirable(url, count):
    past = int(time.time() * 1000) - 3_600_000
    first = 1_000_000
    orders = [{"id": first + i, "status": "PENDING", "currency": "INR", "total_minor": 4000,
               "created_at_ms": past} for i in range(count)]
    sessions = [{"id": secrets.token_hex(16), "order_id": first + i, "status": "INITIATED", "version": 0,
                 "idempotency_key": "sc_" + secrets.token_hex(16), "amount_minor": 4000, "currency": "INR",
                 "attempts": 0, "max_attempts": 3, "interruptions": 0, "gateway_contacted": False,
                 "outcome_unknown": False, "created_at_ms": past - 900_000, "updated_at_ms": past - 900_000,
                 "expires_at_ms": past} for i in range(count)]
    engine = create_engine(url, connect_args={"timeout": 30})
    with engine.begin() as conn:
        conn.execute(insert(Order), orders)
        conn.execute(insert(PaymentSession), sessions)
    engine.dispose()


async def until(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.005)


async def export_all(url, token):
    size = 0
    async with aiohttp.ClientSession() as http:
        async with http.get(url + "/api/payments/sessions/export?format=csv",
                            headers={"Authorization": f"Bearer {token}"}) as reply:
            assert reply.status == 200, reply.status
            async for chunk in reply.content.iter_any():
                size += len(chunk)
    return size


async def main():
    kiosk = KioskApp(LaunchOptions(tester=True))
    await kiosk.open(gateway_timeout_s=20)
    try:
        backend = kiosk.backend.app
        services = kiosk.services
        await asyncio.to_thread(insert_expirable, kiosk.backend.settings.resolved_database_url(), SESSIONS)
        await services.api.set_faults("latency", latency_ms=6000)
        await until(lambda: services.cart.products)
        services.cart.add(services.cart.products[0].id)
        services.flow.checkout(services.cart.lines())
        await until(lambda: services.flow.state.stage is Stage.DETAILS)
        meter = Meter()
        watchdog = Watchdog(meter)
        meter.start()
        if EXPLAIN:
            watchdog.start()
        services.flow.pay(CardDetails("4242424242424242", "Bench", "12/39", "123"))
        await until(lambda: services.flow.state.stage is Stage.PROCESSING)
        async def nothing():
            return 0

        cleaning = backend[app_keys.CLEANUP].run_once() if LOAD in ("all", "cleanup") else nothing()
        exporting = export_all(services.link.url, services.link.admin_token) if LOAD in ("all", "export") else nothing()
        cleanup, exported = await asyncio.gather(cleaning, exporting)
        expired = cleanup.expired if cleanup else SESSIONS
        still_paying = services.flow.state.stage is Stage.PROCESSING
        await until(lambda: services.flow.state.receipt is not None)
        meter.timer.stop()
        watchdog.running = False
        figures = " ".join(f"{v * 1000:.2f}" for v in (meter.worst, meter.worst_cpu, meter.worst_queued, meter.worst_own))
        print(f"RESULT {figures} {meter.ticks} {expired} {exported} {int(still_paying)}", flush=True)
        for place, count in watchdog.places.most_common(12):
            print(f"PLACE {count:4d}  {place}", flush=True)
    finally:
        await kiosk.shutdown()

qasync.run(main())
"""


def one_run(sessions: int, explain: bool, load: str) -> tuple[float, float, list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, SMARTCART_DATA_DIR=tmp)
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        done = subprocess.run(
            [sys.executable, "-c", DRIVER, str(sessions), "1" if explain else "0", load],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
        )
    result = next((line for line in done.stdout.splitlines() if line.startswith("RESULT ")), None)
    if result is None:
        raise RuntimeError(f"the run did not finish:\n{done.stdout}\n{done.stderr[-3000:]}")
    worst_ms, cpu_ms, queued_ms, own_ms, ticks, expired, exported, still_paying = result.split()[1:]
    if int(expired) != sessions or not int(still_paying):
        raise RuntimeError(f"not the load asked for: expired {expired}, payment still at the gateway {still_paying}")
    print(f"  run: longest stall {float(worst_ms):.1f} ms (GUI thread ran {float(cpu_ms):.1f} ms, "
          f"waited for a CPU {float(queued_ms):.1f} ms); longest not caused by other processes {float(own_ms):.1f} ms "
          f"over {ticks} ticks; expired {expired}, exported {int(exported) // 1024} KiB")
    return float(worst_ms), float(own_ms), [line[6:] for line in done.stdout.splitlines() if line.startswith("PLACE ")]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--explain", action="store_true")
    # Only part of the load, to see which part holds the loop.
    parser.add_argument("--load", choices=("all", "cleanup", "export", "none"), default="all")
    args = parser.parse_args()
    worst: list[float] = []
    own: list[float] = []
    for _ in range(args.runs):
        stall, own_stall, places = one_run(args.sessions, args.explain, args.load)
        worst.append(stall)
        own.append(own_stall)
        for place in places:
            print(f"    {place}")
    best, spread = min(worst), max(worst) - min(worst)
    verdict = "meets" if best < 16 else "MISSES"
    load = {"all": f"cleanup of {args.sessions} + export", "none": "nothing else"}.get(args.load, args.load)
    print(
        f"longest loop stall paying + stream + {load}: best of {args.runs} "
        f"{best:.1f} ms (bar < 16 ms, {verdict}); spread {spread:.1f} ms; runs: {', '.join(f'{w:.1f}' for w in worst)}"
    )
    print(
        f"  the same, less the time other processes held the CPU: best {min(own):.1f} ms "
        f"(bar < 16 ms, {'meets' if min(own) < 16 else 'MISSES'}); runs: {', '.join(f'{w:.1f}' for w in own)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
