"""Admin exports over real HTTP (CSV, JSON, PDF), their filters and guards, and the CLI.

The shop fixture runs the real app with a clock that starts on fixed days, so that sessions
fall on known dates: A on 2026-11-18, B and C on 2026-11-19, D and E on 2026-11-20.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import create_engine, insert

from backend.app_keys import SETTINGS
from backend.db.tables import Order, PaymentSession
from backend.exports import Criteria, ExportJob, ThreadedStream
from backend.exports import cli as export_cli
from backend.exports.criteria import parse_bound
from backend.exports.rows import COLUMNS
from tests.backend.api import ADMIN_TOKEN, CASH, DECLINED_CARD, Api
from tests.backend.conftest import AppFactory
from tests.backend.stepped_clock import SteppedClock, at
from tests.pdf_text import pdf_text

ROOT = Path(__file__).resolve().parents[2]
EXPORT = "/api/payments/sessions/export"
HOUR_MS = 3_600_000


@dataclass
class Shop:
    kiosk: Api
    admin: Api
    app: web.Application
    sessions: dict[str, dict[str, Any]]  # label -> the session as GET /session/{id} shows it

    def id(self, label: str) -> str:
        return self.sessions[label]["sessionId"]

    async def export(self, token: str | None = ADMIN_TOKEN, **params: str) -> aiohttp.ClientResponse:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.admin.http.get(self.admin.base + EXPORT, params=params, headers=headers)
        await response.read()
        return response

    async def csv_rows(self, **params: str) -> list[dict[str, str]]:
        response = await self.export(format="csv", **params)
        assert response.status == 200, await response.text()
        return list(csv.DictReader(io.StringIO((await response.read()).decode("utf-8"), newline="")))

    async def labels(self, **params: str) -> list[str]:
        by_id = {s["sessionId"]: label for label, s in self.sessions.items()}
        return [by_id[row["sessionId"]] for row in await self.csv_rows(**params)]


@pytest.fixture
async def shop(start_app: AppFactory) -> Shop:
    clock = SteppedClock(at("2026-11-18T12:00:00Z"))
    kiosk, app, client = await start_app(clock=clock)
    admin = Api(client.session, kiosk.base, token=ADMIN_TOKEN)

    a = await kiosk.session(await kiosk.order(("masala-chai", 2)))  # 80.00, paid in cash
    await kiosk.ok("POST", f"/api/payments/session/{a}/complete", CASH)
    clock.jump(at("2026-11-19T12:00:00Z"))
    b = await kiosk.session(await kiosk.order(("filter-coffee", 1)))  # cancelled before paying
    await kiosk.ok("POST", f"/api/payments/session/{b}/cancel", {"reason": "customer left"})
    clock.jump(at("2026-11-19T13:00:00Z"))
    c = await kiosk.session(await kiosk.order(("samosa-2", 1)))  # declined card
    await kiosk.pay(c, DECLINED_CARD)
    await kiosk.wait_for(c, "DECLINED")
    clock.jump(at("2026-11-20T11:00:00Z"))
    d = await kiosk.session(await kiosk.order(("filter-coffee", 1)))  # 55.00 by card
    await kiosk.pay(d)
    await kiosk.wait_for(d, "COMPLETED")
    clock.jump(at("2026-11-20T12:00:00Z"))
    await kiosk.faults("timeout")
    e = await kiosk.session(await kiosk.order(("water-1l", 1)))  # the gateway never answered
    await kiosk.pay(e)
    await kiosk.wait_for(e, "INTERRUPTED")
    await kiosk.faults("none")

    labels = dict(zip("ABCDE", (a, b, c, d, e), strict=True))
    sessions = {label: await kiosk.get(session_id) for label, session_id in labels.items()}
    return Shop(kiosk, admin, app, sessions)


# ---- formats ------------------------------------------------------------------------------------


async def test_csv_lists_every_session_with_its_order_oldest_first(shop: Shop) -> None:
    response = await shop.export(format="csv")
    assert response.content_type == "text/csv" and response.charset == "utf-8"
    assert response.headers["Transfer-Encoding"] == "chunked"
    assert re.fullmatch(r'attachment; filename="payment-sessions-\S+\.csv"',
                        response.headers["Content-Disposition"])
    body = (await response.read()).decode("utf-8")
    assert body.count("\r\n") == 6 and "\n" not in body.replace("\r\n", "")
    header, *rows = list(csv.reader(io.StringIO(body, newline="")))
    assert tuple(header) == COLUMNS
    assert [row[0] for row in rows] == [shop.id(label) for label in "ABCDE"]

    a, b, c, d, e = (dict(zip(header, row, strict=True)) for row in rows)
    assert (a["status"], a["method"], a["amount"], a["amountMinor"], a["currency"]) == (
        "COMPLETED", "cash", "80.00", "8000", "INR")
    assert a["orderStatus"] == "PAID" and a["orderId"] == str(shop.sessions["A"]["orderId"])
    assert a["createdAt"] == shop.sessions["A"]["createdAt"]
    assert a["createdAt"].startswith("2026-11-18T12:00:") and a["createdAt"].endswith("Z")
    assert a["finishedAt"] == shop.sessions["A"]["finishedAt"]
    assert (b["status"], b["method"], b["orderStatus"], b["finishedAt"] != "") == (
        "CANCELLED", "", "PENDING", True)
    assert (c["status"], c["declineCode"]) == ("DECLINED", shop.sessions["C"]["declineCode"])
    assert c["declineCode"]
    assert (d["cardBrand"], d["cardLast4"], d["amount"], d["attempts"], d["maxAttempts"]) == (
        "visa", "4242", "55.00", "1", "3")
    assert d["gatewayChargeId"] == shop.sessions["D"]["gatewayChargeId"] and d["gatewayChargeId"]
    assert (e["status"], e["interruptions"], e["lastInterruptionReason"], e["finishedAt"]) == (
        "INTERRUPTED", "1", "TIMEOUT", "")


async def test_json_is_one_document_with_the_same_rows_and_a_total(shop: Shop) -> None:
    response = await shop.export(format="json")
    assert response.content_type == "application/json"
    assert response.headers["Content-Disposition"].endswith('.json"')
    document = json.loads(await response.read())
    assert document["total"] == 5
    assert [s["sessionId"] for s in document["sessions"]] == [shop.id(label) for label in "ABCDE"]
    d, e = document["sessions"][3], document["sessions"][4]
    assert list(d) == list(COLUMNS)
    assert (d["amount"], d["amountMinor"], d["attempts"], d["cardLast4"]) == ("55.00", 5500, 1, "4242")
    assert (e["finishedAt"], e["lastInterruptionReason"], e["method"]) == (None, "TIMEOUT", "card")


async def test_pdf_summarises_outcomes_methods_interruptions_then_lists_sessions(shop: Shop) -> None:
    response = await shop.export(format="pdf", **{"from": "2026-11-18", "to": "2026-11-20"})
    assert response.content_type == "application/pdf"
    assert response.headers["Content-Disposition"].endswith('.pdf"')
    data = await response.read()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    text = pdf_text(data)
    for expected in ("SmartCart - payment sessions", "created 2026-11-18 to 2026-11-20 (UTC)",
                     "Sessions by outcome", "Money taken by method", "Interruptions by reason",
                     "Money taken: INR 135.00",  # the two completed sessions: 80.00 cash + 55.00 card
                     "CANCELLED", "DECLINED", "INTERRUPTED", "cash", "TIMEOUT", "visa 4242",
                     "5 sessions listed."):
        assert expected in text, expected
    assert all(shop.id(label) in text for label in "ABCDE")


async def test_pdf_list_stops_at_its_cap_and_points_to_the_csv(shop: Shop) -> None:
    url = shop.app[SETTINGS].resolved_database_url()
    job = ExportJob(url, "pdf", Criteria(), generated_at_ms=at("2026-11-21"), pdf_max_listed=2)
    data = await asyncio.to_thread(lambda: b"".join(job.chunks()))
    text = pdf_text(data)
    assert (job.count, job.listed) == (5, 2)
    assert "and 3 more sessions: use the CSV export for the full list." in text
    assert shop.id("A") in text and shop.id("C") not in text


# ---- filters ------------------------------------------------------------------------------------


async def test_status_filter_takes_one_or_several_statuses(shop: Shop) -> None:
    assert await shop.labels(status="COMPLETED") == ["A", "D"]
    assert await shop.labels(status="declined, CANCELLED") == ["B", "C"]
    assert await shop.labels(status="EXPIRED") == []


async def test_dates_include_whole_days_and_datetimes_bound_to_the_millisecond(shop: Shop) -> None:
    assert await shop.labels(**{"from": "2026-11-19", "to": "2026-11-19"}) == ["B", "C"]
    assert await shop.labels(to="2026-11-18") == ["A"]
    assert await shop.labels(**{"from": "2026-11-20"}) == ["D", "E"]
    assert await shop.labels(**{"from": "", "to": "", "status": ""}) == list("ABCDE")
    assert await shop.labels(to=shop.sessions["A"]["createdAt"]) == ["A"]
    assert await shop.labels(**{"from": shop.sessions["D"]["createdAt"]}) == ["D", "E"]
    # 16:45 at +05:30 is 11:15 UTC.
    assert await shop.labels(**{"from": "2026-11-19T12:30:00", "to": "2026-11-20T16:45:00+05:30"}) == ["C", "D"]
    assert await shop.labels(status="COMPLETED", **{"from": "2026-11-19"}) == ["D"]


def test_an_unencoded_plus_in_an_offset_still_parses() -> None:
    # "+" in a query string arrives as a space when the client did not percent-encode it.
    assert parse_bound("2026-11-20T16:45:00 05:30", end=False) == at("2026-11-20T11:15:00Z")


# ---- guards -------------------------------------------------------------------------------------


async def test_export_needs_the_admin_token(shop: Shop) -> None:
    no_token = await shop.export(token=None)
    assert no_token.status == 401 and (await no_token.json())["code"] == "unauthorized"
    kiosk = await shop.export(token=shop.kiosk.token)
    assert kiosk.status == 403 and (await kiosk.json())["code"] == "forbidden"


@pytest.mark.parametrize(
    ("params", "mentions"),
    [
        ({"format": "xml"}, "format"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"from": "2026-11-20T25:00:00Z"}, "from"),
        ({"status": "PAID"}, "status"),
        ({"status": ","}, "status"),
        ({"from": "2026-11-20", "to": "2026-11-19"}, "from"),
        ({"limit": "10"}, "limit"),
    ],
)
async def test_bad_query_values_are_400_json(shop: Shop, params: dict[str, str], mentions: str) -> None:
    response = await shop.export(**params)
    assert response.status == 400
    body = await response.json()
    assert body["code"] == "invalid_input" and mentions in body["message"]


async def test_openapi_documents_the_export_and_its_parameters(shop: Shop) -> None:
    document = await shop.kiosk.ok("GET", "/api/openapi.json")
    operation = document["paths"][EXPORT]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"format", "from", "to", "status", "kiosk"}
    assert "text/csv" in operation["responses"]["200"]["content"]
    assert {"401", "403", "400"} <= set(operation["responses"])


# ---- scale and streaming ------------------------------------------------------------------------


def add_sessions(database_url: str, count: int, created_ms: int) -> None:
    """Bulk-insert finished sessions straight into the kiosk's database (beside the running app)."""
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            first = 10_000
            conn.execute(insert(Order), [
                {"id": first + n, "status": "PAID", "currency": "INR", "total_minor": 1000,
                 "created_at_ms": created_ms, "paid_at_ms": created_ms} for n in range(count)])
            conn.execute(insert(PaymentSession), [
                {"id": f"{first + n:032x}", "order_id": first + n, "status": "COMPLETED", "version": 1,
                 "idempotency_key": f"bulk-{n}", "amount_minor": 1000, "currency": "INR",
                 "attempts": 1, "max_attempts": 3, "interruptions": 0, "gateway_contacted": True,
                 "outcome_unknown": False, "method": "upi", "created_at_ms": created_ms + n,
                 "updated_at_ms": created_ms + n, "expires_at_ms": created_ms + n + 900_000,
                 "finished_at_ms": created_ms + n} for n in range(count)])
    finally:
        engine.dispose()


