from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from backend import app_keys
from backend.app import create_app
from backend.clock import TimeSource, system_clock
from backend.settings import Settings
from tests.backend.api import ADMIN_TOKEN, KIOSK_TOKEN, Api
from tests.fast_timings import FAST_TIMINGS

DATABASES = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses the backend's database (`database_url`, or `start_app`/`api`, which use
    it) runs once on SQLite and once on PostgreSQL; one marked `sqlite_only` runs on SQLite only."""
    if "database_url" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("sqlite_only")
    if marker is not None and not (marker.args or marker.kwargs.get("reason")):
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: sqlite_only needs a reason")
    kinds = ["sqlite"] if marker else list(DATABASES)
    metafunc.parametrize("database_url", kinds, indirect=True, ids=kinds)


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read SMARTCART_* variables: one set in the shell (a PostgreSQL URL, say) must not
    change what a test runs against, in process or in a server process it starts."""
    for name in list(os.environ):
        if name.upper().startswith("SMARTCART_"):
            monkeypatch.delenv(name)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The kiosk's database for one test: kiosk.db in tmp_path (where the app puts it by
    default), or a fresh empty database on the tests' PostgreSQL server. Not migrated."""
    kind = getattr(request, "param", "sqlite")
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'kiosk.db'}"
    url: str = request.getfixturevalue("pg_database_url")
    return url


def make_settings(tmp_path: Path, database_url: str | None = None, **overrides: Any) -> Settings:
    base = {"data_dir": tmp_path, "database_url": database_url,
            "kiosk_token": KIOSK_TOKEN, "admin_token": ADMIN_TOKEN}
    return Settings(**{**base, **FAST_TIMINGS, **overrides})


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url)


AppFactory = Callable[..., Any]


@pytest.fixture
async def start_app(database_url: str, aiohttp_client: Any, tmp_path: Path) -> AppFactory:
    """Start the real app on 127.0.0.1 with settings overridden for one test.

    `database_url` comes before `aiohttp_client`: set up first, it is torn down last, after
    the app has shut down (a PostgreSQL database is dropped then)."""

    async def start(
        clock: TimeSource = system_clock, **overrides: Any
    ) -> tuple[Api, web.Application, TestClient]:
        app = create_app(make_settings(tmp_path, database_url, **overrides), clock=clock)
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
    """Real time plus offsets a test moves: `advance` lets time pass without waiting (wall and
    monotonic clock alike), `jump` sets only the wall clock, as NTP or an operator would."""

    def __init__(self) -> None:
        self.offset_ms = 0
        self.monotonic_offset_ms = 0

    def __call__(self) -> int:
        return system_clock() + self.offset_ms

    def monotonic(self) -> int:
        return system_clock.monotonic() + self.monotonic_offset_ms

    def advance(self, seconds: float) -> None:
        self.offset_ms += int(seconds * 1000)
        self.monotonic_offset_ms += int(seconds * 1000)

    def jump(self, seconds: float) -> None:
        self.offset_ms += int(seconds * 1000)
