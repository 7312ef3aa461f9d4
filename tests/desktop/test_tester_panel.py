"""The tester panel (issue 5): each fault switched from the dock changes what the next payment
meets, the log names the session a fault hit, and the crash drill asks first.

The real window, embedded backend and gateway simulator; faults are switched by clicking the
dock, never through the API behind its back. The crash itself is only ever sent to a backend
in a child process: the embedded one would SIGKILL pytest.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidgetItem

from backend import app_keys
from smartcart_desktop.api.models import CrashAccepted
from smartcart_desktop.app.backend_link import KIOSK_TOKEN_ENV
from smartcart_desktop.app.options import LaunchOptions
from smartcart_desktop.checkout.state import Stage
from smartcart_desktop.tester import dock as tester_dock
from smartcart_desktop.tester.faults import FAULT_MODES
from tests.backend.api import KIOSK_TOKEN
from tests.backend.server_process import ServerProcess
from tests.desktop.conftest import Kiosk, StartKiosk, dialog_text, visible_dialog


def dock_of(kiosk: Kiosk) -> tester_dock.TesterDock:
    dock = kiosk.window.tester_dock
    assert dock is not None
    return dock


async def switch(kiosk: Kiosk, mode: str, *, rate_percent: int | None = None, latency_ms: int | None = None) -> None:
    """Set the values in the dock, click the mode, wait until the backend has it."""
    dock = dock_of(kiosk)
    button = dock.mode_buttons[mode]
    await kiosk.waits.until(button.isEnabled)  # the backend said it has the fault switch
    if latency_ms is not None:
        dock.latency.setValue(latency_ms)
    if rate_percent is not None:
        {"flaky": dock.flaky_rate, "reply_lost": dock.reply_lost_rate}[mode].setValue(rate_percent)
    kiosk.click(button)
    health = kiosk.app.services.health if kiosk.app.services else None
    assert health is not None
    await kiosk.waits.until(lambda: health.view.fault_mode == mode)
    backend = kiosk.backend_app[app_keys.FAULTS].config
    assert backend.mode == mode
    if rate_percent is not None:
        assert backend.rate == rate_percent / 100
    if latency_ms is not None:
        assert backend.latency_ms == latency_ms


async def gateway_charges(kiosk: Kiosk) -> list[dict[str, Any]]:
    async with aiohttp.ClientSession() as http, http.get(kiosk.backend_app[app_keys.GATEWAY_URL] + "/v1/charges") as reply:
        charges: list[dict[str, Any]] = (await reply.json())["charges"]
    return charges


async def in_the_log(kiosk: Kiosk) -> None:
    """The fault log (polled live) names the current session."""
    session_id = kiosk.session_id
    await kiosk.waits.until(lambda: session_id in dock_of(kiosk).logged_sessions())


def log_rows(dock: tester_dock.TesterDock) -> list[list[str]]:
    rows = []
    for index in range(dock.log.topLevelItemCount()):
        item = dock.log.topLevelItem(index)
        assert isinstance(item, QTreeWidgetItem)
        rows.append([item.text(column) for column in range(item.columnCount())])
    return rows


# ---- the panel itself ---------------------------------------------------------------------------


async def test_each_fault_is_applied_at_once_and_shown_in_the_status_bar(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        status, dock = kiosk.window.status, dock_of(kiosk)
        assert dock.isVisible() and [b.objectName() for b in dock.mode_buttons.values()] == [
            f"fault-{mode}" for mode in FAULT_MODES
        ]
        expected = {
            "offline": "offline",
            "latency": "latency +750 ms",
            "timeout": "timeout",
            "flaky": "flaky 30%",
            "http_error": "http_error",
            "reply_lost": "reply_lost 100%",
        }
        for mode, text in expected.items():
            await switch(kiosk, mode, latency_ms=750 if mode == "latency" else None,
                         rate_percent=30 if mode == "flaky" else None)
            await kiosk.waits.until(lambda text=text: status.fault.text() == f"⚠ Fault: {text}")
            assert status.fault.isVisible() and status.fault.property("role") == "fault"
            assert dock.active.text() == f"Active: {text}"
        await switch(kiosk, "none")
        await kiosk.waits.until(lambda: not status.fault.isVisible())


async def test_a_new_value_for_the_active_fault_is_applied_at_once(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        dock = dock_of(kiosk)
        await switch(kiosk, "flaky", rate_percent=50)
        dock.flaky_rate.setValue(80)  # as the spin box's arrows or Enter commit it
        await kiosk.waits.until(lambda: kiosk.backend_app[app_keys.FAULTS].config.rate == 0.8)
        await kiosk.waits.until(lambda: kiosk.window.status.fault.text() == "⚠ Fault: flaky 80%")
        dock.latency.setValue(2000)  # latency is not the active fault: nothing is switched
        assert kiosk.backend_app[app_keys.FAULTS].config.mode == "flaky"


async def test_the_panel_follows_a_fault_switched_elsewhere(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        dock = dock_of(kiosk)
        await kiosk.fault("latency", latency_ms=1234)  # e.g. by curl on PUT /api/dev/faults
        await kiosk.waits.until(lambda: dock.mode_buttons["latency"].isChecked())
        assert dock.latency.value() == 1234


async def test_a_backend_without_tester_mode_leaves_the_panel_disabled(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(tester=False) as kiosk:  # --tester window, production backend
        dock = dock_of(kiosk)
        await kiosk.waits.until(dock.notice.isVisible)
        assert dock.notice.text() == tester_dock.NOT_TESTER_BACKEND
        assert not any(b.isEnabled() for b in dock.mode_buttons.values())
        assert not dock.crash_button.isEnabled()
        assert not kiosk.window.status.fault.isVisible()


# ---- what the next payment meets ----------------------------------------------------------------


async def test_offline_interrupts_with_a_network_error(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(retry_delay_s=60) as kiosk:  # offline acceptance is off by default
        await switch(kiosk, "offline")
        await kiosk.checkout()
        await kiosk.pay_by_card()
        dialog = await kiosk.dialog("networkDialog")
        assert dialog_text(dialog).startswith("Network error detected (attempt 1/3)")
        session = await kiosk.api.session(kiosk.session_id)
        assert (session.status, session.last_interruption_reason) == ("INTERRUPTED", "NETWORK_ERROR")


async def test_timeout_asks_about_the_timeout_and_the_log_names_the_session(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        dock = dock_of(kiosk)
        await switch(kiosk, "timeout")
        await kiosk.checkout()
        await kiosk.pay_by_card()
        dialog = await kiosk.dialog("timeoutDialog")
        assert dialog_text(dialog) == "Payment timeout (attempt 1/3). You can retry or cancel."
        session_id = kiosk.session_id
        await kiosk.waits.until(lambda: session_id in dock.logged_sessions())  # refreshed live
        rows = [row[1:] for row in log_rows(dock) if row[3] == session_id[:8]]  # the full id in the tooltip
        # The charge; the backend's look-ups for the unknown outcome (GET) may follow it.
        assert ["timeout", "POST /v1/charges", session_id[:8]] in rows
        assert dock.log_count.text().endswith("request(s) hit.")


async def test_http_error_is_a_gateway_error(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(retry_delay_s=60) as kiosk:
        await switch(kiosk, "http_error")
        await kiosk.checkout()
        await kiosk.pay_by_card()
        await kiosk.dialog("networkDialog")
        session = await kiosk.api.session(kiosk.session_id)
        assert (session.status, session.last_interruption_reason) == ("INTERRUPTED", "GATEWAY_ERROR")
        await in_the_log(kiosk)


async def test_latency_delays_the_payment_but_it_completes(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(gateway_timeout_s=5) as kiosk:
        await switch(kiosk, "latency", latency_ms=600)
        await kiosk.checkout()
        started = time.monotonic()
        await kiosk.pay_by_card()
        await kiosk.receipt()
        assert time.monotonic() - started >= 0.6
        assert kiosk.session.attempts == 1 and kiosk.session.interruptions == 0
        await in_the_log(kiosk)


@pytest.mark.parametrize("mode", ["flaky", "reply_lost"])
async def test_a_lost_request_at_full_rate_interrupts_and_after_none_charges_once(
    start_kiosk: StartKiosk, mode: str
) -> None:
    async with start_kiosk(retry_delay_s=60) as kiosk:  # the retry waits for the customer
        await switch(kiosk, mode, rate_percent=100)
        await kiosk.checkout()
        await kiosk.pay_by_card()
        dialog = await kiosk.dialog("networkDialog")
        session = await kiosk.api.session(kiosk.session_id)
        assert (session.status, session.last_interruption_reason) == ("INTERRUPTED", "NETWORK_ERROR")
        await in_the_log(kiosk)
        await switch(kiosk, "none")
        if visible_dialog(kiosk.window, "networkDialog") is dialog:
            # reply_lost: the backend may already have found the charge by its key on its own.
            kiosk.answer(dialog, "retryButton")
        await kiosk.receipt()
        if mode == "flaky":  # nothing reached the gateway: the retry is the second attempt
            assert kiosk.session.attempts == 2
        charges = [c for c in await gateway_charges(kiosk) if c["status"] == "succeeded"]
        assert len(charges) == 1 and charges[0]["amountMinor"] == 8000


# ---- the crash drill ----------------------------------------------------------------------------


class CrashRecorder:
    """Stands in for ApiClient.crash in-process: a real crash here would SIGKILL pytest."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> CrashAccepted:
        self.calls += 1
        return CrashAccepted(crashing=True)


