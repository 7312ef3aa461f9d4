"""Readiness (/api/ready), liveness that survives a missing database (/api/health), and the
Prometheus metrics (/metrics), against the real app on both databases."""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from backend.app import create_app
from backend.db import migrate
from backend.db.database import sync_url
from backend.observability.counts import fleet_counts
from tests.backend.api import ADMIN_TOKEN, KIOSK_TOKEN, Api, eventually
from tests.backend.conftest import make_settings
from tests.backend.server_process import ServerProcess

METRICS_TOKEN = "metrics-test-token"


async def scrape(api: Api, token: str = ADMIN_TOKEN) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with api.http.get(api.base + "/metrics", headers={"Authorization": f"Bearer {token}"}) as reply:
        assert reply.status == 200, await reply.text()
        assert reply.content_type == "text/plain"
        text = await reply.text()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def ready(api: Api) -> tuple[int, Any]:
    async with api.http.get(api.base + "/api/ready") as reply:
        return reply.status, await reply.json()


# ---- /metrics ----------------------------------------------------------------------------------


async def test_metrics_parse_and_the_completed_payments_move_when_a_payment_completes(api: Api):
    before = await scrape(api)
    assert value(before, "smartcart_database_up") == 1
    completed_before = value(before, "smartcart_payments", status="COMPLETED", method="card")
    attempts_before = value(before, "smartcart_payment_attempts", method="card")
    batches_before = value(before, "smartcart_db_write_batch_size_count")

    session_id = await api.session()
    assert (await api.pay(session_id)).status == 202
    await api.wait_for(session_id, "COMPLETED")

    after = await scrape(api)
    assert value(after, "smartcart_payments", status="COMPLETED", method="card") == completed_before + 1
    assert value(after, "smartcart_payment_attempts", method="card") == attempts_before + 1
    # the order, the session, the attempt and its outcome were written by this process's writer
    assert value(after, "smartcart_db_write_batch_size_count") >= batches_before + 3
    assert value(after, "smartcart_db_write_batch_seconds_count") == value(after, "smartcart_db_write_batch_size_count")
    assert value(after, "smartcart_db_write_batch_seconds_sum") > 0
    assert value(after, "smartcart_gateway_reachable") == 1
    assert ("smartcart_open_streams", ()) in after
    assert value(after, "smartcart_offline_queue_depth") == 0
    for reason in ("TIMEOUT", "NETWORK_ERROR", "GATEWAY_ERROR", "APP_CLOSED", "CRASH_RECOVERED"):
        assert ("smartcart_interruptions", (("reason", reason),)) in after


async def test_interruptions_and_lookups_are_counted_by_reason_and_result(api: Api):
    session_id = await api.session()
    await api.faults("offline")
    await api.pay(session_id)
    # refused connections are retried automatically until the attempts run out
    await api.wait_for(session_id, "FAILED_MAX_RETRIES", timeout=15)
    samples = await scrape(api)
    assert value(samples, "smartcart_interruptions", reason="NETWORK_ERROR") >= 1
    assert value(samples, "smartcart_payments", status="FAILED_MAX_RETRIES", method="card") == 1

    await api.faults("timeout")
    second = await api.session()
    await api.pay(second)
    await api.wait_for(second, "INTERRUPTED", timeout=15)
    await api.faults("none")
    # the next attempt first looks up what became of the timed-out one
    assert (await api.action(second, "resume")).status == 202
    await api.wait_for(second, "COMPLETED", timeout=15)
    samples = await scrape(api)
    assert value(samples, "smartcart_interruptions", reason="TIMEOUT") >= 1
    lookups = sum(value(samples, "smartcart_gateway_lookups", result=r) for r in ("no_charge", "found_charge", "failed"))
    assert lookups >= 1



