"""A kiosk database restored from a backup numbers its outbox again from the backup's seq, below
what the fleet server already holds: its new changes must not be taken for resends and lost."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from backend.db import migrate
from backend.db.database import sync_url
from backend.sync import outbox
from tests.backend.api import ADMIN_TOKEN, Api, eventually
from tests.backend.conftest import AppFactory
from tests.backend.test_sync import _kiosk, _register, _server_url, _status, _synced


def _backup(source: Path, target: Path) -> None:
    """SQLite's online backup, as an operator's backup job would take it from the running kiosk."""
    target.parent.mkdir(parents=True)
    with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


async def test_a_kiosk_restored_from_a_backup_keeps_its_new_changes_and_says_why(
    start_app: AppFactory, aiohttp_client: Any, tmp_path: Path
) -> None:
    _, server_app, server_client = await start_app()
    admin = Api(server_client.session, _server_url(server_client), token=ADMIN_TOKEN)
    token = await _register(server_app, "till-a")
    url = _server_url(server_client)
    kiosk, _ = await _kiosk(aiohttp_client, tmp_path, "till-a", url, token)
    assert (await kiosk.cash(await kiosk.session())).status < 300
    await _synced(kiosk)
    _backup(tmp_path / "till-a" / "kiosk.db", tmp_path / "restored" / "kiosk.db")
    for _ in range(3):  # the server's cursor moves well past the backup's
        assert (await kiosk.cash(await kiosk.session())).status < 300
    await _synced(kiosk)

    restored, _ = await _kiosk(aiohttp_client, tmp_path, "restored", url, token)
    new = await restored.session()
    status = await eventually(lambda: _status(restored), lambda s: s["lastError"] is not None,
                              what="the sync refusing to forget the new change")
    assert "restored from a backup" in status["lastError"], status
    assert status["refused"] and status["refusedCode"] == "kiosk_database_behind"  # "Sync refused" on its bar
    assert status["pending"] > 0  # the new session's change is still here, to be sent once sorted out
    assert (await admin.call("GET", f"/api/payments/session/{new}")).status == 404


def test_the_highest_seq_handed_out_outlives_the_rows_acknowledged(database_url: str) -> None:
    """What the restore check compares with: on either database the numbering never goes back,
    even once every row was acknowledged and deleted."""
    migrate.upgrade(database_url)
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as conn, conn.begin():
            assert outbox.high_water(conn) == 0
            outbox.enqueue(conn, ["a" * 32, "b" * 32, "c" * 32])
            top = max(seq for seq, _ in outbox.oldest(conn, 10))
            outbox.acknowledge(conn, top)
            assert outbox.pending(conn) == 0
            assert outbox.high_water(conn) == top >= 3
    finally:
        engine.dispose()
