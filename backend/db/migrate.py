"""Bring a database to the current schema with alembic; existing rows are kept."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from backend.db.database import make_engine


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", "backend:migrations")
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Blocking: call it from a thread, never from the event loop."""
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
            conn.commit()
    finally:
        engine.dispose()
