"""Where the window finds its backend: the embedded server, or a headless one by URL.

This is the only module of the window that imports `backend`. Everything else reaches the
backend over HTTP through the ApiClient, so the same window works against a remote server.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from pydantic import SecretStr, ValidationError

from backend.app import create_app
from backend.app_keys import ADMIN_PIN
from backend.http import server
from backend.settings import Settings, invalid_settings_message
from smartcart_desktop.app.options import LaunchOptions

log = logging.getLogger(__name__)

KIOSK_TOKEN_ENV = "SMARTCART_KIOSK_TOKEN"
ADMIN_TOKEN_ENV = "SMARTCART_ADMIN_TOKEN"


class StartupError(Exception):
    """The kiosk cannot start; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class BackendLink:
    """How to talk to the backend. Tokens live only in this process's memory."""

    url: str
    kiosk_token: str = ""
    admin_token: str | None = None
    # What the countdown starts with; the flow replaces it by the backend's GET /api/config.
    gateway_timeout_s: float = 30.0

    def __repr__(self) -> str:  # keep the tokens out of logs and tracebacks
        return f"BackendLink(url={self.url!r}, gateway_timeout_s={self.gateway_timeout_s})"


def embedded_settings(options: LaunchOptions, **overrides: Any) -> Settings:
    """Settings for an embedded server: fresh tokens for this launch only."""
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "tester": options.tester,
        "kiosk_token": SecretStr(secrets.token_urlsafe(32)),
        "admin_token": SecretStr(secrets.token_urlsafe(32)),
    }
    if options.database_url:
        values["database_url"] = options.database_url
    values.update(overrides)
    try:
        return Settings(**values)
    except ValidationError as exc:  # e.g. a mistyped GSTIN: say which setting, not a traceback
        raise StartupError(invalid_settings_message(exc)) from None


class EmbeddedBackend:
    """The aiohttp backend on 127.0.0.1, on a free port, inside this process's loop."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
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
        await runner.setup()
        self._runner = runner
        try:
            await server.start_site(runner, self._settings)
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


def remote_link(options: LaunchOptions) -> BackendLink:
    """A headless backend named by --backend-url; its tokens come from the environment."""
    assert options.backend_url
    token = os.environ.get(KIOSK_TOKEN_ENV, "")
    if not token:
        raise StartupError(f"--backend-url needs the kiosk token in {KIOSK_TOKEN_ENV}.")
    return BackendLink(
        url=options.backend_url.rstrip("/"),
        kiosk_token=token,
        admin_token=os.environ.get(ADMIN_TOKEN_ENV) or None,
        gateway_timeout_s=options.gateway_timeout_s,
    )
