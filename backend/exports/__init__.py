"""Admin exports of payment sessions: CSV, JSON and a printable PDF summary.

The same code serves the HTTP endpoint (backend/http/routes/exports.py), the command line
(`python -m backend export`, backend/exports/cli.py) and the benchmark (bench/export_bench.py):

- criteria.py   what to export: the `from`/`to`/`status`/`format` parameters, validated
- source.py     a dedicated read-only connection for one export
- query.py      the rows (streamed) and the totals (SQL GROUP BY), SQLAlchemy Core only
- rows.py       one exported row and its columns
- money.py      minor units as decimal amounts
- csv_json.py   rows → CSV or JSON byte chunks
- pdf.py        the printable summary
- job.py        one export from database to bytes: format, file name, chunks, atomic file write
- streaming.py  a blocking chunk producer on its own thread, awaited by the event loop
"""

from backend.exports.criteria import Criteria, ExportQuery
from backend.exports.job import FORMATS, PDF_MAX_LISTED, ExportJob
from backend.exports.streaming import ThreadedStream

__all__ = ["FORMATS", "PDF_MAX_LISTED", "Criteria", "ExportJob", "ExportQuery", "ThreadedStream"]
