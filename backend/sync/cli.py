"""`python -m backend sync backfill [--database-url URL] [--chunk N]`: queue every session of
this kiosk's database for the fleet server (backend/sync/backfill.py), e.g. after sync was
turned on for a kiosk that already had payments. The database is migrated first, as the
server would at start. Exit status: 0 done, 2 bad arguments, 1 the database failed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError

from backend.db.cli_database import add_database_url, database_url, writing_engine
from backend.sync.backfill import backfill

PROG = "python -m backend sync"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Replication to the fleet server.")
    add_database_url(parser)
    commands = parser.add_subparsers(dest="command", required=True)
    fill = commands.add_parser("backfill", help="queue every existing session for the fleet server")
    fill.add_argument("--chunk", type=_positive, default=500, help="sessions per transaction (default 500)")
    return parser


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    url = database_url(args.database_url)
    try:
        engine = writing_engine(url)
        try:
            done = backfill(engine, chunk=args.chunk)
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        print(f"{PROG}: the database failed: {exc}", file=sys.stderr)
        return 1
    print(f"Queued {done.queued} session(s) for the fleet server in {done.chunks} chunk(s); "
          f"{done.already} were queued already.", flush=True)
    return 0
