"""Pay tapped → receipt shown, less the simulator's configured processing time.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/pay_to_receipt.py [--runs 20] [--delay-s 0.2]

One fresh interpreter starts the whole kiosk app the way bench/loop_stall.py does (window,
embedded backend, in-process gateway simulator) in tester mode, the one that offers the typed
card, on an empty data directory, with the simulator's processing delay set by its setting
SMARTCART_GATEWAY_DELAY_S=--delay-s. Each run is one customer, driven through the widgets:
"+" on the first product, Checkout, the "Typed card (tester)" method, 4242424242424242 typed
key by key (the backend's validator enables Pay), then Pay is clicked. The time runs on
time.perf_counter from just before that click to the first moment the flow's state holds the
receipt the backend issued and the result screen is the stack's current widget (a slot on the
flow's state_changed, connected after the window's own, so the window has put that state into
its widgets; the offscreen paint on the next loop turn is not timed). "New order" then starts the next run with a new cart.

Printed: p50/p95/max over --runs of (measured − configured delay) next to the bar from issue
16, < 100 ms; the first payment after start on its own line (it pays for lazy imports); and
where the time went (median of each step): Pay's answer, the charge at the simulator (minus its
delay, through tester mode's fault proxy), COMPLETED reaching the window by the session's event
stream, and the receipt fetch after COMPLETED; and the figure again less the whole gateway exchange
as timed, since the simulator's sleep runs on the kiosk's own loop, whose (Qt coarse) timers may
fire a few ms early or late. "Waited for a CPU" is how long the GUI thread was
runnable but another process had the CPU (/proc schedstat): the bench machine may be shared.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BAR_MS = 100.0

# Runs in the child. Kept as source so the child imports exactly what the app imports.
DRIVER = r"""
import asyncio, sys, threading, time
import qasync
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton

from backend import app_keys
from smartcart_desktop.app.application import KioskApp
from smartcart_desktop.app.options import LaunchOptions
from smartcart_desktop.checkout.state import Stage

RUNS = int(sys.argv[1])
app = QApplication(sys.argv[:1])
schedstat = open(f"/proc/self/task/{threading.get_native_id()}/schedstat", "rb", buffering=0)


def queued():
    schedstat.seek(0)
    return int(schedstat.read().split()[1]) / 1e9


async def until(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.002)


def timed(marks, name, method):
    # Wraps one instance's coroutine method: when it was called and when it answered.
    async def wrapper(*args, **kwargs):
        marks.setdefault(name + "_sent", time.perf_counter())
        try:
            return await method(*args, **kwargs)
        finally:
            marks.setdefault(name + "_answered", time.perf_counter())
    return wrapper


async def main():
    kiosk = KioskApp(LaunchOptions(tester=True, receipt_return_s=600.0))
    await kiosk.open()
    try:
        window, services = kiosk.window, kiosk.services
        flow, form, result = services.flow, window.payment_screen, window.result_screen
        print(f"DELAY {kiosk.backend.settings.gateway_delay_s!r}", flush=True)
        marks = {}
        gateway = kiosk.backend.app[app_keys.GATEWAY]
        gateway.charge = timed(marks, "charge", gateway.charge)
        services.api.pay = timed(marks, "pay", services.api.pay)
        services.api.receipt = timed(marks, "receipt", services.api.receipt)

        def seen(state):
            now = time.perf_counter()
            if "clicked" not in marks:
                return
            if state.stage is Stage.COMPLETED:
                marks.setdefault("completed", now)
            shown = (state.receipt is not None and state.receipt.document is not None
                     and window.stack.currentWidget() is result and result.receipt.isVisible())
            if shown:
                marks.setdefault("shown", now)

        flow.state_changed.connect(seen)  # after the window's own _render: the screen is drawn
        await until(lambda: services.cart.products)
        for _ in range(RUNS):
            marks.clear()
            await until(lambda: flow.state.stage is Stage.CART and not flow.state.busy)
            plus = window.cart_screen.findChild(QPushButton, "plus")
            await until(lambda: plus.isVisible() and plus.isEnabled())
            plus.click()
            checkout = window.cart_screen.checkout_button
            await until(lambda: checkout.isEnabled())
            checkout.click()
            await until(lambda: flow.state.stage is Stage.DETAILS and window.stack.currentWidget() is form)
            card = form.method_buttons["card"]
            await until(lambda: card.isVisible())
            card.click()
            for field, text in ((form.number, "4242424242424242"), (form.holder, "Bench Customer"),
                                (form.expiry, "1239"), (form.cvv, "123")):
                QTest.keyClicks(field.edit, text)
            await until(lambda: form.pay_button.isEnabled())
            waited = queued()
            marks["clicked"] = time.perf_counter()
            QTest.mouseClick(form.pay_button, Qt.MouseButton.LeftButton)
            await until(lambda: "shown" in marks)
            waited = queued() - waited
            t0 = marks["clicked"]
            steps = [marks.get(k, float("nan")) - t0 for k in (
                "shown", "pay_answered", "charge_sent", "charge_answered", "completed",
                "receipt_sent", "receipt_answered")]
            print("RUN " + " ".join(f"{s * 1000:.3f}" for s in steps) + f" {waited * 1000:.3f}", flush=True)
            await until(lambda: result.new_order_button.isVisible() and result.new_order_button.isEnabled())
            result.new_order_button.click()
    finally:
        await kiosk.shutdown()