async def test_thousands_of_sessions_stream_whole_and_the_pdf_caps_its_list(shop: Shop) -> None:
    url = shop.app[SETTINGS].resolved_database_url()
    await asyncio.to_thread(add_sessions, url, 2500, at("2026-11-21"))
    rows = await shop.csv_rows()
    assert len(rows) == 2505 and rows[-1]["sessionId"] == f"{10_000 + 2499:032x}"
    document = json.loads(await (await shop.export(format="json")).read())
    assert document["total"] == len(document["sessions"]) == 2505
    text = pdf_text(await (await shop.export(format="pdf")).read())
    assert "and 505 more sessions: use the CSV export for the full list." in text


async def test_a_slow_reader_holds_the_producer_back_and_close_stops_it() -> None:
    produced: list[int] = []
    closed = asyncio.get_running_loop().create_future()
    loop = asyncio.get_running_loop()

    def endless() -> Iterator[bytes]:
        try:
            for n in range(1_000_000):
                produced.append(n)
                yield b"x" * 10
        finally:
            loop.call_soon_threadsafe(closed.set_result, len(produced))

    stream = ThreadedStream(endless, max_chunks=4).start()
    assert await stream.next() == b"x" * 10
    assert await stream.next() == b"x" * 10
    stream.close()
    made = await asyncio.wait_for(closed, timeout=5)
    assert made <= 2 + 4 + 1  # taken + queued + the one waiting for room
    await asyncio.to_thread(stream.thread.join, 5)
    assert not stream.thread.is_alive()


