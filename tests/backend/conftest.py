from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from backend import app_keys
from backend.app import create_app
from backend.clock import Clock, system_clock
from backend.settings import Settings
from tests.backend.api import ADMIN_TOKEN, KIOSK_TOKEN, Api
from tests.fast_timings import FAST_TIMINGS


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    base = {"data_dir": tmp_path, "kiosk_token": KIOSK_TOKEN, "admin_token": ADMIN_TOKEN}
    return Settings(**{**base, **FAST_TIMINGS, **overrides})


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


AppFactory = Callable[..., Any]


@pytest.fixture
async def start_app(aiohttp_client: Any, tmp_path: Path) -> AppFactory:
    """Start the real app on 127.0.0.1 with settings overridden for one test."""

    async def start(
        clock: Clock = system_clock, **overrides: Any
    ) -> tuple[Api, web.Application, TestClient]:
        app = create_app(make_settings(tmp_path, **overrides), clock=clock)
        client: TestClient = await aiohttp_client(app)
        return Api(client.session, str(client.make_url("/"))), app, client

    return start


@pytest.fixture
async def api(start_app: AppFactory) -> AsyncIterator[Api]:
    api, _, _ = await start_app()
    yield api


@pytest.fixture
async def app_and_api(start_app: AppFactory) -> tuple[web.Application, Api]:
    api, app, _ = await start_app()
    return app, api


def ledger_url(app: web.Application) -> str:
    return app[app_keys.GATEWAY_URL] + "/v1/charges"


class MovableClock:
    """Real time plus an offset a test can push forward: days pass without waiting."""

    def __init__(self) -> None:
        self.offset_ms = 0

    def __call__(self) -> int:
        return system_clock() + self.offset_ms

    def advance(self, seconds: float) -> None:
        self.offset_ms += int(seconds * 1000)
