"""The gateway simulator over real HTTP, with its ledger in a real SQLite file."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from backend.gateway_sim import (
    APPROVE_CARD,
    DECLINE_CARD,
    INSUFFICIENT_FUNDS_CARD,
    SLOW_CARD,
    GatewaySimConfig,
    RunningGateway,
    start_gateway_sim,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
DELAY_S = 0.05
# Long enough that a second request surely arrives while a slow charge is still processed.
SLOW_DELAY_S = 0.5


def card(number: str = APPROVE_CARD, cvv: str = "123") -> dict[str, str]:
    return {"type": "card", "number": number, "expiry": "12/30", "cvv": cvv}


def upi(upi_id: str) -> dict[str, str]:
    return {"type": "upi", "upiId": upi_id}


def charge_body(source: Mapping[str, str], amount_minor: int = 1500) -> dict[str, Any]:
    return {"amountMinor": amount_minor, "currency": "INR", "source": dict(source)}


@dataclass(frozen=True)
class Reply:
    status: int
    json: Any
    headers: Mapping[str, str]


@dataclass(frozen=True)
class Sim:
    """The simulator's HTTP API as a test sees it."""

    http: aiohttp.ClientSession
    url: str

    async def request(self, method: str, path: str, **kwargs: Any) -> Reply:
        async with self.http.request(method, f"{self.url}{path}", **kwargs) as response:
            return Reply(response.status, await response.json(), response.headers)

    async def charge(self, key: str, body: Any, **kwargs: Any) -> Reply:
        headers = {"Idempotency-Key": key}
        return await self.request("POST", "/v1/charges", json=body, headers=headers, **kwargs)

    async def void(self, target: str) -> Reply:
        return await self.request("POST", f"/v1/charges/{target}/void")

    async def lookup(self, key: str) -> Reply:
        return await self.request("GET", "/v1/charges", params={"idempotency_key": key})

    async def ledger(self) -> list[dict[str, Any]]:
        return (await self.request("GET", "/v1/charges")).json["charges"]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "gateway.db"


@pytest.fixture
def config(db_path: Path) -> GatewaySimConfig:
    return GatewaySimConfig(f"sqlite:///{db_path}", delay_s=DELAY_S, slow_delay_s=SLOW_DELAY_S)


@pytest.fixture
async def gateway(config: GatewaySimConfig) -> AsyncIterator[RunningGateway]:
    async with await start_gateway_sim(config) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def sim(gateway: RunningGateway, http: aiohttp.ClientSession) -> Sim:
    return Sim(http, gateway.url)


async def in_flight_charge(sim: Sim, key: str, body: Any) -> asyncio.Task[Reply]:
    """A charge the simulator is processing right now (use a slow card).

    Two identical requests race for the key; the one refused with 409 proves the other holds it.
    """
    first = asyncio.create_task(sim.charge(key, body))
    second = asyncio.create_task(sim.charge(key, body))
    done, _ = await asyncio.wait([first, second], return_when=asyncio.FIRST_COMPLETED)
    refused = done.pop()
    assert refused.result().status == 409
    assert refused.result().json["code"] == "idempotency_key_in_use"
    return second if refused is first else first


