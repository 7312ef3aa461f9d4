"""The window follows the backend's stream of session changes, and polls only while it is down."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator
from typing import Any

import pytest

from smartcart_desktop.api.client import ApiClient
from smartcart_desktop.api.errors import NetworkInterruption
from smartcart_desktop.api.http import session_path
from smartcart_desktop.api.models import Session
from tests.desktop.conftest import FAST_OPTIONS, StartKiosk, dialog_text

# Polling this slowly would not show anything within a test's waits: what arrives came by stream.
NO_POLLING = dataclasses.replace(FAST_OPTIONS, poll_interval_s=60)


def _forbid(monkeypatch: pytest.MonkeyPatch, api: ApiClient, *names: str) -> list[str]:
    """Calls of these ApiClient methods fail the test (recorded, since the flow swallows errors)."""
    made: list[str] = []
    for name in names:
        async def forbidden(*args: Any, _name: str = name, **kwargs: Any) -> Any:
            made.append(_name)
            raise AssertionError(f"{_name} called")

        monkeypatch.setattr(api, name, forbidden)
    return made


async def test_every_change_reaches_the_window_by_stream_and_the_receipt_needs_no_reads(
    start_kiosk: StartKiosk, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with start_kiosk(NO_POLLING) as kiosk:  # the fast timings' 1 s: a loaded CI still answers the retry in time
        await kiosk.fault("timeout")
        await kiosk.checkout()
        forbidden = _forbid(monkeypatch, kiosk.api, "session", "order", "summary")
        await kiosk.pay_by_card()
        dialog = await kiosk.dialog("timeoutDialog")  # INTERRUPTED(TIMEOUT), pushed
        assert dialog_text(dialog) == "Payment timeout (attempt 1/3). You can retry or cancel."
        await kiosk.fault("none")
        kiosk.answer(dialog, "retryButton")
        await kiosk.receipt()  # COMPLETED, pushed; the receipt from the session alone
        assert kiosk.session.attempts == 2
        assert kiosk.session.interruptions == 1
        assert forbidden == []


def _stream_at(action: str) -> Any:
    """ApiClient.session_stream aimed at another route: the backend answers 404."""

    def session_stream(self: ApiClient, session_id: str, *, last_event_id: str | None = None
                       ) -> AsyncGenerator[tuple[str, Session], None]:
        return self._http.events(session_path(session_id, action), Session, token=self._token,
                                 last_event_id=last_event_id, idle_s=5)

    return session_stream


async def test_the_window_polls_while_the_stream_route_answers_404(
    start_kiosk: StartKiosk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ApiClient, "session_stream", _stream_at("no-such-stream"))
    async with start_kiosk() as kiosk:  # polling every 50 ms
        await kiosk.checkout()
        await kiosk.pay_by_card()
        await kiosk.receipt()
        assert kiosk.session.attempts == 1


async def test_the_window_polls_while_the_stream_route_fails_and_comes_back_to_it(
    start_kiosk: StartKiosk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each connection breaks after its first event (a proxy cutting it, a backend restarting):
    the window polls, opens it again naming the last event it got, and the receipt still shows."""
    real = ApiClient.session_stream
    reconnections: list[str | None] = []

    async def breaking(self: ApiClient, session_id: str, *, last_event_id: str | None = None
                       ) -> AsyncGenerator[tuple[str, Session], None]:
        reconnections.append(last_event_id)
        async for event in real(self, session_id, last_event_id=last_event_id):
            yield event
            if not event[1].status.finished_for_customer:
                raise NetworkInterruption("The backend's stream broke.", code="network")

    monkeypatch.setattr(ApiClient, "session_stream", breaking)
    async with start_kiosk(gateway_delay_s=0.5) as kiosk:
        await kiosk.checkout()
        await kiosk.pay_by_card()
        await kiosk.receipt()
        assert kiosk.session.attempts == 1
        assert reconnections[0] is None and len(reconnections) >= 2
        assert all(last is not None for last in reconnections[1:]), reconnections