qasync.run(main())
"""

STEPS = ("total", "pay", "charge_sent", "charge_answered", "completed", "receipt_sent", "receipt_answered", "queued")


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value at least q of the runs are not above."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def measure(runs: int, delay_s: float) -> tuple[float, list[dict[str, float]]]:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, SMARTCART_DATA_DIR=tmp, SMARTCART_GATEWAY_DELAY_S=repr(delay_s))
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        done = subprocess.run(
            [sys.executable, "-c", DRIVER, str(runs)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60 + runs * 15,
        )
    lines = done.stdout.splitlines()
    delay = next((float(line.split()[1]) for line in lines if line.startswith("DELAY ")), None)
    results = [dict(zip(STEPS, map(float, line.split()[1:]), strict=True)) for line in lines if line.startswith("RUN ")]
    if delay is None or len(results) != runs:
        raise RuntimeError(f"the runs did not finish:\n{done.stdout}\n{done.stderr[-3000:]}")
    return delay, results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--delay-s", type=float, default=0.2, help="the simulator's processing delay")
    args = parser.parse_args()
    delay, results = measure(args.runs, args.delay_s)
    delay_ms = delay * 1000
    over = [r["total"] - delay_ms for r in results]
    p50, p95, worst = statistics.median(over), percentile(over, 0.95), max(over)
    verdict = "meets" if p95 < BAR_MS else "MISSES"
    print(
        f"Pay tapped → receipt shown, minus the simulator's {delay_ms:.0f} ms: p50 {p50:.1f} ms, "
        f"p95 {p95:.1f} ms, max {worst:.1f} ms (bar < {BAR_MS:.0f} ms, p95 {verdict}) over {len(over)} payments"
    )
    print(f"  first payment after start {over[0]:.1f} ms; runs: {', '.join(f'{v:.0f}' for v in over)}")

    def median(step: str, since: str | None = None) -> float:
        return statistics.median(r[step] - (r[since] if since else 0.0) for r in results)

    print(
        "  where it went (medians): Pay answered "
        f"{median('pay'):.1f} ms; charge sent to the simulator at {median('charge_sent'):.1f} ms, "
        f"answered after {median('charge_answered', 'charge_sent') - delay_ms:.1f} ms beyond its delay; "
        f"COMPLETED at the window {median('completed', 'charge_answered'):.1f} ms after that (event stream); "
        f"then the receipt: asked {median('receipt_sent', 'completed'):.1f} ms after COMPLETED, fetched in "
        f"{median('receipt_answered', 'receipt_sent'):.1f} ms, on screen {median('total', 'receipt_answered'):.1f} ms "
        f"later ({median('total', 'completed'):.1f} ms from COMPLETED to the receipt shown)"
    )
    # The simulator sleeps on the kiosk's own loop, whose timers (qasync: Qt coarse timers) may
    # fire up to 5 % early or late: its delay is only roughly the configured one.
    own = [r["total"] - (r["charge_answered"] - r["charge_sent"]) for r in results]
    print(
        f"  the same, minus the whole gateway exchange as timed (fault proxy and simulator included): "
        f"p50 {statistics.median(own):.1f} ms, p95 {percentile(own, 0.95):.1f} ms, max {max(own):.1f} ms; "
        f"that exchange took {min(r['charge_answered'] - r['charge_sent'] for r in results):.1f}–"
        f"{max(r['charge_answered'] - r['charge_sent'] for r in results):.1f} ms"
    )
    # The window, the backend and the simulator share the GUI thread's loop: what it spent
    # runnable but off the CPU is the shared machine's, not the app's.
    unqueued = [v - r["queued"] for v, r in zip(over, results, strict=True)]
    print(
        f"  GUI thread waited for a CPU (other processes): median {median('queued'):.1f} ms, "
        f"max {max(r['queued'] for r in results):.1f} ms per payment; the figure less that wait: "
        f"p50 {statistics.median(unqueued):.1f} ms, p95 {percentile(unqueued, 0.95):.1f} ms, max {max(unqueued):.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
