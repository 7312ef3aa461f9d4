"""Jumps of the wall clock, either way, while the backend runs and while it does not: no
session is purged or expired early, no retry or PIN lock is stretched (backend/clock.py).

`MovableClock.jump` moves only the wall clock, as NTP or an operator does; `advance` lets
time pass (wall and monotonic). One test runs the headless backend under libfaketime.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from backend import app_keys
from tests.backend.api import ADMIN_TOKEN, CASH, OPERATOR_PIN, Api
from tests.backend.conftest import AppFactory, MovableClock
from tests.backend.server_process import ServerProcess

DAY_S = 86_400
PIN = "8642"


async def finished_and_open(api: Api, pin: str = OPERATOR_PIN) -> tuple[list[str], str]:
    """Two finished sessions (cancelled, paid in cash) and one still open."""
    cancelled = await api.session()
    await api.action(cancelled, "cancel")
    cash = await api.session()
    assert (await api.action(cash, "complete", {**CASH, "operatorPin": pin})).status == 200
    return [cancelled, cash], await api.session()


async def event_count(app: web.Application, session_ids: list[str]) -> int:
    from sqlalchemy import func, select

    from backend.db.tables import SessionEvent

    query = select(func.count()).select_from(SessionEvent).where(SessionEvent.session_id.in_(session_ids))
    return int(await app[app_keys.DATABASE].read(lambda conn: conn.execute(query).scalar_one()))


async def assert_kept(api: Api, finished: list[str]) -> None:
    for session_id in finished:
        session = await api.get(session_id)
        assert session["events"], session_id


async def stop(client: TestClient) -> None:
    """A clean shutdown of one app, as at the end of a run (a restart follows)."""
    await client.close()


# ---- the purge and the session lifetime --------------------------------------------------------


async def test_a_forward_jump_of_91_days_purges_nothing_and_expires_nothing(start_app: AppFactory):
    clock = MovableClock()
    api, app, _ = await start_app(clock, retention_days=90)
    finished, still_open = await finished_and_open(api)
    events = await event_count(app, finished)

    clock.jump(91 * DAY_S)
    result = await app[app_keys.CLEANUP].run_once()

    assert (result.purged, result.expired) == (0, 0)
    await assert_kept(api, finished)
    assert await event_count(app, finished) == events
    assert (await api.get(still_open))["status"] == "INITIATED"
    assert (await api.action(still_open, "complete", CASH)).status == 200  # not "expired"


async def test_a_backward_jump_of_91_days_purges_nothing_even_once_the_clock_is_right_again(
    start_app: AppFactory,
):
    clock = MovableClock()
    api, app, _ = await start_app(clock, retention_days=90)
    before, _ = await finished_and_open(api)

    clock.jump(-91 * DAY_S)  # a board that boots at an old date...
    during, still_open = await finished_and_open(api)  # ...records 91-day-old times
    assert (await app[app_keys.CLEANUP].run_once()).purged == 0
    clock.jump(91 * DAY_S)  # ...and NTP corrects it: those times now look 91 days old
    result = await app[app_keys.CLEANUP].run_once()

    assert (result.purged, result.expired) == (0, 0)
    await assert_kept(api, before + during)
    assert (await api.get(still_open))["status"] == "INITIATED"

    # Not a purge switched off: what was recorded during the jump goes 90 days of running
    # time after it was recorded; what came before waits out the jump too (the horizon
    # followed the clock down).
    clock.advance(92 * DAY_S)
    assert (await app[app_keys.CLEANUP].run_once()).purged == 2
    await assert_kept(api, before)
    for session_id in during:
        assert (await api.call("GET", f"/api/payments/session/{session_id}")).status == 404


async def test_a_forward_jump_while_no_process_runs_purges_nothing(start_app: AppFactory, tmp_path: Path):
    clock = MovableClock()
    api, app, client = await start_app(clock, retention_days=90)
    finished, still_open = await finished_and_open(api)
    events = await event_count(app, finished)
    await stop(client)

    clock.jump(91 * DAY_S)  # down for a moment, up 91 days "later"
    api, app, _ = await start_app(clock, retention_days=90)
    result = await app[app_keys.CLEANUP].run_once()

    assert result.purged == 0
    await assert_kept(api, finished)
    assert await event_count(app, finished) == events
    # What such a jump can do (backend/clock.py): to deadlines it looks like 91 days of
    # downtime, so the session left open expires; it is not deleted.
    assert (await api.get(still_open))["status"] == "EXPIRED"
    assert (tmp_path / "clock.json").stat().st_mode & 0o777 == 0o600  # what the restart resumed from


async def test_a_backward_jump_while_no_process_runs_leaves_open_sessions_their_lifetime(
    start_app: AppFactory,
):
    clock = MovableClock()
    api, app, client = await start_app(clock, session_ttl_s=600)
    still_open = await api.session()
    clock.advance(60)
    await stop(client)

    clock.jump(-91 * DAY_S)
    api, app, _ = await start_app(clock, session_ttl_s=600)
    clock.advance(500)  # 560 s of its 600
    assert (await app[app_keys.CLEANUP].run_once()).expired == 0
    assert (await api.get(still_open))["status"] == "INITIATED"

    clock.advance(60)  # steady time resumed where the last run left it: the lifetime still ends
    assert (await app[app_keys.CLEANUP].run_once()).expired == 1
    assert (await api.get(still_open))["status"] == "EXPIRED"


async def test_without_saved_state_the_horizon_reaches_no_further_than_the_newest_data(
    start_app: AppFactory, tmp_path: Path
):
    """The first start after an upgrade (no clock.json yet) on a clock already 91 days ahead."""
    clock = MovableClock()
    api, app, client = await start_app(clock, retention_days=90)
    finished, _ = await finished_and_open(api)
    await stop(client)
    (tmp_path / "clock.json").unlink(missing_ok=True)

    clock.jump(91 * DAY_S)
    api, app, _ = await start_app(clock, retention_days=90)

    assert (await app[app_keys.CLEANUP].run_once()).purged == 0
    await assert_kept(api, finished)


async def test_a_jump_of_20_minutes_does_not_expire_a_one_minute_old_session(start_app: AppFactory):
    clock = MovableClock()
    api, app, _ = await start_app(clock, session_ttl_s=900)
    session_id = await api.session()
    clock.advance(60)

    clock.jump(20 * 60)
    result = await app[app_keys.CLEANUP].run_once()

    assert result.expired == 0
    assert (await api.get(session_id))["status"] == "INITIATED"
    assert (await api.pay(session_id)).status == 202  # a payment may still start
    await api.wait_for(session_id, "COMPLETED")

    late = await api.session()
    clock.advance(901)  # its whole lifetime, really passed
    assert (await app[app_keys.CLEANUP].run_once()).expired == 1
    assert (await api.get(late))["status"] == "EXPIRED"


async def test_an_interrupted_session_is_not_expired_by_a_forward_jump(start_app: AppFactory):
    clock = MovableClock()
    api, _, _ = await start_app(clock, session_ttl_s=900, gateway_timeout_s=0.3)
    session_id = await api.session()
    await api.faults("timeout")
    await api.pay(session_id)
    await api.wait_for(session_id, "INTERRUPTED", settled=True)
    await api.faults("none")

    clock.jump(20 * 60)

    session = await api.get(session_id)
    assert session["canResume"] and session["settlingTo"] is None
    reply = await api.action(session_id, "resume", {})
    assert reply.status == 202, reply.body
    await api.wait_for(session_id, "COMPLETED")


# ---- durations ------------------------------------------------------------------------------------


async def test_a_backward_jump_does_not_delay_an_automatic_retry(start_app: AppFactory):
    clock = MovableClock()
    api, _, _ = await start_app(clock, retry_delay_s=1.0)
    await api.faults("offline")
    session_id = await api.session()
    await api.pay(session_id)
    interrupted = await api.wait_for(session_id, "INTERRUPTED")
    assert interrupted["lastInterruptionReason"] == "NETWORK_ERROR"
    await api.faults("none")
    started = time.monotonic()

    clock.jump(-60)
    session = await api.wait_for(session_id, "COMPLETED", timeout=10)

    waited = time.monotonic() - started
    assert waited < 3.0, f"the retry came {waited:.1f} s after the interruption"
    assert session["attempts"] == 2


async def test_the_next_retry_is_shown_on_the_jumped_wall_clock(start_app: AppFactory):
    clock = MovableClock()
    api, _, _ = await start_app(clock, retry_delay_s=5.0)
    await api.faults("offline")
    session_id = await api.session()
    await api.pay(session_id)
    await api.wait_for(session_id, "INTERRUPTED")

    clock.jump(-3600)
    session = await api.get(session_id)

    from datetime import datetime

    due_ms = datetime.fromisoformat(session["nextRetryAt"].replace("Z", "+00:00")).timestamp() * 1000
    assert 0 < due_ms - clock() <= 5_000  # "in 5 s", not "in an hour and 5 s"


async def unlock(api: Api, pin: str, token: str | None = None) -> Any:
    return await api.call("POST", "/api/admin/unlock", {"pin": pin}, token=token)


async def test_a_backward_jump_of_an_hour_does_not_stretch_the_pin_lockout(start_app: AppFactory):
    clock = MovableClock()
    api, _, _ = await start_app(clock, admin_pin=PIN, admin_pin_lockout_s=60)
    for _ in range(5):
        await unlock(api, "0000")

    clock.jump(-3600)
    locked = await unlock(api, PIN)
    assert (locked.status, locked.body["code"]) == (429, "too_many_attempts")
    assert locked.body["message"] == "Too many wrong PINs. Try again in 60 s."

    clock.advance(61)
    assert (await unlock(api, PIN)).status == 200


async def test_a_forward_jump_of_an_hour_does_not_end_the_pin_lockout(start_app: AppFactory):
    clock = MovableClock()
    api, _, _ = await start_app(clock, admin_pin=PIN, admin_pin_lockout_s=60)
    for _ in range(5):
        await unlock(api, "0000")

    clock.jump(3600)
    clock.advance(30)
    locked = await unlock(api, PIN)
    assert (locked.status, locked.body["message"]) == (429, "Too many wrong PINs. Try again in 30 s.")


async def test_a_pin_lock_another_process_set_is_not_stretched_by_this_ones_jump(start_app: AppFactory):
    clock_a, clock_b = MovableClock(), MovableClock()
    a, _, _ = await start_app(clock_a, admin_pin=PIN)
    b, _, _ = await start_app(clock_b, admin_pin=PIN)
    for _ in range(5):
        await unlock(a, "0000")

    clock_b.jump(-3600)  # b's clock went back before it ever saw the lock
    locked = await unlock(b, PIN)
    assert locked.status == 429
    assert locked.body["message"] == "Too many wrong PINs. Try again in 60 s."  # at most the lock's length
    clock_a.advance(61)
    clock_b.advance(61)
    assert (await unlock(b, PIN)).status == 200


# ---- the real thing: the headless backend under libfaketime ---------------------------------------


def day_of(epoch_s: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch_s, tz=UTC).date().isoformat()

_FAKETIME_LIBS = (
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1",
    "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1",
    "/usr/lib/faketime/libfaketimeMT.so.1",
    "/usr/local/lib/faketime/libfaketimeMT.so.1",
)
FAKETIME = next((lib for lib in _FAKETIME_LIBS if os.path.exists(lib)), None)


@pytest.mark.slow
@pytest.mark.sqlite_only("one subprocess run under libfaketime; the clock logic is the same on both")
@pytest.mark.skipif(FAKETIME is None, reason="libfaketime is not installed (apt-get install faketime)")
async def test_the_headless_backend_under_libfaketime_survives_jumps_of_91_days(
    tmp_path: Path, database_url: str
):
    """The wall clock of the whole process (not the monotonic one, as with a real clock
    step) is moved by rewriting libfaketime's offset file while the server runs."""
    assert FAKETIME is not None
    offset = tmp_path / "faketime"
    offset.write_text("+0\n")
    env = {
        "LD_PRELOAD": FAKETIME,
        "FAKETIME_TIMESTAMP_FILE": str(offset),
        "FAKETIME_CACHE_DURATION": "1",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        "SMARTCART_CLEANUP_INTERVAL_S": "0.2",
        "SMARTCART_SESSION_TTL_S": "600",
        "SMARTCART_RETENTION_DAYS": "90",
        "SMARTCART_ADMIN_PIN": PIN,
    }

    async def passes_run(api: Api, seconds: float) -> None:
        await asyncio.sleep(seconds)  # 1 s of libfaketime's cache, then several cleanup passes
        assert (await api.call("GET", "/api/health")).status == 200

    with ServerProcess(tmp_path, env=env, database_url=database_url) as server:
        async with aiohttp.ClientSession() as http:
            api = Api(http, server.start())
            before, open_before = await finished_and_open(api, PIN)

            offset.write_text("+91d\n")
            await passes_run(api, 2.5)
            order = await api.ok("POST", "/api/orders", {"items": [{"productId": "masala-chai", "quantity": 1}]})
            assert order["createdAt"][:10] == day_of(time.time() + 91 * DAY_S)  # the server sees the jump
            await assert_kept(api, before)
            assert (await api.get(open_before))["status"] == "INITIATED"

            offset.write_text("-91d\n")
            await passes_run(api, 2.5)
            during, open_during = await finished_and_open(api, PIN)
            offset.write_text("+0\n")
            await passes_run(api, 2.5)

            await assert_kept(api, before + during)
            for session_id in (open_before, open_during):
                assert (await api.get(session_id))["status"] == "INITIATED"
            reply = await api.call("POST", "/api/admin/unlock", {"pin": PIN})
            assert reply.status == 200
            listed = await api.ok("GET", "/api/payments/sessions/active", token=ADMIN_TOKEN)
            assert {s["sessionId"] for s in listed["sessions"]} >= {open_before, open_during}
        assert server.stop() == 0
    assert "the wall clock went back" in server.log()
