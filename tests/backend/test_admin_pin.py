"""The admin PIN over HTTP: none ships (a first start generates one, shows it once and keeps
its hash), locks grow with each further one and outlive a restart, and the kiosk's own window
is never kept out longer than a minute (backend/http/admin_pin.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import aiohttp

from backend import app_keys
from tests.backend.api import ADMIN_TOKEN, Api, Reply
from tests.backend.conftest import AppFactory, MovableClock
from tests.backend.server_process import ServerProcess

PIN = "8642"


async def unlock(api: Api, pin: str, *, window: bool = False) -> Reply:
    """`window`: as the kiosk's own window sends it, with the admin token as its bearer."""
    return await api.call("POST", "/api/admin/unlock", {"pin": pin}, token=ADMIN_TOKEN if window else None)


def wait_of(reply: Reply) -> int:
    assert (reply.status, reply.body["code"]) == (429, "too_many_attempts"), reply
    match = re.fullmatch(r"Too many wrong PINs\. Try again in (\d+) s\.", reply.body["message"])
    assert match, reply.body
    return int(match[1])


async def wrong(api: Api, times: int, *, window: bool = False) -> None:
    for _ in range(times):
        reply = await unlock(api, "0000", window=window)
        assert (reply.status, reply.body["code"]) == (403, "wrong_pin")


async def test_no_pin_ships_a_first_start_generates_one_shows_it_once_and_keeps_only_its_hash(
    start_app: AppFactory, tmp_path: Path
):
    api, app, client = await start_app(admin_pin=None)
    assert (await unlock(api, "2468")).status == 403  # the PIN the docs used to ship is nothing

    pin = app[app_keys.ADMIN_PIN].take_generated()
    assert pin is not None and re.fullmatch(r"\d{6}", pin)
    assert app[app_keys.ADMIN_PIN].take_generated() is None  # once
    right = await unlock(api, pin)
    assert right.status == 200 and right.body["adminToken"] == ADMIN_TOKEN

    stored = tmp_path / "admin_pin"
    assert stored.stat().st_mode & 0o777 == 0o600
    assert stored.read_text().startswith("scrypt$") and pin not in stored.read_text()

    await client.close()
    api, app, _ = await start_app(admin_pin=None)  # the next start keeps it, and shows nothing
    assert app[app_keys.ADMIN_PIN].take_generated() is None
    assert (await unlock(api, pin)).status == 200


async def test_a_generated_pin_locks_like_any_other(start_app: AppFactory):
    api, app, _ = await start_app(admin_pin=None, admin_pin_lockout_s=30)
    pin = app[app_keys.ADMIN_PIN].take_generated()
    assert pin is not None
    await wrong(api, 5)
    assert wait_of(await unlock(api, pin)) == 30


async def test_a_configured_pin_is_the_pin_and_nothing_is_generated(start_app: AppFactory, tmp_path: Path):
    api, app, _ = await start_app(admin_pin=PIN)
    assert app[app_keys.ADMIN_PIN].take_generated() is None
    assert not (tmp_path / "admin_pin").exists()
    assert (await unlock(api, PIN)).status == 200


async def test_each_further_lock_lasts_twice_as_long_up_to_the_longest_and_a_right_pin_starts_over(
    start_app: AppFactory,
):
    clock = MovableClock()
    api, _, _ = await start_app(
        clock, admin_pin=PIN, admin_pin_max_failures=3, admin_pin_lockout_s=10, admin_pin_lockout_max_s=40
    )
    for expected in (10, 20, 40, 40):
        await wrong(api, 3)
        assert wait_of(await unlock(api, PIN)) == expected
        clock.advance(expected + 0.1)

    assert (await unlock(api, PIN)).status == 200
    await wrong(api, 3)
    assert wait_of(await unlock(api, PIN)) == 10


async def test_a_lock_keeps_the_kiosk_window_out_a_minute_at_most_and_a_guesser_out_for_its_length(
    start_app: AppFactory,
):
    clock = MovableClock()
    api, _, _ = await start_app(
        clock, admin_pin=PIN, admin_pin_lockout_s=3600, admin_pin_lockout_max_s=4 * 3600
    )
    await wrong(api, 5)  # a guesser with the kiosk token locks the check for an hour

    assert wait_of(await unlock(api, PIN, window=True)) == 60
    clock.advance(59)
    assert wait_of(await unlock(api, PIN, window=True)) == 1
    clock.advance(1.5)
    window = await unlock(api, PIN, window=True)
    assert window.status == 200 and window.body["adminToken"] == ADMIN_TOKEN

    # The operator got in; the guesser's lock and back-off go on.
    assert wait_of(await unlock(api, PIN)) == 3600 - 60
    clock.advance(3600)
    await wrong(api, 5)
    assert wait_of(await unlock(api, PIN)) == 2 * 3600
    assert wait_of(await unlock(api, PIN, window=True)) == 60  # the window: a minute again


async def test_wrong_pins_from_the_window_lock_it_a_minute_at_most(start_app: AppFactory):
    clock = MovableClock()
    api, _, _ = await start_app(clock, admin_pin=PIN, admin_pin_lockout_s=600)
    await wrong(api, 5, window=True)
    assert wait_of(await unlock(api, PIN, window=True)) == 60
    assert wait_of(await unlock(api, PIN)) == 600
    clock.advance(60.5)
    assert (await unlock(api, PIN, window=True)).status == 200


async def test_the_lock_outlives_a_restart(start_app: AppFactory):
    clock = MovableClock()
    api, _, client = await start_app(clock, admin_pin=PIN, admin_pin_lockout_s=60)
    await wrong(api, 5)
    await client.close()

    api, _, _ = await start_app(clock, admin_pin=PIN, admin_pin_lockout_s=60)
    assert wait_of(await unlock(api, PIN)) == 60
    clock.advance(61)
    assert (await unlock(api, PIN)).status == 200


async def test_the_headless_backend_prints_a_generated_pin_once(tmp_path: Path):
    with ServerProcess(tmp_path) as server:
        async with aiohttp.ClientSession() as http:
            api = Api(http, server.start())
            printed = re.findall(r"^SMARTCART_ADMIN_PIN=(\d{6})$", server.log(), re.MULTILINE)
            assert len(printed) == 1
            assert (await unlock(api, printed[0])).status == 200
            assert server.stop() == 0

            api = Api(http, server.start())
            assert "SMARTCART_ADMIN_PIN=" not in server.log()  # a new log: nothing printed again
            assert (await unlock(api, printed[0])).status == 200
        assert server.stop() == 0


def test_processes_starting_together_all_get_the_one_generated_pin(tmp_path: Path):
    """A fleet's processes started at once on one data directory: one PIN is generated, shown by
    exactly one of them, and every one of them accepts it."""
    path = tmp_path / "admin_pin"
    program = (
        "import sys; from pathlib import Path; from backend.http.admin_pin import load_or_create_pin; "
        "secret, shown = load_or_create_pin(Path(sys.argv[1])); print(shown or '-', flush=True); "
        "print(secret.matches(sys.stdin.readline().strip()))"
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", program, str(path)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    try:
        shown = [p.stdout.readline().strip() for p in processes if p.stdout is not None]
        generated = [pin for pin in shown if pin != "-"]
        assert len(generated) == 1
        accepted = [p.communicate(generated[0] + "\n", timeout=60)[0].strip() for p in processes]
        assert accepted == ["True"] * 6
    finally:
        for process in processes:
            process.kill()
            process.communicate()
