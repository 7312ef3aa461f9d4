"""One export, from the database to bytes: the same code path for the API, the CLI and the bench.

`ExportJob.chunks()` is a blocking generator: run it on a worker thread (the API does, through
streaming.ThreadedStream) or straight from a command-line process. It opens its own read-only
connection (source.py) and closes it when the generator finishes or is closed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from backend.exports.criteria import Criteria, Format
from backend.exports.csv_json import csv_chunks, json_chunks
from backend.exports.query import session_rows, summary, taken_totals
from backend.exports.rows import ExportRow
from backend.exports.source import read_connection

# fpdf2 holds the whole document in memory: the PDF lists this many sessions at most
# (about 50 pages); its totals still cover every session in the range.
PDF_MAX_LISTED = 2000
FILE_CHUNK_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class FormatInfo:
    extension: str
    content_type: str
    charset: str | None


FORMATS: dict[str, FormatInfo] = {
    "csv": FormatInfo("csv", "text/csv", "utf-8"),
    "json": FormatInfo("json", "application/json", "utf-8"),
    "pdf": FormatInfo("pdf", "application/pdf", None),
}


class ExportJob:
    def __init__(
        self,
        database_url: str,
        format: Format,
        criteria: Criteria,
        *,
        generated_at_ms: int,
        pdf_max_listed: int = PDF_MAX_LISTED,
        pdf_compress: bool = True,
    ) -> None:
        self.database_url = database_url
        self.format = format
        self.info = FORMATS[format]
        self.criteria = criteria
        self.generated_at_ms = generated_at_ms
        self.pdf_max_listed = pdf_max_listed
        self.pdf_compress = pdf_compress
        # Sessions exported so far (CSV, JSON); for the PDF, the sessions its totals cover.
        self.count = 0
        # Sessions the PDF lists (at most pdf_max_listed).
        self.listed = 0

    @property
    def file_name(self) -> str:
        stamp = datetime.fromtimestamp(self.generated_at_ms / 1000, tz=UTC).strftime("%Y%m%d-%H%M%SZ")
        return f"payment-sessions-{stamp}.{self.info.extension}"

    def chunks(self) -> Generator[bytes, None, None]:
        if self.format == "pdf":
            yield from self._pdf_chunks()
            return
        with read_connection(self.database_url) as conn:
            rows = self._counted(session_rows(conn, self.criteria))
            if self.format == "csv":
                yield from csv_chunks(rows)
            else:
                yield from json_chunks(rows, money_taken=lambda: taken_totals(conn, self.criteria))

    def _counted(self, rows: Iterable[ExportRow]) -> Iterator[ExportRow]:
        for row in rows:
            self.count += 1
            yield row

    def _pdf_chunks(self) -> Iterator[bytes]:
        # The PDF is complete before its first byte goes out: build it into a temporary file
        # (the connection is closed by then), then hand the file over in chunks. fpdf (and the
        # Pillow it brings) is imported only here: 0.2 s and 20 MB the kiosk would otherwise
        # pay at every start for a screen an admin opens now and then.
        from backend.exports.pdf import write_pdf

        with tempfile.TemporaryFile(prefix="smartcart-export-") as spool:
            with read_connection(self.database_url) as conn:
                totals = summary(conn, self.criteria)
                self.listed = write_pdf(
                    spool,
                    criteria=self.criteria,
                    summary=totals,
                    rows=session_rows(conn, self.criteria, limit=self.pdf_max_listed),
                    generated_at_ms=self.generated_at_ms,
                    max_listed=self.pdf_max_listed,
                    compress=self.pdf_compress,
                )
                self.count = totals.sessions
            spool.seek(0)
            while chunk := spool.read(FILE_CHUNK_BYTES):
                yield chunk

    def write_file(self, path: Path) -> None:
        """Write the export to `path` atomically: a temporary file beside it, then a rename.

        Blocking. Readers of `path` see the old file or the complete new one, never a part.
        """
        path = Path(path)
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in self.chunks():
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
