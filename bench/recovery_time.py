"""How long after a network fault clears does an interrupted payment reach COMPLETED?

    .venv/bin/python bench/recovery_time.py [--trials 20]

Production timings (retry delay 2 s, gateway timeout 30 s, simulator processing 0.2 s). Each
trial: the link to the gateway goes offline, a card payment is made and meets a refused
connection (INTERRUPTED, NETWORK_ERROR), the fault is cleared at once, and the session is
polled every 5 ms until COMPLETED. The floor is the retry delay plus one gateway round trip.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.app import create_app  # noqa: E402
from backend.settings import Settings  # noqa: E402
from bench.kiosk_calls import KioskCalls  # noqa: E402

TOKEN = "bench-token"


async def trial(http: aiohttp.ClientSession, base: str) -> tuple[float, int]:
    kiosk = KioskCalls(http, base, TOKEN)
    await kiosk.call("PUT", "/api/dev/faults", {"mode": "offline"})
    sid = await kiosk.open_session()
    await kiosk.pay_by_card(sid)
    while (await kiosk.session(sid))["status"] != "INTERRUPTED":
        await asyncio.sleep(0.005)
    cleared = time.perf_counter()
    await kiosk.call("PUT", "/api/dev/faults", {"mode": "none"})
    while (state := await kiosk.session(sid))["status"] != "COMPLETED":
        assert state["status"] in ("INTERRUPTED", "PROCESSING"), state
        await asyncio.sleep(0.005)
    return time.perf_counter() - cleared, state["attempts"]


async def main(trials: int) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(data_dir=Path(data_dir), tester=True, kiosk_token=TOKEN, admin_token="bench-admin")
        runner = web.AppRunner(create_app(settings), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        try:
            async with aiohttp.ClientSession() as http:
                results = [await trial(http, f"http://{host}:{port}") for _ in range(trials)]
        finally:
            await runner.cleanup()
    times = sorted(t for t, _ in results)
    print(f"fault cleared -> COMPLETED over {trials} trials (retry delay {settings.retry_delay_s} s, "
          f"simulator processing {settings.gateway_delay_s} s):")
    print(f"  min {times[0]:.3f} s   median {statistics.median(times):.3f} s   "
          f"max {times[-1]:.3f} s   attempts used {sorted({a for _, a in results})}")
    print(f"  floor (retry delay + one round trip) ~ {settings.retry_delay_s + settings.gateway_delay_s:.3f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=20)
    asyncio.run(main(parser.parse_args().trials))