def test_a_scrape_reads_the_events_off_an_index(database_url: str) -> None:
    """Each scrape counts the whole fleet's events by kind and reason: on a server with millions
    of them, a sequential scan per scrape would load the database every 15 s. Every query the
    scrape sends that reads session_events must have a plan through an index."""
    migrate.upgrade(database_url)  # the indexes the migrations build, not create_all's
    engine = sa.create_engine(sync_url(database_url))
    sent: list[tuple[str, Any]] = []
    try:
        with engine.connect() as conn:
            sa.event.listen(conn, "before_cursor_execute",
                            lambda _c, _cur, statement, parameters, _ctx, _many: sent.append((statement, parameters)))
            fleet_counts(conn)
            on_events = [(sql, params) for sql, params in sent if "session_events" in sql]
            assert len(on_events) >= 3, sent  # look-ups, look-ups that found a charge, interruptions
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql("SET enable_seqscan = off")
                for sql, params in on_events:
                    plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {sql}", params))
                    assert "Seq Scan on session_events" not in plan, (sql, plan)
            else:
                for sql, params in on_events:
                    steps = [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)]
                    reads = [step for step in steps if "session_events" in step]
                    assert reads and all("INDEX" in step for step in reads), (sql, steps)
    finally:
        engine.dispose()

async def test_metrics_need_the_admin_or_the_metrics_token(start_app):
    api, _, _ = await start_app(metrics_token=METRICS_TOKEN)
    async with api.http.get(api.base + "/metrics") as reply:
        assert reply.status == 401
        assert (await reply.json())["code"] == "unauthorized"
    assert (await api.call("GET", "/metrics", token=KIOSK_TOKEN)).status == 403
    assert (await api.call("GET", "/metrics", token="wrong")).status == 401
    await scrape(api, METRICS_TOKEN)
    await scrape(api, ADMIN_TOKEN)
    # a scraper's token opens nothing else
    assert (await api.call("GET", "/api/products", token=METRICS_TOKEN)).status == 403
    assert (await api.call("GET", "/api/payments/sessions/active", token=METRICS_TOKEN)).status == 403


async def test_a_blocked_event_loop_shows_as_lag(start_app):
    api, _, _ = await start_app(loop_lag_probe_s=0.01)
    before = await scrape(api)
    lag_before = value(before, "smartcart_event_loop_lag_seconds_sum")
    time.sleep(0.3)  # the stimulus: this test shares the app's event loop, and blocks it
    samples = await eventually(
        lambda: scrape(api),
        lambda s: value(s, "smartcart_event_loop_lag_seconds_count") > value(before, "smartcart_event_loop_lag_seconds_count"),
    )
    assert value(samples, "smartcart_event_loop_lag_seconds_sum") - lag_before >= 0.25


# ---- /api/ready --------------------------------------------------------------------------------


async def test_ready_is_200_with_every_check_ok(api: Api):
    _status, body = await eventually(lambda: ready(api), lambda r: r[0] == 200)
    assert body["status"] == "ready"
    assert {c["name"]: c["ok"] for c in body["checks"]} == {"database": True, "migrations": True, "gateway": True}


async def test_ready_is_503_while_the_gateway_is_unreachable(api: Api):
    await eventually(lambda: ready(api), lambda r: r[0] == 200)
    await api.faults("offline")
    _status, body = await eventually(lambda: ready(api), lambda r: r[0] == 503)
    assert body["code"] == "gateway_unreachable"
    assert "gateway" in body["message"]
    assert {c["name"]: c["ok"] for c in body["checks"]} == {"database": True, "migrations": True, "gateway": False}
    await api.faults("none")
    await eventually(lambda: ready(api), lambda r: r[0] == 200)


async def test_ready_is_503_when_the_gateway_url_points_nowhere(start_app, unused_tcp_port: int):
    api, _, _ = await start_app(gateway_url=f"http://127.0.0.1:{unused_tcp_port}", tester=False)
    status, _body = await eventually(lambda: ready(api), lambda r: r[1].get("code") == "gateway_unreachable")
    assert status == 503


async def test_ready_is_503_when_the_schema_is_behind(api: Api, database_url: str):
    await eventually(lambda: ready(api), lambda r: r[0] == 200)
    engine = sa.create_engine(sync_url(database_url))
    try:
        with engine.begin() as conn:
            (head,) = conn.execute(sa.text("SELECT version_num FROM alembic_version")).one()
            conn.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
        status, body = await ready(api)
        assert (status, body["code"]) == (503, "migrations_behind")
        assert head in body["message"]
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    finally:
        engine.dispose()
    assert (await ready(api))[0] == 200


@contextlib.contextmanager
def immutable(*paths: Path) -> Iterator[None]:
    """Read-only even to root (the tests run as root, so chmod would not stop a write)."""
    for path in paths:
        subprocess.run(["chattr", "+i", str(path)], check=True)
    try:
        yield
    finally:
        for path in paths:
            subprocess.run(["chattr", "-i", str(path)], check=True)