@asynccontextmanager
async def cli_gateway(
    db_path: Path, *args: str
) -> AsyncIterator[tuple[asyncio.subprocess.Process, str]]:
    """`python -m backend.gateway_sim` as a child process, once it says it is ready."""
    command = ["-m", "backend.gateway_sim", "--database-url", f"sqlite:///{db_path}", *args]
    process = await asyncio.create_subprocess_exec(
        sys.executable, *command, cwd=REPO_ROOT, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    try:
        line = await asyncio.wait_for(process.stderr.readline(), timeout=30)
        ready = re.fullmatch(rb"gateway simulator ready on (http://127\.0\.0\.1:\d+)\n", line)
        assert ready, line + await process.stderr.read()
        yield process, ready.group(1).decode()
    finally:
        if process.returncode is None:
            process.kill()
        await process.communicate()


@pytest.mark.parametrize(
    ("source", "status", "decline_code"),
    [
        (card(APPROVE_CARD), "succeeded", None),
        (card("5555555555554444"), "succeeded", None),
        (card(DECLINE_CARD), "declined", "card_declined"),
        (card(INSUFFICIENT_FUNDS_CARD), "declined", "insufficient_funds"),
        (upi("shopper@okbank"), "succeeded", None),
        (upi("shopper@fail"), "declined", "upi_declined"),
    ],
)
async def test_test_sources_approve_or_decline(
    sim: Sim, source: dict[str, str], status: str, decline_code: str | None
) -> None:
    reply = await sim.charge("key-1", charge_body(source))

    assert reply.status == 200
    assert reply.json["status"] == status
    assert reply.json.get("declineCode") == decline_code
    assert reply.json["id"].startswith("ch_")


async def test_slow_card_approves_after_the_slow_delay(sim: Sim) -> None:
    started = asyncio.get_running_loop().time()

    reply = await sim.charge("slow", charge_body(card(SLOW_CARD)))

    assert reply.json["status"] == "succeeded"
    assert asyncio.get_running_loop().time() - started >= SLOW_DELAY_S


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4242424242424242", "visa"),
        ("5555555555554444", "mastercard"),
        ("2223003122003222", "mastercard"),
        ("378282246310005", "amex"),
        ("6522000000000007", "rupay"),
        ("9999000000000004", "card"),
    ],
)
async def test_charge_reports_brand_and_last4(sim: Sim, number: str, brand: str) -> None:
    reply = await sim.charge("brand", charge_body(card(number)))

    assert (reply.json["brand"], reply.json["last4"]) == (brand, number[-4:])
    assert "number" not in reply.json and "cvv" not in reply.json


async def test_replay_returns_the_same_charge_and_charges_once(sim: Sim) -> None:
    first = await sim.charge("order-7", charge_body(card()))
    again = await sim.charge("order-7", charge_body(card()))

    assert again.status == 200
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(await sim.ledger()) == 1


async def test_a_declined_charge_replays_as_declined(sim: Sim) -> None:
    first = await sim.charge("order-8", charge_body(card(DECLINE_CARD)))
    again = await sim.charge("order-8", charge_body(card(DECLINE_CARD)))

    assert again.json == first.json
    assert again.json["status"] == "declined"


async def test_concurrent_requests_with_one_key_charge_once(sim: Sim) -> None:
    body = charge_body(card(SLOW_CARD))

    replies = await asyncio.gather(sim.charge("race", body), sim.charge("race", body))

    assert sorted(reply.status for reply in replies) == [200, 409]
    assert {reply.json.get("code") for reply in replies} == {None, "idempotency_key_in_use"}
    assert len(await sim.ledger()) == 1


async def test_same_key_with_another_body_is_refused(sim: Sim) -> None:
    await sim.charge("order-9", charge_body(card(), amount_minor=1500))

    reply = await sim.charge("order-9", charge_body(card(), amount_minor=2500))

    assert reply.status == 422
    assert reply.json["code"] == "idempotency_key_reused"
    assert [charge["amountMinor"] for charge in await sim.ledger()] == [1500]


async def test_lookup_by_key_finds_the_charge(sim: Sim) -> None:
    charged = await sim.charge("order-10", charge_body(upi("a@okbank")))

    found = await sim.lookup("order-10")

    assert found.status == 200
    assert found.json == charged.json


async def test_lookup_of_an_unknown_key_is_404(sim: Sim) -> None:
    reply = await sim.lookup("never-used")

    assert reply.status == 404
    assert reply.json["code"] == "charge_not_found"


async def test_lookup_while_in_flight_is_404_then_found(sim: Sim) -> None:
    pending = await in_flight_charge(sim, "busy", charge_body(card(SLOW_CARD)))

    during = await sim.lookup("busy")
    charged = await pending

    assert during.status == 404
    assert (await sim.lookup("busy")).json == charged.json


async def test_ledger_lists_charges_oldest_first(sim: Sim) -> None:
    for key in ("first", "second", "third"):
        await sim.charge(key, charge_body(card()))
    await sim.void("fourth")

    ledger = await sim.ledger()

    assert [charge["idempotencyKey"] for charge in ledger] == ["first", "second", "third", "fourth"]


async def test_void_of_a_succeeded_charge_returns_the_money(sim: Sim) -> None:
    await sim.charge("order-11", charge_body(card()))

    voided = await sim.void("order-11")

    assert voided.status == 200
    assert voided.json["status"] == "voided"
    assert voided.json["voidedAt"] >= voided.json["createdAt"]
    assert (await sim.lookup("order-11")).json == voided.json