async def ask_to_crash(kiosk):  # type: ignore[no-untyped-def]
    """Press "Crash now" with the crash call recorded instead of made; returns the question."""
    recorder = CrashRecorder()
    kiosk.api.crash = recorder
    dock = dock_of(kiosk)
    await kiosk.waits.until(dock.crash_button.isEnabled)
    kiosk.click(dock.crash_button)
    return recorder, dock, await kiosk.dialog("crashConfirmDialog")


async def test_crash_now_asks_first_and_no_keeps_everything_running(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        recorder, dock, dialog = await ask_to_crash(kiosk)
        assert dialog_text(dialog) == "Crash SmartCart now?"
        assert "SIGKILL" in dialog_text(dialog, "detail")
        assert not dock.crash_button.isEnabled()  # one question at a time
        kiosk.answer(dialog, "stayButton")
        await kiosk.waits.until(lambda: visible_dialog(kiosk.window, "crashConfirmDialog") is None)
        await kiosk.waits.until(dock.crash_button.isEnabled)
        assert recorder.calls == 0
        # Everything still runs: a payment goes through.
        await kiosk.checkout()
        await kiosk.pay_by_card()
        await kiosk.receipt()
        assert recorder.calls == 0


async def test_escape_on_the_crash_question_is_no(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        recorder, dock, dialog = await ask_to_crash(kiosk)
        kiosk.qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        await kiosk.waits.until(dock.crash_button.isEnabled)
        assert recorder.calls == 0


async def test_crash_now_yes_asks_the_backend_to_crash(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        recorder, _dock, dialog = await ask_to_crash(kiosk)
        kiosk.answer(dialog, "crashButton")
        await kiosk.waits.until(lambda: recorder.calls == 1)


@pytest.mark.slow
async def test_crash_drill_kills_a_remote_backend_and_the_window_takes_its_timings(
    start_kiosk: StartKiosk, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real POST /api/dev/crash, to a headless backend in a child process."""
    monkeypatch.setenv(KIOSK_TOKEN_ENV, KIOSK_TOKEN)
    server_dir = tmp_path / "server"
    server_dir.mkdir()
    env = {"SMARTCART_GATEWAY_TIMEOUT_S": "7", "SMARTCART_GATEWAY_DELAY_S": "0.02"}
    with ServerProcess(server_dir, args=["--tester"], env=env) as server:
        url = server.start()
        options = LaunchOptions(backend_url=url, tester=True, poll_interval_s=0.05, health_interval_s=0.1)
        async with start_kiosk(options) as kiosk:
            assert kiosk.app.backend is None  # nothing embedded: this window only speaks HTTP
            await kiosk.checkout()
            # The countdown uses the backend's own gateway timeout, not the 30 s guess.
            assert kiosk.flow.config is not None and kiosk.flow.config.gateway_timeout_s == 7
            assert kiosk.flow.state.gateway_timeout_s == 7
            dock = dock_of(kiosk)
            await kiosk.waits.until(dock.crash_button.isEnabled)
            kiosk.click(dock.crash_button)
            kiosk.answer(await kiosk.dialog("crashConfirmDialog"), "crashButton")
            process = server.process
            assert process is not None
            await kiosk.waits.until(lambda: process.poll() is not None, timeout=10_000)
            assert process.returncode == -9  # SIGKILL: no clean shutdown
            status = kiosk.window.status
            await kiosk.waits.until(lambda: status.gateway.text() == "✖ Backend unreachable")
            assert kiosk.flow.state.stage is Stage.DETAILS  # the window itself stays up


# ---- the simulated customer (issue 13) -----------------------------------------------------------


async def ledger_has(kiosk: Kiosk, *statuses: str) -> bool:
    return any(c["status"] in statuses for c in await gateway_charges(kiosk))


async def until_async(check: Callable[[], Awaitable[bool]], tries: int = 200) -> None:
    """Wait for a condition only a request can tell (the gateway's ledger)."""
    for _ in range(tries):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the condition never held")


async def qr_on_screen(kiosk: Kiosk) -> str:
    await kiosk.checkout()
    kiosk.choose("upi_qr")
    kiosk.click(kiosk.window.payment_screen.pay_button)
    await kiosk.stage(Stage.SCAN_QR)
    return kiosk.session_id


async def test_the_customer_buttons_wait_for_a_payment_that_waits_on_the_customer(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        buttons = dock_of(kiosk).customer_buttons
        assert [b.text() for b in buttons.values()] == ["Pay", "Decline", "Walk away", "Pay after close"]
        await kiosk.checkout()
        assert not any(b.isEnabled() for b in buttons.values())  # nothing waits on a customer yet
        kiosk.choose("upi_qr")
        kiosk.click(kiosk.window.payment_screen.pay_button)
        await kiosk.stage(Stage.SCAN_QR)
        await kiosk.waits.until(lambda: all(b.isEnabled() for b in buttons.values()))
        assert dock_of(kiosk).customer_label.text() == f"Session {kiosk.session_id[:8]} waits on the UPI QR."


async def test_a_customer_declining_the_qr_ends_it_declined(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        session_id = await qr_on_screen(kiosk)
        kiosk.click(dock_of(kiosk).customer_buttons["decline"])
        await kiosk.stage(Stage.DECLINED)
        assert (await kiosk.api.session(session_id)).status == "DECLINED"


async def test_a_payment_landing_after_the_cancel_is_refunded_and_no_charge_stands(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        session_id = await qr_on_screen(kiosk)
        buttons = dock_of(kiosk).customer_buttons
        await kiosk.waits.until(lambda: buttons["pay_after_close"].isEnabled())
        control = kiosk.window.tester_control
        assert control is not None
        # The phone's payment lands just after the close; the cancel waits until the simulator took it.
        await kiosk.waits.signal(control.customer_acted, lambda: kiosk.click(buttons["pay_after_close"]))
        kiosk.click(kiosk.window.upi_qr_screen.cancel_button)
        await kiosk.stage(Stage.CART, timeout=8000)
        assert not any(b.isEnabled() for b in buttons.values())  # nothing waits on the customer now
        # The backend finds the late payment by its look-up and gives the money back on its own
        # (refunded; voided when it reaches the payment before it settles).
        await until_async(lambda: ledger_has(kiosk, "refunded", "voided"))
        charges = await gateway_charges(kiosk)
        assert not any(c["status"] == "succeeded" for c in charges), charges
        ended = await kiosk.api.session(session_id, history=True)
        assert ended.status == "CANCELLED"
        assert "refunded" in [event.kind for event in ended.events or []]  # as the admin reads it
