"""Rows → CSV or JSON, as byte chunks of about CHUNK_BYTES, never the whole file at once.

CSV: UTF-8, RFC 4180 (the csv module's quoting, CRLF line ends), a header row with the same
camelCase names as the JSON keys, and no totals (a totals row would be read as one more
session). JSON: one document `{"sessions": [...], "total": N, "moneyTaken": [...]}`, written
row by row; `total` (sessions) and `moneyTaken` (per currency, money_taken.py's definition)
come last, after the rows, from the same read transaction.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator

from backend.exports.query import Total
from backend.exports.rows import COLUMNS, ExportRow
from smartcart_contract.money import decimal_amount

CHUNK_BYTES = 64 * 1024


def csv_chunks(rows: Iterable[ExportRow], *, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # the default dialect is RFC 4180's
    writer.writerow(COLUMNS)
    # The header goes out at once: the caller learns early that the query ran.
    yield _drain(buffer)
    for row in rows:
        writer.writerow(row.values())
        if buffer.tell() >= chunk_bytes:
            yield _drain(buffer)
    if buffer.tell():
        yield _drain(buffer)


def json_chunks(
    rows: Iterable[ExportRow],
    *,
    chunk_bytes: int = CHUNK_BYTES,
    money_taken: Callable[[], Iterable[Total]] = tuple,
) -> Iterator[bytes]:
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    buffer = io.StringIO()
    buffer.write('{"sessions":[')
    yield _drain(buffer)
    total = 0
    for row in rows:
        if total:
            buffer.write(",")
        buffer.write("\n")
        buffer.write(encode(dict(zip(COLUMNS, row.values(), strict=True))))
        total += 1
        if buffer.tell() >= chunk_bytes:
            yield _drain(buffer)
    taken = [
        {"currency": t.currency, "sessions": t.sessions, "amount": decimal_amount(t.amount_minor, t.currency),
         "amountMinor": t.amount_minor}
        for t in money_taken()
    ]
    buffer.write(f'\n],"total":{total},"moneyTaken":{encode(taken)}}}\n')
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data