async def test_void_by_charge_id(sim: Sim) -> None:
    charged = await sim.charge("order-12", charge_body(card()))

    voided = await sim.void(charged.json["id"])

    assert voided.json["id"] == charged.json["id"]
    assert voided.json["status"] == "voided"


async def test_void_is_idempotent(sim: Sim) -> None:
    await sim.charge("order-13", charge_body(card()))

    first = await sim.void("order-13")
    second = await sim.void("order-13")

    assert second.status == 200
    assert second.json == first.json


async def test_void_of_a_declined_charge_leaves_it_declined(sim: Sim) -> None:
    declined = await sim.charge("order-14", charge_body(card(DECLINE_CARD)))

    reply = await sim.void("order-14")

    assert reply.status == 200
    assert reply.json == declined.json


async def test_voided_key_refuses_a_later_charge(sim: Sim) -> None:
    tombstone = await sim.void("cancelled-early")

    reply = await sim.charge("cancelled-early", charge_body(card()))

    assert tombstone.status == 200
    assert tombstone.json["status"] == "voided"
    assert tombstone.json["amountMinor"] is None
    assert reply.status == 409
    assert reply.json["code"] == "idempotency_key_voided"
    assert [charge["status"] for charge in await sim.ledger()] == ["voided"]


async def test_void_while_in_flight_leaves_no_charge_standing(sim: Sim) -> None:
    pending = await in_flight_charge(sim, "cancel-mid-pay", charge_body(card(SLOW_CARD)))

    voided = await sim.void("cancel-mid-pay")
    charged = await pending

    assert charged.json["status"] == "succeeded"
    assert voided.json["id"] == charged.json["id"]
    assert voided.json["status"] == "voided"
    assert (await sim.lookup("cancel-mid-pay")).json["status"] == "voided"


async def test_void_of_an_unknown_charge_id_is_404(sim: Sim) -> None:
    reply = await sim.void("ch_0123456789abcdef01234567")

    assert reply.status == 404
    assert reply.json["code"] == "charge_not_found"
    assert await sim.ledger() == []


async def test_charge_completes_when_the_client_hangs_up(sim: Sim) -> None:
    with pytest.raises(TimeoutError):
        await sim.charge(
            "reply-lost", charge_body(card(SLOW_CARD)), timeout=aiohttp.ClientTimeout(total=0.1)
        )
    # Started later with the same delay, this one is written after the abandoned one.
    await sim.charge("later", charge_body(card(SLOW_CARD)))

    found = await sim.lookup("reply-lost")

    assert found.status == 200
    assert found.json["status"] == "succeeded"


async def test_ledger_survives_a_restart(
    config: GatewaySimConfig, http: aiohttp.ClientSession
) -> None:
    async with await start_gateway_sim(config) as gateway:
        charged = await Sim(http, gateway.url).charge("order-15", charge_body(card()))

    async with await start_gateway_sim(config) as gateway:
        sim = Sim(http, gateway.url)
        found = await sim.lookup("order-15")
        replayed = await sim.charge("order-15", charge_body(card()))

    assert found.json == charged.json
    assert replayed.json["id"] == charged.json["id"]


async def test_card_number_and_cvv_never_reach_the_database_file(sim: Sim, db_path: Path) -> None:
    await sim.charge("stored-1", charge_body(card(APPROVE_CARD, cvv="987")))
    await sim.charge("stored-2", charge_body(card(DECLINE_CARD, cvv="987")))
    await sim.void("stored-1")

    raw = b"".join(path.read_bytes() for path in db_path.parent.glob(f"{db_path.name}*"))

    assert b"4242" in raw  # last 4 are stored: these are the ledger's bytes
    for secret in (APPROVE_CARD, DECLINE_CARD, "12/30", '"987"', "cvv"):
        assert secret.encode() not in raw


def body_text(**changes: Any) -> str:
    return json.dumps({**charge_body(upi("a@okbank"), amount_minor=100), **changes})


KEY = {"Idempotency-Key": "k"}


