"""The database a command-line tool (`python -m backend kiosk|sync|export`) works on: the one
--database-url names, else the one the server itself would open (SMARTCART_DATABASE_URL, else
kiosk.db in the data directory)."""

from __future__ import annotations

import argparse

from sqlalchemy import Engine

from backend.db import migrate
from backend.db.database import make_engine

HELP = "SQLAlchemy URL (default: SMARTCART_DATABASE_URL, else kiosk.db in the data directory)"


def add_database_url(parser: argparse.ArgumentParser, help: str = HELP) -> None:
    parser.add_argument("--database-url", metavar="URL", help=help)


def database_url(given: str | None) -> str:
    if given:
        return given
    from backend.settings import Settings  # only when no URL is given: it reads the environment

    return Settings().resolved_database_url()


def writing_engine(url: str) -> Engine:
    """Migrated first, as the server would at start. On SQLite the write lock is taken up front,
    so the tool queues behind a running backend's writer (or another tool) instead of failing
    on the upgrade from a read."""
    migrate.upgrade(url)
    return make_engine(url, pool_size=1, begin="BEGIN IMMEDIATE")
