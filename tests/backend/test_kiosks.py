"""Kiosk identity: each kiosk has its own token and sees only its own orders and sessions;
the admin sees every kiosk's, and can filter by one. The single configured kiosk token keeps
working as the default kiosk's."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import create_engine, text

from backend.app_keys import DATABASE
from backend.db import migrate
from backend.kiosks import repo, tokens
from tests.backend.api import ADMIN_TOKEN, Api, eventually
from tests.backend.conftest import AppFactory
from tests.pdf_text import pdf_text

ROOT = Path(__file__).resolve().parents[2]
# Short, so a revocation test waits a fraction of a second for every cache to forget.
CACHE = {"kiosk_token_cache_s": 0.2}


async def _register(app: web.Application, name: str) -> str:
    token = tokens.new_token()
    digest = tokens.token_hash(token)
    await app[DATABASE].write(lambda conn: repo.add(conn, name, digest, now_ms=1))
    return token


async def _two_kiosks(start_app: AppFactory) -> tuple[Api, Api, Api, web.Application]:
    legacy, app, _ = await start_app(**CACHE)
    a = Api(legacy.http, legacy.base, token=await _register(app, "till-a"))
    b = Api(legacy.http, legacy.base, token=await _register(app, "till-b"))
    return a, b, Api(legacy.http, legacy.base, token=ADMIN_TOKEN), app


def _not_found(reply: Any) -> bool:
    return bool(reply.status == 404 and reply.body["code"] in ("session_not_found", "order_not_found"))


async def test_kiosk_b_gets_404_on_kiosk_a_session_for_every_action(start_app: AppFactory) -> None:
    a, b, _, _ = await _two_kiosks(start_app)
    order_id = await a.order()
    session_id = await a.session(order_id)
    before = await a.get(session_id)
    path = f"/api/payments/session/{session_id}"

    replies = [
        await b.call("GET", path),
        await b.call("GET", path + "/summary"),
        await b.call("GET", path + "/receipt"),
        # A stream it could open would never end by itself: the guard only turns that into a failure.
        await asyncio.wait_for(b.call("GET", path + "/stream"), timeout=30),
        await b.pay(session_id),
        await b.action(session_id, "cancel", {"reason": "not mine"}),
        # For kiosk A a resume of a new session is 409 with its status: to B, not even that.
        await b.action(session_id, "resume"),
        await b.action(session_id, "interrupt", {"reason": "APP_CLOSED"}),
        await b.cash(session_id),
        await b.call("POST", path + "/pay", {"method": "upi_qr"}),
        await b.call("GET", f"/api/orders/{order_id}"),
        await b.call("POST", "/api/payments/session/create", {"orderId": order_id}),
    ]

    assert [r.status for r in replies] == [404] * len(replies)
    assert all(_not_found(r) for r in replies), [r.body for r in replies]
    assert await a.get(session_id) == before  # nothing B did changed it
    assert (await a.action(session_id, "resume")).status == 409


async def test_a_kiosk_lists_only_its_own_unfinished_payments(start_app: AppFactory) -> None:
    a, b, _, _ = await _two_kiosks(start_app)
    await a.faults("timeout")
    session_id = await a.session()
    assert (await a.pay(session_id)).status == 202

    mine = await a.ok("GET", "/api/payments/sessions/unfinished")
    assert [s["sessionId"] for s in mine["sessions"]] == [session_id]
    assert mine["sessions"][0]["kioskId"] != "default"
    assert await b.ok("GET", "/api/payments/sessions/unfinished") == {"sessions": [], "total": 0}


async def test_a_revoked_token_is_refused_with_401(start_app: AppFactory) -> None:
    a, b, _, app = await _two_kiosks(start_app)
    assert (await a.call("GET", "/api/products")).status == 200
    await app[DATABASE].write(lambda conn: repo.revoke(conn, "till-a", now_ms=2))

    refused = await eventually(lambda: a.call("GET", "/api/products"), lambda r: r.status == 401,
                               what="the revoked token refused")
    assert refused.body["code"] == "unauthorized"
    assert (await b.call("GET", "/api/products")).status == 200
    assert (await a.call("GET", "/api/products", token=tokens.new_token())).status == 401


async def test_the_configured_kiosk_token_is_the_default_kiosk(start_app: AppFactory) -> None:
    legacy, _, _ = await start_app()
    order = await legacy.ok("POST", "/api/orders", {"items": [{"productId": "masala-chai", "quantity": 1}]})
    session_id = await legacy.session(order["orderId"])
    assert (order["kioskId"], (await legacy.get(session_id))["kioskId"]) == ("default", "default")
    assert (await legacy.pay(session_id)).status == 202
    await legacy.wait_for(session_id, "COMPLETED")


async def test_the_admin_sees_every_kiosk_and_filters_lists_by_kiosk(start_app: AppFactory) -> None:
    a, b, admin, _ = await _two_kiosks(start_app)
    on_a, on_b = await a.session(), await b.session()
    kiosk_a = (await a.get(on_a))["kioskId"]

    active = await admin.ok("GET", "/api/payments/sessions/active")
    assert {s["sessionId"] for s in active["sessions"]} == {on_a, on_b}
    only_a = await admin.ok("GET", f"/api/payments/sessions/active?kiosk={kiosk_a}")
    assert [s["sessionId"] for s in only_a["sessions"]] == [on_a]
    page = await admin.ok("GET", f"/api/payments/sessions?kiosk={kiosk_a}")
    assert [s["sessionId"] for s in page["sessions"]] == [on_a]
    assert (await admin.get(on_b))["kioskId"] != kiosk_a  # the admin reads any kiosk's session

    bad = await admin.call("GET", "/api/payments/sessions/active?kiosk=no%20such")
    assert (bad.status, bad.body["code"]) == (400, "invalid_input")


async def _csv(admin: Api, **params: str) -> list[dict[str, str]]:
    async with admin.http.get(admin.base + "/api/payments/sessions/export", params=params,
                              headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as response:
        assert response.status == 200, await response.text()
        return list(csv.DictReader(io.StringIO((await response.read()).decode(), newline="")))


async def test_exports_carry_the_kiosk_and_filter_by_it(start_app: AppFactory) -> None:
    a, b, admin, _ = await _two_kiosks(start_app)
    on_a, on_b = await a.session(), await b.session()
    kiosk_a, kiosk_b = (await a.get(on_a))["kioskId"], (await b.get(on_b))["kioskId"]

    every = {row["sessionId"]: row["kiosk"] for row in await _csv(admin)}
    assert every == {on_a: kiosk_a, on_b: kiosk_b}
    assert [row["sessionId"] for row in await _csv(admin, kiosk=kiosk_b)] == [on_b]
    stats = await admin.ok("GET", f"/api/payments/stats?kiosk={kiosk_a}")
    assert stats["sessions"] == 1
    async with admin.http.get(admin.base + "/api/payments/sessions/export",
                              params={"format": "pdf", "kiosk": kiosk_a},
                              headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as response:
        report = pdf_text(await response.read())
    assert f"Kiosk: {kiosk_a}" in report and on_a in report and on_b not in report


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backend", "kiosk", "--database-url", database_url, *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )


@pytest.mark.slow  # five CLI processes, each migrating and importing the backend
async def test_the_cli_adds_lists_and_revokes_kiosks_of_a_running_backend(
    start_app: AppFactory, database_url: str
) -> None:
    legacy, _, _ = await start_app(**CACHE)
    added = _cli(database_url, "add", "till-7")
    assert added.returncode == 0, added.stderr
    token = re.search(r"^(sck_\S+)$", added.stdout, re.MULTILINE)
    assert token is not None, added.stdout
    kiosk = Api(legacy.http, legacy.base, token=token[1])
    session_id = await kiosk.session()
    kiosk_id = (await kiosk.get(session_id))["kioskId"]

    listed = _cli(database_url, "list")
    row = next(line for line in listed.stdout.splitlines() if "till-7" in line)
    assert row.split()[0] == kiosk_id and row.split()[-1] == "-"
    assert _cli(database_url, "add", "till-7").returncode == 2  # the name is taken

    assert _cli(database_url, "revoke", "till-7").returncode == 0
    await eventually(lambda: kiosk.call("GET", f"/api/payments/session/{session_id}"),
                     lambda r: r.status == 401, what="the revoked token refused")
    row = next(line for line in _cli(database_url, "list").stdout.splitlines() if "till-7" in line)
    assert row.split()[-1] != "-"
    assert _cli(database_url, "revoke", "no-such-kiosk").returncode == 2


@pytest.mark.sqlite_only("builds a pre-0010 kiosk.db by hand")
async def test_rows_from_before_kiosks_belong_to_the_default_kiosk(start_app: AppFactory, database_url: str) -> None:
    migrate.upgrade(database_url, "0009")
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO orders (id, status, currency, total_minor, created_at_ms) "
                          "VALUES (7, 'PENDING', 'INR', 8000, 1)"))
    engine.dispose()

    legacy, app, _ = await start_app()
    order = await legacy.ok("GET", "/api/orders/7")
    assert order["kioskId"] == "default"
    other = Api(legacy.http, legacy.base, token=await _register(app, "till-new"))
    assert (await other.call("GET", "/api/orders/7")).status == 404


@pytest.mark.slow
def test_two_clis_adding_one_name_at_once_make_one_kiosk(database_url: str) -> None:
    migrate.upgrade(database_url)  # both race on the insert, not on the migration
    command = [sys.executable, "-m", "backend", "kiosk", "--database-url", database_url, "add", "till-9"]
    racers = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for _ in range(2)]
    outcomes = sorted(p.wait(timeout=120) for p in racers)
    for p in racers:
        p.communicate()

    assert outcomes == [0, 2]
    listed = _cli(database_url, "list").stdout
    assert sum("till-9" in line for line in listed.splitlines()) == 1
