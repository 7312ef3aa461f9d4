"""The printable summary of a range of payment sessions, drawn with fpdf2.

Title, range and generation time; the money taken (money_taken.py: completed payments less their
refunds) in all and by method, and what was accepted offline and not yet collected; sessions by outcome
(status), with the amounts they asked for; interruptions by reason; then the sessions
themselves, oldest first.

fpdf2 keeps every page in memory until it writes the file, so the list stops after
`max_listed` sessions and ends with a line sending the reader to the CSV export for the rest.
The totals always cover every session in the range (they come from SQL GROUP BY). Built off
the event loop (the caller's thread), written to a file object.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import BinaryIO

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from backend.exports.criteria import Criteria
from backend.exports.query import Summary, Total, per_currency
from backend.exports.rows import ExportRow
from smartcart_contract.money import format_money

_FONT = "Helvetica"
_ROW_H = 4.6
# The session list: (heading, width in mm, align); 277 mm = A4 landscape minus 10 mm margins.
_LIST_COLUMNS = (
    ("Created (UTC)", 30, "L"),
    ("Session", 52, "L"),  # 32 hex digits, never cut
    ("Order", 13, "R"),
    ("Status", 32, "L"),
    ("Method", 12, "L"),
    ("Card", 21, "L"),
    ("Amount", 21, "R"),
    ("Refunded", 22, "R"),  # refunds that succeeded: the payment's money taken is amount less this
    ("Attempts", 11, "R"),
    ("Interr.", 11, "R"),
    ("Last interruption", 27, "L"),
    ("Decline code", 25, "L"),
)


def _utc(ms: int | None) -> str:
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def _text(value: object) -> str:
    """Core PDF fonts cover Windows-1252 only; anything else prints as "?"."""
    return str(value).encode("cp1252", "replace").decode("cp1252")


class _Report(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="landscape", unit="mm", format="A4")
        self._footer_text = footer_text
        self.core_fonts_encoding = "cp1252"  # for "…" and "–"
        self.set_margins(10, 10, 10)
        self.set_auto_page_break(True, margin=14)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(_FONT, size=7)
        self.set_text_color(110)
        self.cell(0, 4, _text(self._footer_text), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 4, f"Page {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0)

    def heading(self, text: str) -> None:
        if self.will_page_break(16):
            self.add_page()
        self.ln(3)
        self.set_font(_FONT, "B", 11)
        self.cell(0, 7, _text(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def fitted(self, value: object, room: float, *, need_width: bool) -> tuple[str, float]:
        """The text, cut with "…" to fit `room` mm, and its width (0 if not needed)."""
        text = _text(value)
        # No core-font glyph is wider than 1 em: a short text fits without measuring.
        if not need_width and len(text) * self.font_size <= room:
            return text, 0.0
        width = self.get_string_width(text)
        if width > room:
            while text and self.get_string_width(text + "…") > room:
                text = text[:-1]
            text += "…"
            width = self.get_string_width(text)
        return text, width

    def grid(
        self, columns: tuple[tuple[str, float, str], ...], rows: Iterable[tuple[object, ...]]
    ) -> int:
        """Rows under a heading row that is repeated on every new page; returns rows drawn.

        Drawn with text() and one rect() per shaded row: cell() costs ten times as much,
        which made a 2,000-session report take seconds.
        """
        self._table_header(columns)
        total_width = sum(width for _, width, _ in columns)
        baseline = _ROW_H / 2 + 0.35 * self.font_size
        drawn = 0
        for row in rows:
            if self.will_page_break(_ROW_H):
                self.add_page()
                self._table_header(columns)
            y = self.y
            if drawn % 2 == 1:
                self.rect(self.l_margin, y, total_width, _ROW_H, style="F")
            x = self.l_margin
            for (_, width, align), value in zip(columns, row, strict=True):
                if value != "":
                    room = width - 2 * self.c_margin
                    text, text_width = self.fitted(value, room, need_width=align == "R")
                    offset = room - text_width if align == "R" else 0.0
                    self.text(x + self.c_margin + offset, y + baseline, text)
                x += width
            self.set_y(y + _ROW_H)
            drawn += 1
        return drawn

    def _table_header(self, columns: tuple[tuple[str, float, str], ...]) -> None:
        self.set_font(_FONT, "B", 7.5)
        self.set_fill_color(225, 229, 235)
        for title, width, align in columns:
            self.cell(width, _ROW_H + 0.6, _text(title), align=align, fill=True)
        self.ln(_ROW_H + 0.6)
        self.set_font(_FONT, size=7.5)
        self.set_fill_color(244, 246, 249)


_TOTAL_COLUMNS = (("", 60, "L"), ("Currency", 20, "L"), ("Sessions", 25, "R"), ("Amount", 45, "R"))
_REASON_COLUMNS = (("Reason", 60, "L"), ("Interruptions", 25, "R"), ("Sessions", 25, "R"))


def _total_rows(totals: tuple[Total, ...], blank: str, *, sum_amounts: bool) -> list[tuple[object, ...]]:
    """One row per total, then an "All" row per currency. Its amount is given only where the
    amounts add up to money (`sum_amounts`): across outcomes they are what was asked, and a
    declined payment's amount added to a completed one's is no figure anyone took."""
    rows: list[tuple[object, ...]] = [
        (t.key or blank, t.currency, f"{t.sessions:,}", format_money(t.amount_minor, t.currency, symbol=False))
        for t in totals
    ]
    for t in per_currency(totals):
        amount = format_money(t.amount_minor, t.currency, symbol=False) if sum_amounts else ""
        rows.append(("All", t.currency, f"{t.sessions:,}", amount))
    return rows


_MONEY_COLUMNS = (
    ("Method", 60, "L"), ("Currency", 20, "L"), ("Payments", 25, "R"),
    ("Paid", 35, "R"), ("Refunded", 35, "R"), ("Money taken", 40, "R"),
)


def _money_rows(summary: Summary) -> list[tuple[object, ...]]:
    """Per method what was paid, what was refunded of it and what stays taken; then "All"."""

    def rows(paid: tuple[Total, ...], back: tuple[Total, ...], name: str | None) -> list[tuple[object, ...]]:
        refunded = {(t.key, t.currency): t.amount_minor for t in back}
        out: list[tuple[object, ...]] = []
        for t in paid:
            gone = refunded.get((t.key, t.currency), 0)
            out.append((name or t.key or "none chosen", t.currency, f"{t.sessions:,}",
                        *(format_money(v, t.currency, symbol=False) for v in (t.amount_minor, gone, t.amount_minor - gone))))
        return out

    return rows(summary.taken_by_method, summary.refunded_by_method, None) + rows(
        per_currency(summary.taken_by_method), summary.refunded(), "All")


def _money(totals: tuple[Total, ...]) -> str:
    if not totals:
        return format_money(0, "INR", symbol=False)
    return " + ".join(format_money(t.amount_minor, t.currency, symbol=False) for t in totals)


def _count(totals: tuple[Total, ...], what: str) -> str:
    count = sum(t.sessions for t in totals)
    return f"{count:,} {what}{'s' if count != 1 else ''}"


def write_pdf(
    out: BinaryIO,
    *,
    criteria: Criteria,
    summary: Summary,
    rows: Iterable[ExportRow],
    generated_at_ms: int,
    max_listed: int,
    compress: bool = True,
) -> int:
    """Draw the report into `out`; returns how many sessions were listed (≤ max_listed)."""
    generated = _utc(generated_at_ms) + " UTC"
    pdf = _Report(footer_text=f"SmartCart payment sessions · generated {generated}")
    pdf.set_compression(compress)
    pdf.set_title("SmartCart payment sessions")
    pdf.set_creator("SmartCart Desktop")
    pdf.set_creation_date(datetime.fromtimestamp(generated_at_ms / 1000, tz=UTC))
    pdf.add_page()

    pdf.set_font(_FONT, "B", 16)
    pdf.cell(0, 9, "SmartCart - payment sessions", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(_FONT, size=9)
    for line in (
        f"Range: {criteria.describe_range()}",
        f"Status: {criteria.describe_statuses()}",
        f"Kiosk: {criteria.kiosk_id or 'all'}",
        f"Generated: {generated}",
        f"Sessions: {summary.sessions:,}    Interruptions: {summary.interruptions:,}",
    ):
        pdf.cell(0, 5, _text(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    taken = summary.taken()
    refunded = summary.refunded()
    less_refunds = f", less {_count(refunded, 'refund')} of {_money(refunded)}" if refunded else ""
    pdf.set_font(_FONT, "B", 11)
    pdf.cell(
        0, 7, _text(f"Money taken: {_money(taken)} ({_count(taken, 'completed payment')}{less_refunds})"),
        new_x=XPos.LMARGIN, new_y=YPos.NEXT,
    )
    if summary.not_yet_collected:
        pending = summary.not_yet_collected
        pdf.set_font(_FONT, size=9)
        pdf.cell(
            0, 5,
            _text(f"Accepted offline, not yet collected: {_money(pending)} ({_count(pending, 'payment')}) "
                  "- not in the money taken until the gateway accepts it"),
            new_x=XPos.LMARGIN, new_y=YPos.NEXT,
        )

    pdf.heading("Money taken by method (completed payments, less refunds)")
    pdf.grid(_MONEY_COLUMNS, _money_rows(summary))
    pdf.heading("Sessions by outcome (amounts asked, not taken)")
    pdf.grid(
        (("Status", 60, "L"), *_TOTAL_COLUMNS[1:]), _total_rows(summary.by_status, "-", sum_amounts=False)
    )
    pdf.heading("Interruptions by reason")
    if summary.by_reason:
        pdf.grid(
            _REASON_COLUMNS,
            [(r.reason or "unknown", f"{r.interruptions:,}", f"{r.sessions:,}") for r in summary.by_reason],
        )
    else:
        pdf.set_font(_FONT, size=9)
        pdf.cell(0, 5, "No interruptions.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.heading("Sessions (oldest first)")
    listed = pdf.grid(
        _LIST_COLUMNS,
        (
            (
                _utc(r.created_at_ms),
                r.session_id,
                r.order_id,
                r.status,
                r.method or "",
                f"{r.card_brand} {r.card_last4}" if r.card_last4 else "",
                format_money(r.amount_minor, r.currency, symbol=False),
                format_money(r.refunded_minor, r.currency, symbol=False) if r.refunded_minor else "",
                f"{r.attempts}/{r.max_attempts}",
                r.interruptions,
                r.last_interruption_reason or "",
                r.decline_code or "",
            )
            for r in _first(rows, max_listed)
        ),
    )
    more = summary.sessions - listed
    pdf.set_font(_FONT, "I", 9)
    pdf.ln(2)
    if more > 0:
        note = f"… and {more:,} more sessions: use the CSV export for the full list."
    elif listed == 0:
        note = "No sessions in this range."
    else:
        note = f"{listed:,} sessions listed."
    pdf.cell(0, 6, _text(note), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.output(out)
    return listed


def _first(rows: Iterable[ExportRow], limit: int) -> Iterable[ExportRow]:
    for index, row in enumerate(rows):
        if index >= limit:
            return
        yield row
