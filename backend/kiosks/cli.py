"""`python -m backend kiosk add NAME | list | revoke NAME|ID [--database-url URL]`.

`add` prints the new kiosk's token once: only its hash is stored, so it cannot be shown again
(revoke the kiosk and add another if it is lost). `revoke` keeps the kiosk's row, so its past
orders and sessions still name it; a running backend refuses the token within
SMARTCART_KIOSK_TOKEN_CACHE_S. The database is migrated first, as the server would at start.
Exit status: 0 done, 2 bad arguments (an unknown kiosk, a name taken), 1 the database failed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from backend.clock import iso, system_clock
from backend.db.cli_database import add_database_url, database_url, writing_engine
from backend.errors import DomainError
from backend.kiosks import repo, tokens

PROG = "python -m backend kiosk"
T = TypeVar("T")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Register, list and revoke kiosks.")
    add_database_url(parser)
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="register a kiosk and print its token (once)")
    add.add_argument("name")
    commands.add_parser("list", help="every kiosk: id, name, created, revoked")
    revoke = commands.add_parser("revoke", help="refuse a kiosk's token from now on")
    revoke.add_argument("kiosk", metavar="NAME|ID")
    return parser


def _in_transaction(url: str, job: Callable[[Connection], T]) -> T:
    # SQLite: the write lock up front, so two CLIs adding at once queue instead of failing.
    engine = writing_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            return job(conn)
    finally:
        engine.dispose()


def main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    url = database_url(args.database_url)
    now = system_clock()
    try:
        if args.command == "add":
            token = tokens.new_token()
            digest = tokens.token_hash(token)
            kiosk = _in_transaction(url, lambda conn: repo.add(conn, args.name, digest, now_ms=now))
            print(f"Added kiosk {kiosk.name} (id {kiosk.id}).")
            print("Its token, shown this once (only a hash of it is kept):")
            print(token, flush=True)
        elif args.command == "list":
            kiosks = _in_transaction(url, repo.list_all)
            print(f"{'id':<20} {'name':<24} {'created':<26} revoked")
            for k in kiosks:
                print(f"{k.id:<20} {k.name:<24} {iso(k.created_at_ms) or '':<26} {iso(k.revoked_at_ms) or '-'}")
        else:
            kiosk = _in_transaction(url, lambda conn: repo.revoke(conn, args.kiosk, now_ms=now))
            print(f"Revoked kiosk {kiosk.name} (id {kiosk.id}) at {iso(kiosk.revoked_at_ms)}.")
    except DomainError as exc:
        print(f"{PROG}: error: {exc.message}", file=sys.stderr)
        return 2
    except IntegrityError:
        # Only `add` inserts: another `kiosk add` of the name committed between check and insert.
        print(f"{PROG}: error: A kiosk named {getattr(args, 'name', '')!r} exists already.", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"{PROG}: the database failed: {exc}", file=sys.stderr)
        return 1
    return 0
