"""Sessions a kiosk had before sync was turned on reach the fleet server once
`python -m backend sync backfill` queued them (issue 17).

A real kiosk app on its own SQLite file takes payments with sync off and is shut down; the real
CLI, as a subprocess, queues its sessions (twice: the second run finds them queued); the kiosk
started again with sync on sends them to a real server app (SQLite and PostgreSQL).
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from backend import app_keys
from backend.app import create_app
from backend.sync import outbox
from tests.backend.api import ADMIN_TOKEN, DECLINED_CARD, Api
from tests.backend.conftest import AppFactory, make_settings
from tests.backend.test_sync import _export, _kiosk, _register, _server_url, _status, _synced

ROOT = Path(__file__).resolve().parents[2]


def _backfill(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backend", "sync", "--database-url", database_url, "backfill", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )


async def _sales_without_sync(aiohttp_client: Any, data: Path) -> list[str]:
    """Card, declined card, cash and one still open, on a kiosk that does not sync; then shut down."""
    app = create_app(make_settings(data, f"sqlite:///{data / 'kiosk.db'}"))
    client: TestClient = await aiohttp_client(app)
    kiosk = Api(client.session, str(client.make_url("/")))
    made = [await kiosk.session() for _ in range(4)]
    assert (await kiosk.pay(made[0])).status < 300
    assert (await kiosk.pay(made[1], DECLINED_CARD)).status < 300
    assert (await kiosk.cash(made[2])).status < 300
    await kiosk.wait_for(made[0], "COMPLETED")
    await kiosk.wait_for(made[1], "DECLINED")
    assert not (await _status(kiosk))["enabled"]
    assert await app[app_keys.DATABASE].read(outbox.pending) == 0
    await client.close()
    return made


def _queued(run: subprocess.CompletedProcess[str]) -> tuple[int, int]:
    assert run.returncode == 0, run.stderr
    found = re.search(r"Queued (\d+) session\(s\) .* (\d+) were queued already", run.stdout)
    assert found is not None, run.stdout
    return int(found[1]), int(found[2])


async def test_sessions_from_before_sync_reach_the_server_after_a_backfill(
    start_app: AppFactory, aiohttp_client: Any, tmp_path: Path
) -> None:
    _, server_app, server_client = await start_app()
    admin = Api(server_client.session, _server_url(server_client), token=ADMIN_TOKEN)
    made = await _sales_without_sync(aiohttp_client, tmp_path / "till-a")
    url = f"sqlite:///{tmp_path / 'till-a' / 'kiosk.db'}"

    assert _queued(await asyncio.to_thread(_backfill, url, "--chunk", "3")) == (4, 0)
    assert _queued(await asyncio.to_thread(_backfill, url)) == (0, 4)  # run twice: nothing doubled

    kiosk, _ = await _kiosk(aiohttp_client, tmp_path, "till-a", _server_url(server_client),
                            await _register(server_app, "till-a"))
    await _synced(kiosk)
    for sid in made:
        assert (await admin.get(sid))["status"] == (await kiosk.get(sid))["status"]
    kiosk_id = (await admin.get(made[0]))["kioskId"]
    assert await _export(admin.http, admin.base, kiosk=kiosk_id) == await _export(kiosk.http, kiosk.base)


def test_a_bad_chunk_is_refused() -> None:
    run = _backfill("sqlite:///unused.db", "--chunk", "0")
    assert run.returncode == 2 and "at least 1" in run.stderr
