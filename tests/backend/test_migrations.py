"""Schema changes go through migrations that keep existing rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from backend.db import migrate
from backend.db.tables import Base


def test_the_migrations_build_exactly_the_schema_the_code_uses(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    migrate.upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    engine.dispose()


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
