"""Nothing readable after the fact: a forwarded card leaves no sealed copy in the database, in
its WAL, or in a file anyone but the kiosk's user can read."""

from __future__ import annotations

import re
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import text

from backend import app_keys
from backend.db.database import restrict_files
from tests.backend.api import GOOD_CARD, eventually
from tests.backend.test_offline import OFFLINE, accept_offline

# A Fernet token: version byte 0x80 and an 8-byte timestamp, so its base64 starts "gAAAAA".
_TOKEN = re.compile(rb"gAAAAA[A-Za-z0-9_\-]{40,}={0,2}")
_CARDS = [
    {**GOOD_CARD, "number": "4242424242424242", "cvv": "123"},
    {**GOOD_CARD, "number": "4000056655665556", "cvv": "737"},
    {**GOOD_CARD, "number": "5555555555554444", "cvv": "468"},
]


def opened_tokens(data_dir: Path) -> list[bytes]:
    """Every token in kiosk.db and kiosk.db-wal that the kiosk's own key opens, as plain text."""
    fernet = Fernet((data_dir / "offline.key").read_bytes().strip())
    opened = []
    for name in ("kiosk.db", "kiosk.db-wal"):
        path = data_dir / name
        if not path.exists():
            continue
        for token in _TOKEN.findall(path.read_bytes()):
            try:
                opened.append(fernet.decrypt(token))
            except InvalidToken:
                continue
    return opened


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.sqlite_only(reason="reads the bytes of the SQLite file and its WAL")
async def test_forwarded_cards_leave_no_sealed_copy_in_the_database_or_its_wal(start_app, tmp_path: Path):
    api, _, _ = await start_app(**OFFLINE)
    sessions = [await accept_offline(api, card) for card in _CARDS]

    # The scan finds the sealed cards while they wait: it would see them if they stayed.
    waiting = opened_tokens(tmp_path)
    for card in _CARDS:
        assert any(card["number"].encode() in plain for plain in waiting)

    await api.faults("none")
    for session_id in sessions:
        await api.wait_for(session_id, "COMPLETED")

    async def left() -> list[bytes]:
        return opened_tokens(tmp_path)

    # Forwarded: neither the database nor any old WAL frame opens to a card any more.
    assert await eventually(left, lambda found: found == [], what="no sealed card left", timeout=5) == []
    with sqlite3.connect(tmp_path / "kiosk.db") as conn:
        kept = conn.execute("SELECT count(*) FROM offline_payments WHERE sealed_source IS NOT NULL").fetchone()
    assert kept == (0,)
    everything = b"".join(p.read_bytes() for p in tmp_path.glob("kiosk.db*"))
    for card in _CARDS:
        assert card["number"].encode() not in everything


async def test_the_database_key_and_data_directory_are_owner_only(start_app, tmp_path: Path, database_url: str):
    api, _, client = await start_app(**OFFLINE)
    await accept_offline(api)

    assert mode(tmp_path) == 0o700
    names = ["offline.key", "instance.lock"]
    if database_url.startswith("sqlite"):
        names += ["kiosk.db", "kiosk.db-wal", "kiosk.db-shm"]
    for name in names:
        assert mode(tmp_path / name) == 0o600, name

    # Files left world-readable by an older version are made owner-only at the next start.
    await client.close()
    tmp_path.chmod(0o755)
    for name in names:
        if (tmp_path / name).exists():  # a clean close removes the WAL and shared-memory files
            (tmp_path / name).chmod(0o644)
    (tmp_path / "backend.log").write_text("a log kept beside the database\n")
    (tmp_path / "backend.log").chmod(0o644)
    await start_app(**OFFLINE)
    assert mode(tmp_path) == 0o700
    for name in [*names, "backend.log"]:
        assert mode(tmp_path / name) == 0o600, name


def test_sqlite_creates_its_wal_and_shm_with_the_database_files_mode(tmp_path: Path):
    path = tmp_path / "new" / "kiosk.db"
    restrict_files(path)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (1)")
        for name in ("kiosk.db", "kiosk.db-wal", "kiosk.db-shm"):
            assert mode(tmp_path / "new" / name) == 0o600, name


async def test_a_forwarded_cards_sealed_value_is_gone_from_its_row(start_app):
    """On PostgreSQL too (its WAL and old row versions until VACUUM are the server's to guard)."""
    api, app, _ = await start_app(**OFFLINE)
    sessions = [await accept_offline(api, card) for card in _CARDS[:2]]
    db = app[app_keys.DATABASE]

    def sealed(conn: Any) -> int:
        return int(conn.execute(text("SELECT count(*) FROM offline_payments WHERE sealed_source IS NOT NULL")).scalar())

    assert await db.read(sealed) == 2
    await api.faults("none")
    for session_id in sessions:
        await api.wait_for(session_id, "COMPLETED")
    assert await db.read(sealed) == 0