async def test_a_failure_before_the_first_byte_is_a_500_json(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Iterator[Any]:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr("backend.exports.job.session_rows", broken)
    response = await shop.export(format="json")
    assert response.status == 500 and (await response.json())["code"] == "internal_error"


async def test_a_failure_part_way_breaks_the_download_instead_of_ending_it(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    def first_row_then_fail(*_args: Any, **_kwargs: Any) -> Iterator[Any]:
        raise RuntimeError("the disk is on fire")
        yield  # a generator: the CSV header has gone out before this raises

    monkeypatch.setattr("backend.exports.job.session_rows", first_row_then_fail)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with shop.admin.http.get(shop.admin.base + EXPORT, headers=headers) as response:
        assert response.status == 200
        with pytest.raises(aiohttp.ClientPayloadError):
            await response.read()


# ---- command line -------------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backend", "export", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )


async def test_cli_writes_parseable_files_while_the_kiosk_runs(shop: Shop, tmp_path: Path) -> None:
    url = shop.app[SETTINGS].resolved_database_url()
    csv_file, pdf_file = tmp_path / "out" / "sessions.csv", tmp_path / "out" / "report.pdf"
    csv_file.parent.mkdir()
    csv_run, pdf_run = await asyncio.gather(
        asyncio.to_thread(run_cli, "--database-url", url, "--format", "csv", "--status",
                          "COMPLETED,DECLINED", "--out", str(csv_file)),
        asyncio.to_thread(run_cli, "--database-url", url, "--format", "pdf", "--from", "2026-11-20",
                          "--out", str(pdf_file)),
    )
    assert csv_run.returncode == 0, csv_run.stderr
    assert "Exported 3 sessions" in csv_run.stdout
    rows = list(csv.DictReader(io.StringIO(csv_file.read_text("utf-8"), newline="")))
    assert [r["sessionId"] for r in rows] == [shop.id("A"), shop.id("C"), shop.id("D")]
    assert pdf_run.returncode == 0, pdf_run.stderr
    assert "Exported 2 sessions" in pdf_run.stdout
    assert shop.id("E") in pdf_text(pdf_file.read_bytes())
    assert sorted(p.name for p in csv_file.parent.iterdir()) == ["report.pdf", "sessions.csv"]
    # The kiosk carries on meanwhile.
    assert (await shop.kiosk.get(shop.id("A")))["status"] == "COMPLETED"


async def test_cli_json_in_process(shop: Shop, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = shop.app[SETTINGS].resolved_database_url()
    out = tmp_path / "sessions.json"
    code = await asyncio.to_thread(
        export_cli.main, ["--database-url", url, "--format", "json", "--to", "2026-11-19", "--out", str(out)]
    )
    assert code == 0 and "Exported 3 sessions" in capsys.readouterr().out
    assert json.loads(out.read_text("utf-8"))["total"] == 3


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["--format", "csv"], "--out"),
        (["--format", "xlsx", "--out", "x"], "--format"),
        (["--format", "csv", "--out", "x", "--status", "PAID"], "--status"),
        (["--format", "csv", "--out", "x", "--from", "2026-11-31"], "--from"),
        (["--format", "csv", "--out", "x", "--from", "2026-11-20", "--to", "2026-11-01"], "after"),
        (["--format", "csv", "--out", "nowhere/x.csv"], "--out"),
        (["--format", "csv", "--out", "x", "--database-url", "sqlite:///missing.db"], "No database file"),
    ],
)
def test_cli_rejects_bad_arguments_with_exit_2(
    args: list[str], mentions: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert export_cli.main(args) == 2
    assert mentions in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing written, no database created


def test_cli_on_a_database_without_the_schema_fails_and_leaves_no_file(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if database_url.startswith("sqlite"):  # an existing, empty file (a missing one is refused above)
        sqlite3.connect(tmp_path / "kiosk.db").close()
    before = sorted(p.name for p in tmp_path.iterdir())
    out = tmp_path / "out.csv"
    assert export_cli.main(["--database-url", database_url, "--format", "csv", "--out", str(out)]) == 1
    assert re.search(r"no such table|relation \S+ does not exist", capsys.readouterr().err)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # not migrated, nothing left over