@pytest.mark.parametrize(
    ("headers", "data", "code"),
    [
        ({}, body_text(), "invalid_idempotency_key"),
        ({"Idempotency-Key": "k" * 65}, body_text(), "invalid_idempotency_key"),
        ({"Idempotency-Key": "has space"}, body_text(), "invalid_idempotency_key"),
        (KEY, '{"amountMinor": ', "invalid_json"),
        (KEY, "", "invalid_json"),
        (KEY, "[]", "invalid_request"),
        (KEY, body_text(amountMinor=0), "invalid_request"),
        (KEY, body_text(amountMinor=1.5), "invalid_request"),
        (KEY, body_text(amountMinor="100"), "invalid_request"),
        (KEY, body_text(currency="inr"), "invalid_request"),
        (KEY, body_text(tip=5), "invalid_request"),
        (KEY, body_text(source={**card(), "expiry": "13/30"}), "invalid_request"),
        (KEY, body_text(source={**card(), "cvv": "12"}), "invalid_request"),
        (KEY, body_text(source={"type": "cash"}), "invalid_request"),
    ],
)
async def test_bad_charge_requests_are_400_json(
    sim: Sim, headers: dict[str, str], data: str, code: str
) -> None:
    reply = await sim.request("POST", "/v1/charges", data=data, headers=headers)

    assert reply.status == 400
    assert reply.json["code"] == code
    assert await sim.ledger() == []


async def test_validation_errors_never_echo_the_card_number(sim: Sim) -> None:
    body = charge_body(card())
    body["source"]["expiry"] = "99/99"

    reply = await sim.charge("k", body)

    assert reply.status == 400
    assert "expiry" in reply.json["message"]
    assert APPROVE_CARD not in reply.json["message"]


@pytest.mark.parametrize(
    ("method", "path", "status"), [("GET", "/nope", 404), ("DELETE", "/v1/charges", 405)]
)
async def test_unknown_routes_answer_json(sim: Sim, method: str, path: str, status: int) -> None:
    reply = await sim.request(method, path)

    assert reply.status == status
    assert set(reply.json) == {"code", "message"}


async def test_health(sim: Sim) -> None:
    reply = await sim.request("GET", "/v1/health")

    assert (reply.status, reply.json) == (200, {"status": "ok"})


async def test_processing_delay_can_be_changed_at_run_time(sim: Sim) -> None:
    before = await sim.request("GET", "/v1/_sim/config")
    changed = await sim.request("PUT", "/v1/_sim/config", json={"delayMs": 0})
    refused = await sim.request("PUT", "/v1/_sim/config", json={"delayMs": -1})

    assert before.json["delayMs"] == round(DELAY_S * 1000)
    assert changed.json["delayMs"] == 0
    assert (await sim.request("GET", "/v1/_sim/config")).json["delayMs"] == 0
    assert refused.status == 400


async def test_cli_serves_until_sigterm(db_path: Path, http: aiohttp.ClientSession) -> None:
    async with cli_gateway(db_path) as (process, url):
        health = await Sim(http, url).request("GET", "/v1/health")
        process.send_signal(signal.SIGTERM)

        assert health.json == {"status": "ok"}
        assert await asyncio.wait_for(process.wait(), timeout=30) == 0


@pytest.mark.slow
async def test_a_charge_cut_off_by_a_crash_charges_nothing(
    db_path: Path, http: aiohttp.ClientSession
) -> None:
    body = charge_body(card(SLOW_CARD))
    async with cli_gateway(db_path, "--slow-delay-ms", "5000") as (process, url):
        pending = await in_flight_charge(Sim(http, url), "crash", body)
        process.kill()
        with pytest.raises(aiohttp.ClientError):
            await pending

    async with cli_gateway(db_path, "--slow-delay-ms", "50") as (_, url):
        sim = Sim(http, url)
        charged = await sim.charge("crash", body)
        ledger = await sim.ledger()

    assert charged.status == 200
    assert "Idempotent-Replayed" not in charged.headers
    assert [charge["id"] for charge in ledger] == [charged.json["id"]]


# ---- UPI QR, card terminal and the simulated customer (issue 13) -------------------------------


def qr_body(amount_minor: int = 54000) -> dict[str, Any]:
    return {"amountMinor": amount_minor, "currency": "INR", "reference": "sc_ref1", "payeeVpa": "kiosk@okicici",
            "payeeName": "SmartCart Kiosk", "closeBy": 4_102_444_800_000}


