"""Storage trouble is a clear state: a full database answers 507 and recovers by itself, the WAL
stays bounded, and a damaged database file is refused at start-up and left as it is.

The full disk is SQLite's `PRAGMA max_page_count` (the database may not grow past it), set by
a test-only hook on every connection the server opens to kiosk.db: what SQLite answers then,
SQLITE_FULL "database or disk is full", is what it answers on a full disk."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aiohttp import web
from sqlalchemy import Engine, event

from backend import app_keys
from backend.app import create_app
from backend.db.database import DatabaseCorrupt, is_disk_full
from tests.backend.api import Api, eventually
from tests.backend.conftest import make_settings

SQLITE_ONLY = pytest.mark.sqlite_only(reason="fills and damages a SQLite file")


class PageLimit:
    """`PRAGMA max_page_count` on every SQLAlchemy connection to one database file, live ones
    included, so a test can fill the database and then give it room again."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.pages: int | None = None
        self.connections: list[Any] = []

    def _on_connect(self, dbapi_connection: Any, _record: Any) -> None:
        files = [row[2] for row in dbapi_connection.execute("PRAGMA database_list")]
        if self.path in files:
            self.connections.append(dbapi_connection)
            self._apply(dbapi_connection)

    def _apply(self, dbapi_connection: Any) -> None:
        # SQLite raises a limit below the database's size to that size: the file is full.
        pages = self.pages if self.pages is not None else 1_073_741_823
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    def set(self, pages: int | None) -> None:
        """Only while the server is idle: the live connections belong to its threads."""
        self.pages = pages
        for connection in self.connections:
            with contextlib.suppress(sqlite3.ProgrammingError):  # closed meanwhile
                self._apply(connection)


@pytest.fixture
def page_limit(tmp_path: Path) -> Iterator[PageLimit]:
    limit = PageLimit(tmp_path / "kiosk.db")
    event.listen(Engine, "connect", limit._on_connect)
    try:
        yield limit
    finally:
        event.remove(Engine, "connect", limit._on_connect)


async def fill(api: Api) -> Any:
    """Create sessions until the database refuses; the refusal."""
    for _ in range(5000):
        reply = await api.call("POST", "/api/orders", {"items": [{"productId": "masala-chai", "quantity": 1}]})
        if reply.status < 300:
            reply = await api.call("POST", "/api/payments/session/create", {"orderId": reply.body["orderId"]})
        if reply.status >= 300:
            return reply
    raise AssertionError("the database never filled")


async def health(api: Api) -> int:
    async with api.http.get(api.base + "/api/health") as reply:
        return reply.status


def make_in_flight(path: Path, data_dir: Path) -> str:
    """Leave one attempt in flight, owned by this data directory's instance, as a crash would;
    then fill the history table's last page, so that recovering it needs room."""
    owner = (data_dir / "instance.lock").read_text().strip()
    with contextlib.closing(sqlite3.connect(path)) as conn:
        with conn:
            (session_id,) = conn.execute(
                "SELECT id FROM payment_sessions WHERE status = 'INITIATED' ORDER BY created_at_ms LIMIT 1"
            ).fetchone()
            conn.execute(
                "UPDATE payment_sessions SET status = 'PROCESSING', attempts = 1, owner = ? WHERE id = ?",
                (owner, session_id),
            )
        (pages,) = conn.execute("PRAGMA page_count").fetchone()
        conn.execute(f"PRAGMA max_page_count={pages}")
        with contextlib.suppress(sqlite3.OperationalError):  # database or disk is full
            for _ in range(1000):
                with conn:
                    conn.execute(
                        "INSERT INTO session_events (session_id, at_ms, kind, attempt) VALUES (?, 0, 'attempt', 1)",
                        (session_id,),
                    )
    return str(session_id)


