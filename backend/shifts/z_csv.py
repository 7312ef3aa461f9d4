"""The Z report as CSV: one table of (section, item, value) rows, amounts as decimal strings,
so a spreadsheet reads every figure without knowing the report's shape."""

from __future__ import annotations

import csv
import io

from backend.clock import iso
from backend.shifts.records import ZReport
from smartcart_contract.money import decimal_amount


def z_csv(z: ZReport) -> bytes:
    def money(minor: int | None) -> str:
        return "" if minor is None else decimal_amount(minor, z.currency)

    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\r\n")
    out.writerow(["section", "item", "currency", "count", "amount", "refundCount", "refunded", "net"])
    out.writerow(["shift", "id", z.currency, z.shift_id, "", "", "", ""])
    out.writerow(["shift", "openedAt", "", iso(z.opened_at_ms), "", "", "", ""])
    out.writerow(["shift", "until", "", iso(z.until_ms - 1), "", "", "", ""])
    for m in z.methods:
        out.writerow(["method", m.method, m.currency, m.payments, decimal_amount(m.taken_minor, m.currency),
                      m.refunds, decimal_amount(m.refunded_minor, m.currency), decimal_amount(m.net_minor, m.currency)])
    out.writerow(["total", "all methods", z.currency, sum(m.payments for m in z.methods), money(z.taken_minor),
                  sum(m.refunds for m in z.methods), money(z.refunded_minor), money(z.net_minor)])
    for item, value in (
        ("openingFloat", z.opening_float_minor),
        ("cashTaken", z.cash_taken_minor),
        ("cashRefunded", z.cash_refunded_minor),
        ("expected", z.expected_cash_minor),
        ("counted", z.counted_cash_minor),
        ("difference", z.difference_minor),
    ):
        out.writerow(["drawer", item, z.currency, "", money(value), "", "", ""])
    for u in z.unsettled:
        out.writerow(["unsettled", u.kind, z.currency, u.session_id, money(u.amount_minor), "", "", u.detail])
    out.writerow(["reconciliation", "checked" if z.reconciliation.checked else "not checked", "",
                  len(z.reconciliation.mismatches), "", "", "", z.reconciliation.detail])
    for x in z.reconciliation.mismatches:
        out.writerow(["mismatch", x.kind, z.currency, x.session_id or x.charge_id or "", money(x.amount_minor),
                      "", "", x.detail])
    return buffer.getvalue().encode("utf-8")