@pytest.mark.sqlite_only(reason="the SQLite file itself is made read-only")
async def test_ready_is_503_while_the_sqlite_file_is_read_only(api: Api, tmp_path: Path):
    await eventually(lambda: ready(api), lambda r: r[0] == 200)
    database = tmp_path / "kiosk.db"
    with immutable(database, database.with_name("kiosk.db-wal")):
        status, body = await ready(api)
        assert (status, body["code"]) == (503, "database_not_writable"), body
        checks = {c["name"]: c for c in body["checks"]}
        assert not checks["database"]["ok"] and checks["gateway"]["ok"]
        # still alive: liveness does not depend on writes
        async with api.http.get(api.base + "/api/health") as reply:
            assert reply.status == 200
    await eventually(lambda: ready(api), lambda r: r[0] == 200)


def _database_name(database_url: str) -> str:
    name = sa.engine.make_url(database_url).database
    assert name
    return name


def _reconnect_all(pg_cluster: Any, name: str, setting: str) -> None:
    """Change the database, then end its sessions: the app's next connections get the change
    (what a failover to a read-only standby looks like from the app)."""
    admin = pg_cluster.admin()
    admin.execute(f'ALTER DATABASE "{name}" {setting}')
    admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))


@pytest.mark.slow
async def test_ready_is_503_while_postgresql_is_read_only(pg_database_url: str, pg_cluster: Any,
                                                         tmp_path: Path, aiohttp_client: Any):
    app = create_app(make_settings(tmp_path, pg_database_url))
    client = await aiohttp_client(app)
    api = Api(client.session, str(client.make_url("/")))
    name = _database_name(pg_database_url)
    await eventually(lambda: ready(api), lambda r: r[0] == 200)
    try:
        _reconnect_all(pg_cluster, name, "SET default_transaction_read_only = on")
        _status, body = await eventually(lambda: ready(api), lambda r: r[0] == 503)
        assert body["code"] == "database_not_writable", body
    finally:
        _reconnect_all(pg_cluster, name, "RESET default_transaction_read_only")
    await eventually(lambda: ready(api), lambda r: r[0] == 200, timeout=20)


async def _refused_connections(pg_database_url: str, pg_cluster: Any, tmp_path: Path) -> AsyncIterator[Api]:
    """A backend process whose PostgreSQL database refuses new connections (its own are ended)
    while the test runs; a process, so that whatever hangs in it cannot hang the test."""
    server = ServerProcess(tmp_path, args=["--tester"], database_url=pg_database_url)
    url = server.start()
    name = _database_name(pg_database_url)
    try:
        async with aiohttp.ClientSession() as http:
            api = Api(http, url)
            await eventually(lambda: ready(api), lambda r: r[0] == 200)
            _reconnect_all(pg_cluster, name, "ALLOW_CONNECTIONS false")
            yield api
    finally:
        _reconnect_all(pg_cluster, name, "ALLOW_CONNECTIONS true")
        server.kill()


@pytest.mark.slow
async def test_health_answers_while_postgresql_refuses_connections(pg_database_url: str, pg_cluster: Any,
                                                                  tmp_path: Path):
    async with contextlib.asynccontextmanager(_refused_connections)(pg_database_url, pg_cluster, tmp_path) as api:
        async with api.http.get(api.base + "/api/health") as reply:
            assert reply.status == 200
            health = await reply.json()
        assert health["database"] == {"reachable": False}
        assert health["offlinePending"] is None
        status, body = await ready(api)
        assert status == 503
        assert body["code"] in ("database_not_writable", "database_unavailable")
        samples = await scrape(api)
        assert value(samples, "smartcart_database_up") == 0


@pytest.mark.slow
async def test_writes_work_again_once_postgresql_takes_connections_again(pg_database_url: str, pg_cluster: Any,
                                                                        tmp_path: Path):
    name = _database_name(pg_database_url)
    async with contextlib.asynccontextmanager(_refused_connections)(pg_database_url, pg_cluster, tmp_path) as api:
        await eventually(lambda: ready(api), lambda r: r[1].get("code") == "database_not_writable")
        _reconnect_all(pg_cluster, name, "ALLOW_CONNECTIONS true")
        await eventually(lambda: ready(api), lambda r: r[0] == 200, timeout=15)
