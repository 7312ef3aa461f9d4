"""`python -m backend export`: write payment sessions to a CSV, JSON or PDF file.

    python -m backend export --format csv|json|pdf --out FILE
        [--database-url URL] [--from DATE] [--to DATE] [--status S[,S...]] [--kiosk ID]

It only reads (a SQLite file is opened read-only), so it can run beside a kiosk that is using
the same database; it never migrates. FILE appears complete or not at all (temporary file,
then rename). Exit status: 0 done, 2 bad arguments, 1 the export failed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from backend.clock import system_clock
from backend.db.cli_database import database_url
from backend.exports import ExportJob, ExportQuery
from backend.exports.source import SourceError

PROG = "python -m backend export"


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


def _parser() -> _Parser:
    parser = _Parser(
        prog=PROG,
        description="Export payment sessions (one row per session, with its order) to a file.",
    )
    parser.add_argument("--format", required=True, choices=("csv", "json", "pdf"))
    parser.add_argument("--out", required=True, type=Path, metavar="FILE", help="file to write")
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="SQLAlchemy URL of the kiosk database (default: SMARTCART_DATABASE_URL, "
        "else kiosk.db in the data directory)",
    )
    parser.add_argument("--from", dest="from_", metavar="DATE", help="created on/after (YYYY-MM-DD or ISO 8601, UTC)")
    parser.add_argument("--to", metavar="DATE", help="created on/before; a date includes the whole day")
    parser.add_argument("--status", metavar="S", help="a status, or several comma-separated")
    parser.add_argument("--kiosk", metavar="ID", help="one kiosk's sessions only (python -m backend kiosk list)")
    return parser


def _fail(parser: argparse.ArgumentParser, message: str) -> int:
    parser.print_usage(sys.stderr)
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def main(argv: Sequence[str]) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(list(argv))
    except _UsageError as exc:
        return _fail(parser, str(exc))
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0

    try:
        query = ExportQuery.model_validate(
            {"format": args.format, "from": args.from_, "to": args.to, "status": args.status, "kiosk": args.kiosk}
        )
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_input=False, include_url=False):
            option = "--" + str(error["loc"][0]) if error["loc"] else "arguments"
            problems.append(f"{option}: {error['msg'].removeprefix('Value error, ')}")
        return _fail(parser, "; ".join(problems))

    out: Path = args.out
    if out.is_dir() or not out.parent.is_dir():
        return _fail(parser, f"--out: {out} is not a file in an existing directory")

    job = ExportJob(
        database_url(args.database_url),
        query.format,
        query.criteria(),
        generated_at_ms=system_clock(),
    )
    try:
        job.write_file(out)
    except SourceError as exc:
        return _fail(parser, f"--database-url: {exc}")
    except (SQLAlchemyError, OSError) as exc:
        print(f"{PROG}: export failed: {exc}", file=sys.stderr)
        return 1

    if query.format == "pdf" and job.listed < job.count:
        detail = f" (the PDF lists the first {job.listed:,}; its totals cover all)"
    else:
        detail = ""
    print(f"Exported {job.count} sessions to {out}{detail}")
    return 0
