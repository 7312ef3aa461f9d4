"""The session stream (server-sent events): every change in order, across processes of a fleet,
and across a restart of the backend."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from backend.db.database import Database
from backend.db.sessions import moves
from smartcart_contract.states import Status
from tests.backend.api import KIOSK_TOKEN, TERMINAL, Api
from tests.backend.server_process import ServerProcess


@dataclass
class Event:
    id: str
    session: dict[str, Any]


@dataclass
class Stream:
    """What one connection to the stream delivered."""

    events: list[Event] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    ended: bool = False  # the server closed it


async def read_stream(http: aiohttp.ClientSession, base: str, session_id: str, stream: Stream, *,
                      last_event_id: str | None = None,
                      until: Callable[[Stream], bool] = lambda s: False) -> AsyncIterator[Stream]:
    """Open the stream and record in `stream` what it delivers, yielding after every event or
    comment, until the server ends it (or `until` holds)."""
    headers = {"Authorization": f"Bearer {KIOSK_TOKEN}"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    timeout = aiohttp.ClientTimeout(total=None, sock_read=10)
    async with http.get(f"{base}/api/payments/session/{session_id}/stream",
                        headers=headers, timeout=timeout) as response:
        assert response.status == 200, await response.text()
        assert response.content_type == "text/event-stream"
        event_id, data = "", []
        async for raw in response.content:
            line = raw.decode().rstrip("\r\n")
            if line.startswith(":"):
                stream.comments.append(line[1:].strip())
                yield stream
            elif line.startswith("id:"):
                event_id = line[3:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
            elif not line and data:
                stream.events.append(Event(event_id, json.loads("\n".join(data))))
                data = []
                yield stream
            if until(stream):
                return
        stream.ended = True
        yield stream


async def collect(http: aiohttp.ClientSession, base: str, session_id: str, **kwargs: Any) -> Stream:
    stream = Stream()
    async for _ in read_stream(http, base, session_id, stream, **kwargs):
        pass
    return stream


def statuses(stream: Stream) -> list[tuple[str, int]]:
    """(status, attempts) as the stream told them, one entry per move."""
    moves: list[tuple[str, int]] = []
    for event in stream.events:
        step = (event.session["status"], event.session["attempts"])
        if not moves or moves[-1] != step:
            moves.append(step)
    return moves


async def test_the_stream_delivers_every_state_change_in_order(start_app):
    api, _app, _ = await start_app(gateway_timeout_s=0.3)
    base = api.base
    session_id = await api.session()
    await api.faults("timeout")
    following = asyncio.create_task(collect(api.http, base, session_id))
    await api.wait_until(session_id, lambda s: True)  # the stream has had time to open

    paid = await api.pay(session_id)
    assert paid.status == 202
    assert paid.body["status"] == "PROCESSING" and paid.body["attempt"] == 1
    assert paid.body["canResume"] is False and paid.body["events"] is None
    await api.wait_for(session_id, "INTERRUPTED")
    await api.faults("none")
    resumed = await api.action(session_id, "resume")
    assert resumed.status == 202 and resumed.body["status"] == "PROCESSING" and resumed.body["attempts"] == 2

    stream = await asyncio.wait_for(following, 10)
    assert stream.ended
    assert statuses(stream) == [
        ("INITIATED", 0), ("PROCESSING", 1), ("INTERRUPTED", 1), ("PROCESSING", 2), ("COMPLETED", 2),
    ]
    versions = [int(e.id) for e in stream.events]
    assert versions == sorted(set(versions)), versions
    # Every move the history records was streamed, in the same order.
    history = await api.get(session_id)
    moved_to = [e["toStatus"] for e in history["events"] if e["toStatus"]]
    assert [s for s, _ in statuses(stream)] == moved_to  # from "created" on
    assert stream.events[-1].session["lastInterruptionReason"] == "TIMEOUT"
    assert stream.events[-1].session["events"] is None  # history only when asked


async def test_poll_replies_leave_the_history_out_unless_asked(start_app):
    api, _app, _ = await start_app()
    session_id = await api.session()
    await api.pay(session_id)
    await api.wait_for(session_id, "COMPLETED")
    assert (await api.get(session_id, history=False))["events"] is None
    assert (await api.get(session_id))["events"][0]["kind"] == "created"
    stream = await collect(api.http, api.base, session_id)
    assert stream.ended and len(stream.events) == 1 and stream.events[0].session["events"] is None


async def test_a_quiet_stream_sends_heartbeats_and_unknown_sessions_are_404(start_app):
    api, _app, _ = await start_app(stream_heartbeat_s=0.05)
    session_id = await api.session()
    stream = Stream()
    async for _ in read_stream(api.http, api.base, session_id, stream, until=lambda s: len(s.comments) >= 2):
        pass
    assert stream.comments[:2] == ["keep-alive", "keep-alive"] and len(stream.events) == 1
    missing = await api.call("GET", f"/api/payments/session/{'0' * 32}/stream")
    assert (missing.status, missing.body["code"]) == (404, "session_not_found")
    unauthorised = await api.call("GET", f"/api/payments/session/{session_id}/stream", token="wrong")
    assert unauthorised.status == 401


# ---- processes --------------------------------------------------------------------------------

FLEET_TIMINGS = {
    "SMARTCART_RECONCILE_MIN_S": "0.05",
    "SMARTCART_RECONCILE_MAX_S": "0.2",
    "SMARTCART_RETRY_DELAY_S": "0.05",
    "SMARTCART_GATEWAY_TIMEOUT_S": "5",
    # Long enough that only a real notification can explain a prompt event.
    "SMARTCART_STREAM_HEARTBEAT_S": "30",
}


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[ServerProcess]:
    """The simulator as a process of its own: it outlives every backend restarted here."""
    ledger = f"sqlite:///{tmp_path / 'gateway.db'}"
    with ServerProcess(tmp_path, module="backend.gateway_sim",
                       args=["--database-url", ledger, "--delay-ms", "800"]) as process:
        process.start()
        yield process


def backend(tmp_path: Path, name: str, database_url: str, gateway: ServerProcess) -> ServerProcess:
    data_dir = tmp_path / name
    data_dir.mkdir(exist_ok=True)
    process = ServerProcess(data_dir, database_url=database_url)
    process.env.update({**FLEET_TIMINGS, "SMARTCART_GATEWAY_URL": gateway.url})
    return process


@pytest.mark.slow
async def test_a_change_committed_by_another_process_reaches_the_stream(tmp_path, pg_database_url, gateway):
    with backend(tmp_path, "a", pg_database_url, gateway) as a, backend(tmp_path, "b", pg_database_url, gateway) as b:
        a.start()
        b.start()
        async with aiohttp.ClientSession() as http:
            on_a, on_b = Api(http, a.url), Api(http, b.url)
            session_id = await on_a.session()
            seen: list[tuple[str, float]] = []

            async def follow() -> Stream:
                stream = Stream()
                async for _ in read_stream(http, a.url, session_id, stream):
                    seen.append((stream.events[-1].session["status"], time.monotonic()))
                return stream

            following = asyncio.create_task(follow())
            while not seen:
                await asyncio.sleep(0.01)
            assert (await on_b.pay(session_id)).status == 202  # b drives the payment, a only streams
            stream = await asyncio.wait_for(following, 15)
            assert stream.ended
            assert statuses(stream) == [("INITIATED", 0), ("PROCESSING", 1), ("COMPLETED", 1)]
            completed = await on_b.get(session_id)
            assert completed["status"] == "COMPLETED"


async def charge_in_flight(http: aiohttp.ClientSession, gateway_url: str) -> None:
    """Wait until the simulator is processing a charge."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        async with http.get(f"{gateway_url}/v1/_sim/in_flight") as reply:
            if (await reply.json())["keys"]:
                return
        await asyncio.sleep(0.01)
    raise AssertionError("no charge reached the gateway")


