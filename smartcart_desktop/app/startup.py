"""The embedded backend: the aiohttp server inside the kiosk's own process and loop.

This is the only module of the window that imports `backend`. Everything else reaches the
backend over HTTP through the ApiClient, so the same window works against a remote server.
The window imports this module only once it is drawn (see application.py): importing the
backend is most of the start-up time.
"""

from __future__ import annotations

import logging
import os
import secrets
from typing import Any

from aiohttp import web
from pydantic import SecretStr, ValidationError

from backend.app import create_app
from backend.app_keys import ADMIN_PIN
from backend.db.migrate import MigrationFailed
from backend.http import server
from backend.settings import Settings, invalid_settings_message
from smartcart_desktop.app.backend_link import BackendLink, StartupError
from smartcart_desktop.app.embedded_address import EmbeddedAddress
from smartcart_desktop.app.options import LaunchOptions

log = logging.getLogger(__name__)

EMBEDDED_RECONCILE_IDLE_S = 10.0
_RECONCILE_IDLE_ENV = "SMARTCART_RECONCILE_IDLE_S"


def embedded_settings(
    options: LaunchOptions, address: EmbeddedAddress | None = None, **overrides: Any
) -> Settings:
    """Settings for an embedded server: fresh tokens for this launch only (the address's,
    which the window already holds, when the socket was bound beforehand)."""
    kiosk_token = address.link.kiosk_token if address else secrets.token_urlsafe(32)
    admin_token = address.link.admin_token if address and address.link.admin_token else secrets.token_urlsafe(32)
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "tester": options.tester,
        "kiosk_token": SecretStr(kiosk_token),
        "admin_token": SecretStr(admin_token),
    }
    if options.database_url:
        values["database_url"] = options.database_url
    if _RECONCILE_IDLE_ENV not in os.environ:
        # A kiosk's own backend drives its payments itself and is woken when the gateway comes
        # back; two idle passes (reconciler, forwarder) a second were half of its idle CPU.
        values["reconcile_idle_s"] = EMBEDDED_RECONCILE_IDLE_S
    values.update(overrides)
    try:
        return Settings(**values)
    except ValidationError as exc:  # e.g. a mistyped GSTIN: say which setting, not a traceback
        raise StartupError(invalid_settings_message(exc)) from None


class EmbeddedBackend:
    """The aiohttp backend on 127.0.0.1, on a free port, inside this process's loop."""

    def __init__(self, settings: Settings, address: EmbeddedAddress | None = None) -> None:
        """`address`: a socket already listening (the window's requests wait in its backlog);
        without one the server binds a free port of its own."""
        self._settings = settings
        self._address = address
        self._app = create_app(settings)
        self._runner: web.AppRunner | None = None

    @property
    def app(self) -> web.Application:
        return self._app

    @property
    def settings(self) -> Settings:
        return self._settings

    def take_generated_pin(self) -> str | None:
        """The admin PIN generated at this (first) start, if none was set; once."""
        return self._app[ADMIN_PIN].take_generated()

    async def start(self) -> BackendLink:
        runner = server.make_runner(self._app, self._settings)
        try:
            await runner.setup()
        except MigrationFailed as exc:  # what went wrong and that nothing changed, not a traceback
            raise StartupError(str(exc)) from None
        self._runner = runner
        try:
            sock = self._address.sock if self._address is not None else None
            await server.start_site(runner, self._settings, sock=sock)
        except BaseException:
            await self.stop()
            raise
        host, port = runner.addresses[0][:2]
        log.info("embedded backend on http://%s:%d", host, port)
        return BackendLink(
            url=f"http://{host}:{port}",
            kiosk_token=self._settings.kiosk_token.get_secret_value(),
            admin_token=self._settings.admin_token.get_secret_value(),
            gateway_timeout_s=self._settings.gateway_timeout_s,
        )

    async def stop(self) -> None:
        """Idempotent. cleanup() also stops the payment engine and disposes the database."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
