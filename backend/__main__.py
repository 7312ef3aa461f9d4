"""Headless backend: `python -m backend [--host H] [--port N] [--database-url URL]
[--gateway-url URL] [--tester]`. Every option can also come from SMARTCART_* variables."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence

from aiohttp import web

from backend.app import create_app
from backend.settings import Settings

log = logging.getLogger("backend")


def parse_settings(argv: Sequence[str]) -> Settings:
    parser = argparse.ArgumentParser(prog="python -m backend", description=__doc__)
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--database-url")
    parser.add_argument("--gateway-url")
    parser.add_argument("--tester", action="store_true", default=None)
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in vars(args).items() if v is not None}
    return Settings(**overrides)


async def serve(settings: Settings) -> None:
    runner = web.AppRunner(create_app(settings), access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.host, settings.port)
        await site.start()
        host, port = runner.addresses[0][:2]
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        _announce_generated_tokens(settings)
        log.info("SmartCart backend ready on http://%s:%d", host, port)
        await stop.wait()
        log.info("shutting down")
    finally:
        await runner.cleanup()


def _announce_generated_tokens(settings: Settings) -> None:
    # Printed once, so a tester can curl the server; configured tokens are never printed.
    for field in ("kiosk_token", "admin_token"):
        if field not in settings.model_fields_set:
            token = getattr(settings, field).get_secret_value()
            print(f"SMARTCART_{field.upper()}={token}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["export"]:
        from backend.exports.cli import main as export_main

        return export_main(arguments[1:])
    # The event loop and the database writer thread share one interpreter lock. The writer
    # gives it up at every SQLite call anyway; a longer switch interval (default 5 ms) stops
    # it from also forcing the loop to hand the lock over in the middle of a burst of
    # requests: +8% session creates/s in paired runs of bench/session_creates.py. Only the
    # headless server: the kiosk window keeps the default.
    sys.setswitchinterval(0.02)
    asyncio.run(serve(parse_settings(arguments)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