async def open_qr(sim: Sim, key: str, body: Any = None) -> Reply:
    return await sim.request("POST", "/v1/upi_qr", json=body or qr_body(), headers={"Idempotency-Key": key})


async def customer(sim: Sim, key: str, action: str) -> Reply:
    return await sim.request("POST", f"/v1/_sim/customer/{key}", json={"action": action})


async def test_a_qr_is_one_per_key_with_the_npci_payload(sim: Sim) -> None:
    first, again = await open_qr(sim, "qr-1"), await open_qr(sim, "qr-1")
    assert first.json["payload"] == "upi://pay?pa=kiosk@okicici&pn=SmartCart%20Kiosk&am=540.00&tr=sc_ref1&cu=INR"
    assert again.json["id"] == first.json["id"] and first.json["status"] == "open"
    other_body = await open_qr(sim, "qr-1", qr_body(100))
    assert (other_body.status, other_body.json["code"]) == (422, "idempotency_key_reused")


async def test_a_paid_qr_is_one_succeeded_charge_in_the_ledger(sim: Sim) -> None:
    await open_qr(sim, "qr-2")
    paid = await customer(sim, "qr-2", "pay")
    assert paid.json["status"] == "closed" and paid.json["charge"]["status"] == "succeeded"
    assert (await customer(sim, "qr-2", "pay")).status == 409  # a closed QR takes no second payment
    looked_up = await sim.request("GET", "/v1/upi_qr", params={"idempotency_key": "qr-2"})
    assert looked_up.json["charge"]["id"] == paid.json["charge"]["id"]
    assert [(c["status"], c["sourceType"]) for c in await sim.ledger()] == [("succeeded", "upi_qr")]


async def test_closing_a_qr_armed_to_pay_after_close_lands_the_payment(sim: Sim) -> None:
    await open_qr(sim, "qr-3")
    armed = await customer(sim, "qr-3", "pay_after_close")
    assert armed.json["charge"] is None  # nothing yet: it lands when the QR is closed
    closed = await sim.request("POST", "/v1/upi_qr/qr-3/close")
    assert closed.json["status"] == "closed" and closed.json["charge"]["status"] == "succeeded"
    refunded = await sim.void("qr-3")
    assert refunded.json["status"] == "voided"
    assert [c["status"] for c in await sim.ledger()] == ["voided"]


async def test_closing_an_unknown_key_refuses_a_later_qr(sim: Sim) -> None:
    assert (await sim.request("POST", "/v1/upi_qr/qr-4/close")).json["status"] == "closed"
    late = await open_qr(sim, "qr-4")
    assert (late.status, late.json["code"]) == (409, "idempotency_key_voided")


async def test_a_terminal_payment_declines_or_is_cancelled(sim: Sim) -> None:
    start = {"amountMinor": 1500, "currency": "INR"}
    for key in ("tp-1", "tp-2"):
        started = await sim.request("POST", "/v1/terminals/LANE-1/payments", json=start, headers={"Idempotency-Key": key})
        assert started.json["terminalId"] == "LANE-1" and started.json["status"] == "open"
    declined = await customer(sim, "tp-1", "decline")
    assert declined.json["charge"]["declineCode"] == "card_declined"
    cancelled = await sim.request("POST", "/v1/terminal_payments/tp-2/cancel")
    assert cancelled.json["status"] == "closed" and cancelled.json["charge"] is None
    assert (await customer(sim, "tp-2", "pay")).status == 409


async def test_waiting_payments_survive_a_restart(config: GatewaySimConfig, http: aiohttp.ClientSession) -> None:
    async with await start_gateway_sim(config) as gateway:
        opened = await open_qr(Sim(http, gateway.url), "qr-5")
    async with await start_gateway_sim(config) as gateway:
        sim = Sim(http, gateway.url)
        found = await sim.request("GET", "/v1/upi_qr", params={"idempotency_key": "qr-5"})
        paid = await customer(sim, "qr-5", "pay")
    assert found.json["id"] == opened.json["id"] and paid.json["charge"]["status"] == "succeeded"


async def test_the_customer_needs_a_known_key_and_a_known_action(sim: Sim) -> None:
    assert (await customer(sim, "nobody", "pay")).status == 404
    await open_qr(sim, "qr-6")
    bad = await customer(sim, "qr-6", "dance")
    assert bad.status == 400 and bad.json["code"] == "invalid_request"
