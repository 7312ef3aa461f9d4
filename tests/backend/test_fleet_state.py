"""State the processes of a fleet share through their one database: the admin PIN's count of
wrong guesses and its lockout, and the key that seals payments accepted offline."""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from cryptography.fernet import Fernet
from sqlalchemy import text

from backend import app_keys
from backend.db import migrate
from backend.db.database import make_engine
from backend.http.admin_pin import Lockout, SeenLock, record_guess
from backend.offline import sealing
from backend.offline.sealing import key_id, load_or_create_key
from tests.backend.api import ADMIN_TOKEN, Api, Reply, eventually
from tests.backend.conftest import AppFactory, MovableClock
from tests.backend.test_offline import OFFLINE, accept_offline
from tests.backend.test_payments import charges_for, standing

PIN = "8642"


async def unlock(api: Api, pin: str) -> Reply:
    return await api.call("POST", "/api/admin/unlock", {"pin": pin})


async def assert_wrong(api: Api) -> None:
    reply = await unlock(api, "0000")
    assert (reply.status, reply.body["code"]) == (403, "wrong_pin")


async def test_wrong_pins_spread_over_two_processes_lock_both(start_app: AppFactory):
    a, _, _ = await start_app(admin_pin=PIN)
    b, _, _ = await start_app(admin_pin=PIN)
    for api in (a, b, a, b, a):  # three on one process, two on the other: five on the fleet
        await assert_wrong(api)

    for api in (a, b):
        locked = await unlock(api, PIN)
        assert (locked.status, locked.body["code"]) == (429, "too_many_attempts")


