"""The Z report as one printable A4 page (more if many items are unsettled or mismatched).

fpdf is imported here only, when a report is asked for, as the exports do (backend/exports/job.py).
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from backend.shifts.records import ZReport
from smartcart_contract.money import format_money

_FONT = "Helvetica"


def _utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _text(value: object) -> str:
    return str(value).encode("cp1252", "replace").decode("cp1252")


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def z_pdf(z: ZReport, *, generated_at_ms: int) -> bytes:
    def money(minor: int | None) -> str:
        return "-" if minor is None else format_money(minor, z.currency, symbol=False)

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_title(f"Z report, shift {z.shift_id}")
    pdf.set_creator("SmartCart Desktop")
    pdf.set_creation_date(datetime.fromtimestamp(generated_at_ms / 1000, tz=UTC))
    pdf.add_page()

    def line(text: str, *, size: float = 10, style: str = "", height: float = 6) -> None:
        pdf.set_font(_FONT, style, size)
        pdf.cell(0, height, _text(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def row(cells: list[tuple[str, float, str]], *, bold: bool = False, fill: bool = False) -> None:
        pdf.set_font(_FONT, "B" if bold else "", 9)
        for text, width, align in cells:
            pdf.cell(width, 6, _text(text), align=align, fill=fill)
        pdf.ln(6)

    title = "Z report" if z.final else "Shift so far (not closed)"
    line(f"SmartCart - {title}, shift {z.shift_id}", size=16, style="B", height=10)
    line(f"Opened {_utc(z.opened_at_ms)}    {'Closed' if z.final else 'Until'} {_utc(z.until_ms - 1)}")
    hours, minutes = divmod(z.steady_duration_ms // 60_000, 60)
    line(f"Length {hours} h {minutes:02d} min", size=9)
    if abs(z.clock_jump_ms) > 60_000:
        line(f"The clock was set by {z.clock_jump_ms / 60_000:+.0f} min during the shift: times are as the clock read.",
             size=9, style="I")
    pdf.ln(2)

    line("Money by method", size=11, style="B", height=8)
    pdf.set_fill_color(225, 229, 235)
    widths = (40, 22, 32, 22, 32, 32)
    row([(h, w, "L" if i == 0 else "R") for i, (h, w) in enumerate(zip(
        ("Method", "Payments", "Taken", "Refunds", "Refunded", "Net"), widths, strict=True))], bold=True, fill=True)
    for m in z.methods:
        row([(m.method, widths[0], "L"), (f"{m.payments}", widths[1], "R"), (money(m.taken_minor), widths[2], "R"),
             (f"{m.refunds}", widths[3], "R"), (money(m.refunded_minor), widths[4], "R"),
             (money(m.net_minor), widths[5], "R")])
    row([("All", widths[0], "L"), (f"{sum(m.payments for m in z.methods)}", widths[1], "R"),
         (money(z.taken_minor), widths[2], "R"), (f"{sum(m.refunds for m in z.methods)}", widths[3], "R"),
         (money(z.refunded_minor), widths[4], "R"), (money(z.net_minor), widths[5], "R")], bold=True)
    pdf.ln(3)

    line("Cash drawer", size=11, style="B", height=8)
    for label, value, bold in (
        ("Opening float", z.opening_float_minor, False),
        ("+ Cash taken", z.cash_taken_minor, False),
        ("- Cash refunded", z.cash_refunded_minor, False),
        ("= Expected in the drawer", z.expected_cash_minor, True),
        ("Counted", z.counted_cash_minor, True),
        ("Difference (counted - expected)", z.difference_minor, True),
    ):
        row([(label, 80, "L"), (money(value), 40, "R")], bold=bold)
    if z.note:
        line(f"Note: {z.note}", size=9, style="I")
    pdf.ln(3)

    line(f"Not settled at the close ({len(z.unsettled)})", size=11, style="B", height=8)
    if not z.unsettled:
        line("Nothing: every payment and refund is settled.", size=9)
    for u in z.unsettled:
        line(f"{u.kind}: session {u.session_id}  {money(u.amount_minor)}  - {u.detail}", size=8, height=5)
    pdf.ln(3)

    rec = z.reconciliation
    line("Reconciliation with the gateway's ledger", size=11, style="B", height=8)
    if not rec.checked:
        line(f"Not checked: {rec.detail}", size=9)
    else:
        verdict = "everything matches" if not rec.mismatches else f"{len(rec.mismatches)} mismatches"
        line(f"{_count(rec.matched_charges, 'charge')} and {_count(rec.matched_refunds, 'refund')} matched; "
             f"{verdict} ({rec.detail}).", size=9)
        for x in rec.mismatches:
            who = f"session {x.session_id}" if x.session_id else f"charge {x.charge_id}"
            line(f"{x.kind}: {who}  {money(x.amount_minor)}  - {x.detail}", size=8, height=5)

    pdf.set_y(-20)
    line(f"Generated {_utc(generated_at_ms)}", size=7)
    out = io.BytesIO()
    pdf.output(out)
    return out.getvalue()
