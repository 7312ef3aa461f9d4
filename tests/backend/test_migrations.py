"""Schema changes go through migrations that keep existing rows."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from backend.db import migrate
from backend.db.database import make_engine, sync_url
from backend.db.tables import Base


def test_the_migrations_build_exactly_the_schema_the_code_uses(database_url: str):
    migrate.upgrade(database_url)
    engine = create_engine(database_url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    engine.dispose()


@pytest.mark.sqlite_only("builds a version-1 kiosk.db with sqlite3")
def test_a_database_from_the_first_version_keeps_its_orders_and_sessions(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    migrate.upgrade(url, "0001")
    with sqlite3.connect(tmp_path / "kiosk.db") as conn:
        conn.execute("INSERT INTO orders VALUES (7, 'PAID', 'INR', 8000, 1, 2)")
        conn.execute(
            "INSERT INTO payment_sessions (id, order_id, status, version, idempotency_key, amount_minor, "
            "currency, attempts, max_attempts, interruptions, gateway_contacted, outcome_unknown, "
            "created_at_ms, updated_at_ms, expires_at_ms, finished_at_ms, gateway_charge_id) VALUES "
            "('s1', 7, 'COMPLETED', 3, 'k1', 8000, 'INR', 1, 3, 0, 1, 0, 1, 2, 3, 2, 'ch_1')")
        conn.execute("INSERT INTO session_events (session_id, at_ms, kind, to_status) VALUES ('s1', 2, 'completed', 'COMPLETED')")

    migrate.upgrade(url)

    with sqlite3.connect(tmp_path / "kiosk.db") as conn:
        assert conn.execute("SELECT id, status, gateway_charge_id, offline_refusal FROM payment_sessions").fetchall() == [
            ("s1", "COMPLETED", "ch_1", None)]
        assert conn.execute("SELECT count(*) FROM session_events").fetchone() == (1,)
        assert conn.execute("SELECT status FROM orders WHERE id = 7").fetchone() == ("PAID",)


def test_ids_become_64_bit_and_every_row_stays(database_url: str):
    """0004: INTEGER ids (int4 on PostgreSQL) become BIGINT, sequences too; rows and events stay.
    On SQLite (64-bit INTEGER already) 0004 changes nothing, so nothing may be lost either."""
    migrate.upgrade(database_url, "0003")
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO orders (status, currency, total_minor, created_at_ms) "
                              "VALUES ('PAID', 'INR', 8000, 1)"))
            conn.execute(text("INSERT INTO order_items (order_id, product_id, name, unit_price_minor, quantity) "
                              "VALUES (1, 'masala-chai', 'Masala chai', 4000, 2)"))
            conn.execute(text(
                "INSERT INTO payment_sessions (id, order_id, status, version, idempotency_key, amount_minor, "
                "currency, attempts, max_attempts, interruptions, gateway_contacted, outcome_unknown, "
                "created_at_ms, updated_at_ms, expires_at_ms, finished_at_ms, gateway_charge_id) VALUES "
                "('s1', 1, 'COMPLETED', 3, 'k1', 8000, 'INR', 1, 3, 0, :yes, :no, 1, 2, 3, 2, 'ch_1')"),
                {"yes": True, "no": False})
            conn.execute(text("INSERT INTO session_events (session_id, at_ms, kind, to_status) "
                              "VALUES ('s1', 2, 'completed', 'COMPLETED')"))

        migrate.upgrade(database_url)

        with engine.begin() as conn:
            assert conn.execute(text("SELECT id, status FROM orders")).all() == [(1, "PAID")]
            assert conn.execute(text("SELECT order_id, quantity FROM order_items")).all() == [(1, 2)]
            assert conn.execute(text("SELECT id, order_id, gateway_charge_id FROM payment_sessions")).all() == [
                ("s1", 1, "ch_1")]
            assert conn.execute(text("SELECT session_id, kind FROM session_events")).all() == [("s1", "completed")]
            if conn.dialect.name == "postgresql":
                columns = {(t, c["name"]): str(c["type"]) for t in ("orders", "order_items", "payment_sessions",
                                                                    "session_events")
                           for c in inspect(conn).get_columns(t) if c["name"] in ("id", "order_id")}
                assert set(columns.values()) == {"BIGINT", "VARCHAR(32)"}, columns  # payment_sessions.id is text
                # The sequences were widened with their columns: the next order may have a 33-bit id.
                conn.execute(text("SELECT setval(pg_get_serial_sequence('orders', 'id'), 2147483647)"))
            else:  # the next rowid is one past the largest
                conn.execute(text("INSERT INTO orders (id, status, currency, total_minor, created_at_ms) "
                                  "VALUES (2147483647, 'PAID', 'INR', 1, 1)"))
            new_id = conn.execute(text("INSERT INTO orders (status, currency, total_minor, created_at_ms) "
                                       "VALUES ('PENDING', 'INR', 1, 1) RETURNING id")).scalar_one()
            assert new_id == 2**31
    finally:
        engine.dispose()


def test_a_plain_postgresql_url_means_psycopg_3(pg_database_url: str):
    # SQLAlchemy 2.0 reads postgresql:// as psycopg2 (not installed here); the backend means psycopg 3.
    plain = pg_database_url.replace("postgresql+psycopg://", "postgresql://")
    assert sync_url(plain) == pg_database_url
    migrate.upgrade(plain)
    engine = make_engine(plain, pool_size=1)
    with engine.connect() as conn:
        assert (conn.dialect.driver, conn.execute(text("SELECT count(*) FROM orders")).scalar_one()) == ("psycopg", 0)
    engine.dispose()


def test_five_processes_started_together_on_an_empty_database_all_migrate_it(database_url: str):
    """Without the migration lock, processes racing on an empty database died on
    'alembic_version already exists' (or PostgreSQL's pg_type index)."""
    program = "import sys; from backend.db import migrate; migrate.upgrade(sys.argv[1])"
    processes = [
        subprocess.Popen([sys.executable, "-c", program, database_url], stderr=subprocess.PIPE, text=True)
        for _ in range(5)
    ]
    failures = [err for p in processes if (err := p.communicate(timeout=120)[1]) and p.returncode != 0]
    assert failures == []
    engine = create_engine(sync_url(database_url))
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_heads() == (_head(),)
    engine.dispose()


def _head() -> str:
    return ScriptDirectory.from_config(migrate.alembic_config()).get_current_head() or ""


def test_the_head_the_backend_checks_at_start_is_the_newest_migration():
    """The start-up skips alembic when the database is at migrate.HEAD: a migration added
    without moving HEAD would never run."""
    assert _head() == migrate.HEAD


def test_a_database_at_head_is_upgraded_without_importing_alembic(database_url: str):
    """The usual start: one query finds the schema at head; alembic is not even imported."""
    migrate.upgrade(database_url)
    program = (
        "import sys; from backend.db import migrate; migrate.upgrade(sys.argv[1]); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))"
    )
    done = subprocess.run([sys.executable, "-c", program, database_url], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.sqlite_only("builds the old schema in a SQLite file")
def test_a_first_start_and_an_upgrade_migrate_in_a_child_and_leave_alembic_out(tmp_path: Path):
    """Alembic and the scripts would stay loaded in the kiosk for good: the work is done by a
    child process, for a first start (an empty file) as for an upgrade of an older schema."""
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    program = (
        "import sys; from backend.db import migrate; migrate.upgrade(sys.argv[1], sys.argv[2]); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))"
    )
    for revision in ("0010", "head"):  # a first start, then an upgrade
        done = subprocess.run(
            [sys.executable, "-c", program, url, revision], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "[]"
        engine = make_engine(url, pool_size=1)
        with engine.connect() as conn:
            assert migrate.current_revisions(conn) == {migrate.HEAD if revision == "head" else revision}
        engine.dispose()


@pytest.mark.sqlite_only("puts a table in a SQLite file")
def test_a_failing_migration_says_why_and_leaves_the_database_as_it_was(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    migrate.upgrade(url, "0010")
    with sqlite3.connect(tmp_path / "kiosk.db") as conn:
        conn.execute("CREATE TABLE invoice_counters (x INTEGER)")  # in the way of 0011
    with pytest.raises(migrate.MigrationFailed, match=r"current schema \(head\):.*invoice_counters already exists"):
        migrate.upgrade(url)
    with sqlite3.connect(tmp_path / "kiosk.db") as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0010",)]
        columns = [row[1] for row in conn.execute("PRAGMA table_info(payment_sessions)")]
        assert "invoice_number" not in columns  # 0011's first step was rolled back too