async def charged_at_gateway(http: aiohttp.ClientSession, gateway_url: str) -> None:
    """Wait until the simulator's ledger holds a succeeded charge."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        async with http.get(f"{gateway_url}/v1/charges") as reply:
            charges = (await reply.json())["charges"]
        if any(charge["status"] == "succeeded" for charge in charges):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the gateway never finished the charge")


@pytest.mark.slow
async def test_a_client_that_reconnects_after_a_restart_gets_the_final_state(tmp_path, database_url, gateway):
    with backend(tmp_path, "kiosk", database_url, gateway) as server:
        server.start()
        async with aiohttp.ClientSession() as http:
            api = Api(http, server.url)
            session_id = await api.session()
            first = Stream()

            async def follow() -> None:
                with pytest.raises(aiohttp.ClientError):  # the server goes away mid-stream
                    async for _ in read_stream(http, server.url, session_id, first):
                        pass

            following = asyncio.create_task(follow())
            assert (await api.pay(session_id)).status == 202  # the gateway takes 0.8 s
            await api.wait_for(session_id, "PROCESSING")
            while not first.events or first.events[-1].session["status"] != "PROCESSING":
                await asyncio.sleep(0.01)
            # The attempt commits PROCESSING before its charge leaves: killed in between, no
            # charge would ever reach the gateway.
            await charge_in_flight(http, gateway.url)
            server.kill()  # mid-attempt: the charge goes through at the gateway, nobody hears it
            await asyncio.wait_for(following, 5)
            last_id = first.events[-1].id
            # Restart only once the gateway has finished the charge. A restart faster than the
            # gateway's processing time looks up "no charge" while the charge is still on its
            # way; that payment then waits for its customer (and a late charge is voided at
            # expiry), which is not what this test is about.
            await charged_at_gateway(http, gateway.url)

            server.start()  # start-up recovery finds the charge by its key
            resumed = await asyncio.wait_for(
                collect(http, server.url, session_id, last_event_id=last_id), 15
            )
            assert resumed.ended
            assert resumed.events[-1].session["status"] == "COMPLETED"
            assert int(resumed.events[-1].id) > int(last_id)
            assert resumed.events[-1].session["status"] in TERMINAL


@pytest.mark.sqlite_only(reason="on PostgreSQL other processes' changes come by NOTIFY (test above)")
async def test_a_change_by_another_process_on_the_same_sqlite_file_reaches_the_stream(start_app, database_url):
    """No NOTIFY on SQLite: a stream reads its session again at every heartbeat."""
    api, _app, _ = await start_app(stream_heartbeat_s=0.1)
    session_id = await api.session()
    stream = Stream()
    following = asyncio.create_task(collect_into(api, session_id, stream))
    while not stream.events:
        await asyncio.sleep(0.01)
    other = Database(database_url)  # its own writer, as a second process would have
    try:
        await other.write(lambda conn: moves.move(
            conn, session_id, to=Status.CANCELLED, from_={Status.INITIATED},
            now_ms=int(time.time() * 1000), kind="cancelled", reason="another process"))
        await asyncio.wait_for(following, 5)
    finally:
        await asyncio.to_thread(other.close)
    assert statuses(stream) == [("INITIATED", 0), ("CANCELLED", 0)]


async def collect_into(api: Api, session_id: str, stream: Stream) -> None:
    async for _ in read_stream(api.http, api.base, session_id, stream):
        pass
