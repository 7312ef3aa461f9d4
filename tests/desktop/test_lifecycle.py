"""Start-up and the one shutdown path: nothing left running, nothing left open."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from backend.db import migrate
from smartcart_desktop.__main__ import parse_options
from smartcart_desktop.app.application import KioskApp
from smartcart_desktop.app.startup import embedded_settings
from tests.desktop.conftest import (
    FAST_OPTIONS,
    FAST_SETTINGS,
    Waits,
    assert_no_stray_tasks,
)

ROOT = Path(__file__).resolve().parents[2]


async def start(tmp_path: Path) -> KioskApp:
    return await KioskApp.start(FAST_OPTIONS, **FAST_SETTINGS, data_dir=tmp_path)


async def test_closing_the_window_shuts_everything_down(tmp_path: Path, waits: Waits) -> None:
    kiosk = await start(tmp_path)
    running = asyncio.ensure_future(kiosk.run_until_quit())
    assert kiosk.window is not None and kiosk.backend is not None
    kiosk.window.close()
    await waits.until(running.done)
    await running
    assert kiosk.backend._runner is None  # runner.cleanup() ran: server, engine and database closed
    assert kiosk.services is not None and kiosk.services.api.closed
    assert_no_stray_tasks()


async def test_shutdown_runs_once_however_often_it_is_asked(tmp_path: Path) -> None:
    kiosk = await start(tmp_path)
    kiosk.request_quit()
    await asyncio.gather(kiosk.shutdown(), kiosk.shutdown(), kiosk.run_until_quit())
    assert_no_stray_tasks()


def run_app(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    environment = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "SMARTCART_DATA_DIR": str(tmp_path),
        "PYTHONWARNINGS": "default",  # show ResourceWarnings (unclosed sessions, sockets)
        **(env or {}),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "smartcart_desktop", *args],
        cwd=ROOT, env=environment, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )


def read_until(process: subprocess.Popen[str], marker: str, timeout_s: float = 30) -> list[str]:
    """stderr lines up to the one containing `marker` (the process is killed after timeout_s)."""
    watchdog = threading.Timer(timeout_s, process.kill)
    watchdog.start()
    lines: list[str] = []
    try:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            if marker in line:
                return lines
    finally:
        watchdog.cancel()
    raise AssertionError(f"{marker!r} never appeared:\n{''.join(lines)}")


def test_sigterm_stops_the_app_cleanly(tmp_path: Path) -> None:
    process = run_app(tmp_path, "--tester")
    read_until(process, "SmartCart is ready")
    process.send_signal(signal.SIGTERM)
    _, rest = process.communicate(timeout=30)
    assert process.returncode == 0, rest
    for problem in ("Unclosed", "Task was destroyed", "Traceback", "was never awaited", "ERROR"):
        assert problem not in rest, rest


def test_a_remote_backend_needs_the_kiosk_token(tmp_path: Path) -> None:
    env = {key: "" for key in ("SMARTCART_KIOSK_TOKEN",)}
    process = run_app(tmp_path, "--backend-url", "http://127.0.0.1:9", env=env)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "SMARTCART_KIOSK_TOKEN" in err


def test_command_line() -> None:
    options = parse_options(["--kiosk", "--tester", "--database-url", "sqlite:///x.db"])
    assert (options.kiosk, options.tester, options.database_url) == (True, True, "sqlite:///x.db")
    assert options.backend_url is None and options.gateway_timeout_s == 30.0


def test_each_launch_gets_fresh_tokens(tmp_path: Path) -> None:
    options = parse_options(["--tester", "--database-url", f"sqlite:///{tmp_path / 'k.db'}"])
    first, second = embedded_settings(options), embedded_settings(options)
    assert first.tester and first.database_url == f"sqlite:///{tmp_path / 'k.db'}"
    assert first.kiosk_token.get_secret_value() != second.kiosk_token.get_secret_value()
    assert first.admin_token.get_secret_value() != first.kiosk_token.get_secret_value()


async def test_an_older_database_is_upgraded_at_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    migrate.upgrade(url, "0010")
    kiosk = await start(tmp_path)
    try:
        assert kiosk.backend is not None
        assert migrate.at_revision(url)
    finally:
        await kiosk.shutdown()


def test_a_failing_migration_is_a_clear_start_up_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    migrate.upgrade(url, "0010")
    with sqlite3.connect(tmp_path / "kiosk.db") as conn:
        conn.execute("CREATE TABLE invoice_counters (x INTEGER)")  # in the way of migration 0011
    process = run_app(tmp_path)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2, err
    assert "smartcart-desktop: The database could not be brought up to the current schema" in err
    assert "invoice_counters already exists" in err
    assert "Traceback" not in err
