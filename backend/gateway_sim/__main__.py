"""`python -m backend.gateway_sim`: serve the simulator until SIGINT or SIGTERM.

Logs one line, `gateway simulator ready on http://HOST:PORT`, once it accepts requests, so a
parent process can wait for it and learn the port it got with `--port 0`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence

from .app import start_gateway_sim
from .config import GatewaySimConfig

log = logging.getLogger("backend.gateway_sim")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m backend.gateway_sim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument(
        "--database-url", default="sqlite:///gateway.db", help="SQLAlchemy URL of the ledger"
    )
    parser.add_argument("--delay-ms", type=int, default=200, help="delay of every charge")
    parser.add_argument("--slow-delay-ms", type=int, default=5000, help="delay of the slow card")
    parser.add_argument("--access-log", action="store_true", help="log every request")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    config = GatewaySimConfig(
        database_url=args.database_url,
        delay_s=args.delay_ms / 1000,
        slow_delay_s=args.slow_delay_ms / 1000,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Not on Windows: there Ctrl+C arrives as KeyboardInterrupt, handled in main().
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    gateway = await start_gateway_sim(config, args.host, args.port, access_log=args.access_log)
    try:
        log.info("gateway simulator ready on %s", gateway.url)
        await stop.wait()
    finally:
        await gateway.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