async def test_a_guess_made_while_another_process_counts_one_waits_and_counts_on_top(database_url: str):
    """The writers of two processes: the second guess runs while the first one's transaction is
    still open, and must count on top of it once it commits (a count read before the first
    commit and written back after would lose it)."""
    await asyncio.to_thread(migrate.upgrade, database_url)
    # Each like a Database's writer: SQLite's BEGIN IMMEDIATE, PostgreSQL's READ COMMITTED.
    engines = [make_engine(database_url, pool_size=1, begin="BEGIN IMMEDIATE") for _ in range(3)]
    lockout = Lockout(max_failures=5, first_ms=60_000, longest_ms=3_600_000, window_ms=60_000)
    guess = functools.partial(record_guess, right=False, from_window=False, lockout=lockout, seen=SeenLock(),
                              steady_ms=1_000, monotonic_ms=1_000)

    def second_guess() -> None:
        with engines[1].begin() as conn:
            guess(conn)

    def waiting_for_a_lock() -> int:
        with engines[2].connect() as conn:
            return int(conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock'")).scalar_one())

    try:
        with engines[0].begin() as conn:
            guess(conn)  # the row exists: both guesses below are updates
        first = engines[0].connect()
        transaction = first.begin()
        try:
            guess(first)
            second = asyncio.create_task(asyncio.to_thread(second_guess))
            if engines[0].dialect.name == "postgresql":
                await eventually(lambda: asyncio.to_thread(waiting_for_a_lock), lambda n: n == 1,
                                 what="the second guess to wait for the first one's row lock")
            else:
                await asyncio.sleep(0.3)  # the second waits for the write lock (busy timeout)
            assert not second.done()
        finally:
            transaction.commit()
            first.close()
        await second
        with engines[2].connect() as conn:
            failures = conn.execute(text("SELECT failures FROM admin_pin_state")).scalar_one()
        assert failures == 3
    finally:
        for engine in engines:
            engine.dispose()


async def test_the_lock_ends_after_the_lockout_and_a_right_pin_resets_the_count_fleet_wide(
    start_app: AppFactory,
):
    clock = MovableClock()
    a, _, _ = await start_app(clock, admin_pin=PIN)
    b, _, _ = await start_app(clock, admin_pin=PIN)
    for api in (a, b, a, b, a):
        await assert_wrong(api)

    clock.advance(59)
    locked = await unlock(b, PIN)
    assert (locked.status, locked.body["code"]) == (429, "too_many_attempts")
    assert "1 s" in locked.body["message"]
    clock.advance(2)  # 61 s after the fifth wrong PIN
    assert (await unlock(b, PIN)).status == 200

    # The lock started the count again; a right PIN on either process starts it again too.
    for api in (a, b, a, b):
        await assert_wrong(api)
    assert (await unlock(a, PIN)).status == 200
    for api in (b, a, b, a):
        await assert_wrong(api)
    assert (await unlock(b, PIN)).status == 200  # eight wrong since the lock, never five in a row


async def sealed_of(app: web.Application, session_id: str) -> bytes | None:
    def read(conn: Any) -> bytes | None:
        value = conn.execute(
            text("SELECT sealed_source FROM offline_payments WHERE session_id = :id"), {"id": session_id}
        ).scalar_one()
        return None if value is None else bytes(value)

    return await app[app_keys.DATABASE].read(read)


@pytest.mark.parametrize("damage", ["sealed with another key", "not a payment"])
async def test_a_sealed_payment_that_cannot_be_opened_is_set_aside_and_the_next_is_forwarded(
    start_app: AppFactory, tmp_path: Path, damage: str
):
    clock = MovableClock()
    api, app, _ = await start_app(clock, **OFFLINE)
    unreadable = await accept_offline(api)
    clock.advance(1)  # forwarded oldest first: the unreadable one comes first
    readable = await accept_offline(api)
    own_key = load_or_create_key(tmp_path / "offline.key")
    fernet = Fernet(Fernet.generate_key() if damage == "sealed with another key" else own_key)
    damaged = fernet.encrypt(b"{not json")
    await app[app_keys.DATABASE].write(lambda conn: conn.execute(
        text("UPDATE offline_payments SET sealed_source = :sealed WHERE session_id = :id"),
        {"sealed": damaged, "id": unreadable}))
    # A pass that read the payment before the damage still holds its good bytes: "forward now"
    # waits for it to end (one pass at a time), and every pass after reads the damaged bytes.
    await api.ok("POST", "/api/payments/offline/forward", token=ADMIN_TOKEN)

    await api.faults("none")

    await api.wait_for(readable, "COMPLETED")
    # The forwarder does not keep trying the unreadable one: a pass ends, and finds nothing to do.
    forwarded = await asyncio.wait_for(
        api.call("POST", "/api/payments/offline/forward", token=ADMIN_TOKEN), timeout=5)
    assert forwarded.body == {"completed": 0, "declined": 0, "waiting": 0, "busy": False}
    listed = await api.ok("GET", "/api/payments/offline", token=ADMIN_TOKEN)
    entry = next(p for p in listed["payments"] if p["sessionId"] == unreadable)
    assert (entry["status"], entry["outcome"]) == ("OFFLINE_ACCEPTED", None)
    assert entry["lastError"].startswith("needs the admin: cannot be opened with offline key")
    assert listed["waiting"] == 1  # still owed, still counted against the offline limits
    assert await sealed_of(app, unreadable) == damaged  # kept, byte for byte
    assert await charges_for(api, app, unreadable) == []


async def two_kiosks(
    start_app: AppFactory, tmp_path: Path, key_a: Path, key_b: Path
) -> tuple[tuple[Api, web.Application], tuple[Api, web.Application]]:
    """Two processes with data directories of their own, on one database and one gateway."""
    api_a, app_a, _ = await start_app(**OFFLINE, data_dir=tmp_path / "a", offline_key_file=key_a)
    api_b, app_b, _ = await start_app(
        **OFFLINE, data_dir=tmp_path / "b", offline_key_file=key_b, gateway_url=app_a[app_keys.GATEWAY_URL])
    return (api_a, app_a), (api_b, app_b)


async def test_two_processes_naming_one_key_file_forward_each_others_offline_payments(
    start_app: AppFactory, tmp_path: Path
):
    fleet_key = tmp_path / "fleet" / "offline.key"
    (api_a, app_a), (api_b, _) = await two_kiosks(start_app, tmp_path, fleet_key, fleet_key)

    # a accepts offline and stays cut off from the gateway: only b's forwarder can send it.
    from_a = await accept_offline(api_a)
    await api_b.wait_for(from_a, "COMPLETED")
    # And the other way round.
    await api_a.faults("none")
    from_b = await accept_offline(api_b)
    await api_a.wait_for(from_b, "COMPLETED")

    for session_id in (from_a, from_b):
        assert len(standing(await charges_for(api_a, app_a, session_id))) == 1
    assert not (tmp_path / "a" / "offline.key").exists() and not (tmp_path / "b" / "offline.key").exists()


async def test_a_payment_set_aside_under_one_key_is_still_forwarded_by_the_process_whose_key_opens_it(
    start_app: AppFactory, tmp_path: Path
):
    """A fleet started with two keys by mistake: set aside by the process that cannot open it,
    the payment is neither lost nor stuck."""
    (api_a, app_a), (api_b, _) = await two_kiosks(start_app, tmp_path, tmp_path / "a.key", tmp_path / "b.key")
    session_id = await accept_offline(api_b)  # sealed with b's key; b cannot reach the gateway

    async def set_aside() -> list[tuple[str, str]]:
        query = text("SELECT session_id, key_id FROM offline_unreadable")
        return await app_a[app_keys.DATABASE].read(lambda conn: [tuple(r) for r in conn.execute(query)])

    a_key = key_id(load_or_create_key(tmp_path / "a.key"))
    await eventually(set_aside, lambda rows: rows == [(session_id, a_key)], what="a's forwarder to set it aside")
    await api_b.faults("none")

    await api_b.wait_for(session_id, "COMPLETED")
    assert len(standing(await charges_for(api_a, app_a, session_id))) == 1
    assert await set_aside() == []


def test_processes_creating_the_shared_key_file_at_once_all_get_the_one_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A fleet's first start: every process finds no key and makes one; only one may win, and
    nobody may read it half-written."""
    path = tmp_path / "fleet" / "offline.key"
    generate = sealing.new_key

    def slow_generate() -> bytes:  # widens any window between a key file appearing and its key
        time.sleep(0.05)
        return generate()

    monkeypatch.setattr(sealing, "new_key", slow_generate)
    start = threading.Barrier(16)

    def load(_: int) -> bytes:
        start.wait()
        return load_or_create_key(path)

    with ThreadPoolExecutor(16) as pool:
        keys = set(pool.map(load, range(16)))

    assert keys == {path.read_bytes()}
    Fernet(keys.pop())  # a whole key
    assert [p.name for p in path.parent.iterdir()] == ["offline.key"]  # no temporary file left
