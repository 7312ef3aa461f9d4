"""The simulator's aiohttp application and a helper that serves it on a loopback port."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable
from types import TracebackType

from aiohttp import web
from aiohttp.log import access_logger
from yarl import URL

from backend.db.database import Database

from .charges import ChargeDesk
from .config import GatewaySimConfig, SimControls
from .errors import json_errors
from .ledger import Ledger, create_schema
from .refunds import RefundDesk
from .routes import CONTROLS, DESK, REFUNDS, add_routes
from .waiting_payments import DELAYS, WAITING, WaitingDesk


def create_gateway_app(config: GatewaySimConfig) -> web.Application:
    app = web.Application(middlewares=[json_errors])
    app[CONTROLS] = SimControls.from_config(config)
    app[DELAYS] = app[CONTROLS]
    app.cleanup_ctx.append(_ledger_context(config.database_url))
    add_routes(app)
    return app


def _ledger_context(database_url: str) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ledger_context(app: web.Application) -> AsyncIterator[None]:
        # Opening (mkdir), schema creation and closing (thread join) all stay off the loop.
        # The simulator stands in for a provider's servers: its ledger must survive its own
        # SIGKILL (the WAL does, synchronous=NORMAL), not a power cut, so it need not wait for
        # an fsync at every charge.
        db = await asyncio.to_thread(functools.partial(Database, database_url, synchronous="NORMAL"))
        try:
            await db.write(create_schema)
            app[DESK] = ChargeDesk(Ledger(db), app[CONTROLS])
            app[WAITING] = WaitingDesk(db)
            app[REFUNDS] = RefundDesk(db, app[CONTROLS])
            yield
        finally:
            await asyncio.to_thread(db.close)

    return ledger_context


class RunningGateway:
    """A simulator serving on `url` until `close()`; also usable as `async with`."""

    def __init__(self, runner: web.AppRunner, url: str) -> None:
        self._runner = runner
        self.url = url

    async def close(self) -> None:
        # Graceful: charges being processed finish (and are written) before the ledger closes.
        await self._runner.cleanup()

    async def __aenter__(self) -> RunningGateway:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


async def start_gateway_sim(
    config: GatewaySimConfig, host: str = "127.0.0.1", port: int = 0, *, access_log: bool = False
) -> RunningGateway:
    # No access log by default: embedded in the kiosk it would flood the app's own log.
    runner = web.AppRunner(
        create_gateway_app(config), access_log=access_logger if access_log else None
    )
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    # Port 0 asks the OS for a free port: the bound socket tells which one it gave.
    bound_host, bound_port = runner.addresses[0][:2]
    return RunningGateway(runner, str(URL.build(scheme="http", host=bound_host, port=bound_port)))