@SQLITE_ONLY
async def test_a_full_database_answers_507_serves_reads_starts_and_recovers_by_itself(
    start_app, page_limit: PageLimit, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    api, _, client = await start_app()
    paid = await api.session()
    await api.pay(paid)
    await api.wait_for(paid, "COMPLETED")

    page_limit.set(1)  # no page more than the file has now
    refused = await fill(api)
    assert (refused.status, refused.content_type, refused.body["code"]) == (507, "application/json", "storage_full")
    assert "storage is full" in refused.body["message"]
    assert (await api.get(paid))["status"] == "COMPLETED"  # reads go on
    assert await health(api) == 200

    # A restart on the full database, with an attempt left in flight whose recovery must write.
    await client.close()
    in_flight = make_in_flight(tmp_path / "kiosk.db", tmp_path)
    caplog.set_level(logging.ERROR, logger="backend.app")
    api, app, _ = await start_app(storage_retry_s=0.05)
    assert "start-up recovery of interrupted payments must wait for storage" in caplog.text
    assert (await api.get(paid))["status"] == "COMPLETED"
    assert (await fill(api)).status == 507

    # Space comes back: the same server writes again, and finishes its start-up recovery.
    page_limit.set(None)
    await api.wait_for(in_flight, "INTERRUPTED")
    assert (await api.get(in_flight))["lastInterruptionReason"] == "CRASH_RECOVERED"
    order = await api.order()
    assert (await api.call("POST", "/api/payments/session/create", {"orderId": order})).status == 201
    assert app[app_keys.DATABASE].url.startswith("sqlite")


def test_postgresql_disk_full_is_storage_full() -> None:
    assert is_disk_full(psycopg.errors.DiskFull("could not extend file"))
    assert not is_disk_full(psycopg.errors.SerializationFailure("no"))
    assert is_disk_full(sqlite3.OperationalError("database or disk is full"))


@SQLITE_ONLY
async def test_the_wal_stays_bounded(start_app, tmp_path: Path):
    limit = 64 * 1024
    api, _, _ = await start_app(db_wal_limit_bytes=limit, db_wal_autocheckpoint_pages=16)
    wal = tmp_path / "kiosk.db-wal"
    largest = 0
    for _ in range(150):  # ~10 pages a session: without the bound, a 600 KB WAL
        await api.session()
        largest = max(largest, wal.stat().st_size)
    # A checkpoint every 16 pages, and the file cut back to the limit when it starts over. A
    # reader in the way of a checkpoint lets it run past the limit for a while (seen: over 128
    # KiB on a busy machine); unbounded, this run leaves a WAL of 4 MB.
    assert largest <= 8 * limit, largest


def damage(path: Path) -> None:
    """Garbage over pages in the middle of the file, as a failing card or a torn write leaves."""
    size = path.stat().st_size
    pages = size // 4096
    with path.open("r+b") as file:
        for page in range(pages // 3, 2 * pages // 3):
            file.seek(page * 4096)
            file.write(os.urandom(4096))


@SQLITE_ONLY
async def test_a_damaged_database_is_refused_at_start_up_and_kept(start_app, tmp_path: Path):
    api, _, client = await start_app()
    for _ in range(200):
        await api.session()
    await client.close()
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("kiosk.db", "offline.key"):
        shutil.copy(tmp_path / name, copy / name)
    damage(copy / "kiosk.db")
    before = hashlib.sha256((copy / "kiosk.db").read_bytes()).hexdigest()

    app = create_app(make_settings(copy, f"sqlite:///{copy / 'kiosk.db'}"))
    runner = web.AppRunner(app)
    with pytest.raises(DatabaseCorrupt) as refused:
        await runner.setup()
    await runner.cleanup()

    message = str(refused.value)
    assert "is damaged" in message and "left untouched" in message
    assert "restore the last backup" in message and ".recover" in message
    assert hashlib.sha256((copy / "kiosk.db").read_bytes()).hexdigest() == before
    assert sorted(p.name for p in copy.iterdir() if p.name.startswith("kiosk.db")) == ["kiosk.db"]


async def test_an_intact_database_starts(start_app, tmp_path: Path):
    api, _, client = await start_app()
    await api.session()
    await client.close()
    api, _, _ = await start_app()

    async def status() -> int:
        return await health(api)

    await eventually(status, lambda code: code == 200, what="health")
