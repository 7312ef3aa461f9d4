"""Headless backend: `python -m backend [--host H] [--port N] [--database-url URL]
[--gateway-url URL] [--tester] [--allow-remote] [--allow-plain-http] [--allow-remote-tester]
[--tls-cert PEM --tls-key PEM]`. Every option can also come from SMARTCART_* variables.

`python -m backend export …` writes an export file (backend/exports/cli.py);
`python -m backend kiosk add|list|revoke …` manages kiosks (backend/kiosks/cli.py);
`python -m backend sync backfill …` queues a kiosk's existing sessions for the fleet server
(backend/sync/cli.py)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from backend import garbage_collection, logs
from backend.app import create_app
from backend.app_keys import ADMIN_PIN
from backend.http import exposure, server
from backend.settings import LogSettings, Settings, invalid_settings_message

log = logging.getLogger("backend")


def parse_settings(argv: Sequence[str]) -> Settings:
    parser = argparse.ArgumentParser(prog="python -m backend", description=__doc__)
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--database-url")
    parser.add_argument("--gateway-url")
    parser.add_argument("--tester", action="store_true", default=None)
    # Each widening of who can reach the server is its own explicit choice (backend/http/exposure.py).
    parser.add_argument("--allow-remote", action="store_true", default=None, help="serve beyond loopback")
    parser.add_argument("--allow-plain-http", action="store_true", default=None,
                        help="beyond loopback without TLS (tokens in clear)")
    parser.add_argument("--allow-remote-tester", action="store_true", default=None,
                        help="tester routes beyond loopback")
    parser.add_argument("--tls-cert", dest="tls_cert_file", help="PEM certificate chain: serve HTTPS")
    parser.add_argument("--tls-key", dest="tls_key_file", help="PEM private key of --tls-cert")
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in vars(args).items() if v is not None}
    return Settings(**overrides)


async def serve(settings: Settings) -> None:
    app = create_app(settings)
    runner = server.make_runner(app, settings)
    await runner.setup()
    garbage_collection.settle_headless_server()
    try:
        site = await server.start_site(runner, settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        _announce_generated_tokens(settings)
        if pin := app[ADMIN_PIN].take_generated():  # generated at this first start: shown once
            print(f"SMARTCART_ADMIN_PIN={pin}", flush=True)
        log.info("SmartCart backend ready on %s", site.url)
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
    logs.configure(LogSettings())  # text or JSON lines (SMARTCART_LOG_FORMAT), request ids
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["export"]:
        from backend.exports.cli import main as export_main

        return export_main(arguments[1:])
    if arguments[:1] == ["kiosk"]:
        from backend.kiosks.cli import main as kiosk_main

        return kiosk_main(arguments[1:])
    if arguments[:1] == ["sync"]:
        from backend.sync.cli import main as sync_main

        return sync_main(arguments[1:])
    # The event loop and the database writer thread share one interpreter lock. The writer
    # gives it up at every SQLite call anyway; a longer switch interval (default 5 ms) stops
    # it from also forcing the loop to hand the lock over in the middle of a burst of
    # requests: +8% session creates/s in paired runs of bench/session_creates.py. Only the
    # headless server: the kiosk window keeps the default.
    sys.setswitchinterval(0.02)
    try:
        settings = parse_settings(arguments)
    except ValidationError as exc:  # e.g. a mistyped GSTIN: refuse with what to fix, no traceback
        print(f"python -m backend: error: {invalid_settings_message(exc)}", file=sys.stderr)
        return 2
    try:
        # Before anything starts (migrations, the gateway simulator): refuse first.
        exposure.check(settings)
    except exposure.ExposureRefused as exc:
        print(f"python -m backend: error: {exc}", file=sys.stderr)
        return 2
    asyncio.run(serve(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
