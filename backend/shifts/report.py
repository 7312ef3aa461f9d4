"""The Z report of a shift: money by method, the drawer's expected and counted cash, what is not
settled, and a reconciliation against the gateway's own ledger.

The money is money_taken.py's, counted as a shift counts it: payments completed during the
shift's period (wall time from its opening), refunds made while it was open (each refund made
here names its shift, so no clock setting moves one into another shift). A refund that names no
shift is counted by the period, like a payment: on the fleet server that is every kiosk's refund
(the kiosk's shift is not the server's, backend/sync/apply.py), so the server's report covers the
fleet. Expected cash is the float plus the cash taken less the cash refunded.

The reconciliation goes both ways over the period: every card or UPI payment completed in it has
its charge standing at the gateway for the same amount, and every charge the gateway took in it
belongs to a COMPLETED session; every refund of the shift is at the gateway, and every refund the
gateway made in the period is recorded here. Whatever does not match is listed.
"""

from __future__ import annotations

import json

from pydantic import TypeAdapter
from sqlalchemy import Connection

from backend.db import shifts as rows
from backend.gateway.client import LedgerCharge, Refund
from backend.shifts.records import MethodLine, Mismatch, Reconciliation, ShiftRecord, ZReport
from smartcart_contract.states import Status

_REPORT = TypeAdapter(ZReport)
_STANDING = ("succeeded", "refunded")


def to_json(report: ZReport) -> str:
    return _REPORT.dump_json(report).decode()


def from_json(text: str) -> ZReport:
    return _REPORT.validate_python(json.loads(text))


def until_of(shift: ShiftRecord, wall_ms: int, steady_ms: int) -> int:
    """The first instant after the shift's period (the close's own millisecond is in it). The wall
    clock set back during the shift would end it before it began: then its steady length, counted
    from the opening, bounds it instead."""
    if wall_ms >= shift.opened_at_ms:
        return wall_ms + 1
    return shift.opened_at_ms + (steady_ms - shift.opened_steady_ms) + 1


def methods(conn: Connection, shift: ShiftRecord, until_ms: int) -> list[MethodLine]:
    paid = {(g.method, g.currency): g for g in rows.payments_by_method(conn, shift.opened_at_ms, until_ms)}
    back = {(g.method, g.currency): g for g in rows.refunds_by_method(conn, shift, until_ms)}
    lines = []
    for key in sorted(paid.keys() | back.keys()):
        p, b = paid.get(key), back.get(key)
        lines.append(MethodLine(
            method=key[0], currency=key[1],
            payments=p.count if p else 0, taken_minor=p.amount_minor if p else 0,
            refunds=b.count if b else 0, refunded_minor=b.amount_minor if b else 0,
        ))
    return lines


def figures(
    conn: Connection,
    shift: ShiftRecord,
    *,
    wall_ms: int,
    steady_ms: int,
    counted_minor: int | None,
    note: str | None,
    reconciliation: Reconciliation,
    final: bool,
) -> ZReport:
    until_ms = until_of(shift, wall_ms, steady_ms)
    lines = methods(conn, shift, until_ms)
    cash = [m for m in lines if m.method == "cash" and m.currency == shift.currency]
    cash_taken = sum(m.taken_minor for m in cash)
    cash_refunded = sum(m.refunded_minor for m in cash)
    expected = shift.opening_float_minor + cash_taken - cash_refunded
    steady_duration = steady_ms - shift.opened_steady_ms
    return ZReport(
        shift_id=shift.id,
        currency=shift.currency,
        opened_at_ms=shift.opened_at_ms,
        until_ms=until_ms,
        steady_duration_ms=steady_duration,
        clock_jump_ms=(wall_ms - shift.opened_at_ms) - steady_duration,
        final=final,
        opening_float_minor=shift.opening_float_minor,
        methods=lines,
        cash_taken_minor=cash_taken,
        cash_refunded_minor=cash_refunded,
        expected_cash_minor=expected,
        counted_cash_minor=counted_minor,
        difference_minor=None if counted_minor is None else counted_minor - expected,
        note=note,
        unsettled=rows.unsettled(conn, shift.opened_at_ms),
        reconciliation=reconciliation,
    )


def reconcile(
    conn: Connection, shift: ShiftRecord, until_ms: int, charges: list[LedgerCharge], refunds: list[Refund]
) -> Reconciliation:
    by_id = {c.id: c for c in charges}
    mismatches: list[Mismatch] = []
    matched = 0
    for payment in rows.completed_payments(conn, shift.opened_at_ms, until_ms):
        charge = by_id.get(payment.gateway_charge_id or "")
        if charge is None:
            mismatches.append(Mismatch("payment_without_charge", "completed here, no such charge at the gateway",
                                       payment.session_id, payment.gateway_charge_id, payment.amount_minor))
        elif charge.status not in _STANDING:
            mismatches.append(Mismatch("charge_not_standing", f"the gateway's charge is {charge.status}",
                                       payment.session_id, charge.id, payment.amount_minor))
        elif charge.amount_minor != payment.amount_minor:
            mismatches.append(Mismatch("amount_differs", f"the gateway charged {charge.amount_minor}",
                                       payment.session_id, charge.id, payment.amount_minor))
        else:
            matched += 1
    in_period = [c for c in charges if c.status in _STANDING and shift.opened_at_ms <= c.created_at_ms < until_ms]
    sessions = rows.sessions_of_charges(conn, [c.id for c in in_period])
    for charge in in_period:
        session = sessions.get(charge.id)
        if session is None or session[1] != Status.COMPLETED:
            what = "no session recorded it" if session is None else f"its session is {session[1]}"
            mismatches.append(Mismatch("charge_without_completed_session", f"the gateway took it; {what}",
                                       session[0] if session else None, charge.id, charge.amount_minor))
    gateway_refunds = {r.id for r in refunds}
    matched_refunds = 0
    for refund in rows.shift_refunds(conn, shift, until_ms):
        if refund.gateway_refund_id in gateway_refunds:
            matched_refunds += 1
        else:
            mismatches.append(Mismatch("refund_not_at_gateway", f"refund {refund.refund_id} is not in the gateway's ledger",
                                       refund.session_id, refund.gateway_refund_id, refund.amount_minor))
    made = [r for r in refunds if shift.opened_at_ms <= r.created_at_ms < until_ms]
    recorded = rows.refunds_by_gateway_key(conn, [r.idempotency_key for r in made if r.idempotency_key])
    for gone in made:
        if gone.idempotency_key not in recorded:
            mismatches.append(Mismatch("gateway_refund_unrecorded", "the gateway refunded it; no refund here says so",
                                       None, gone.charge_id, gone.amount_minor))
    return Reconciliation(
        checked=True,
        detail=f"the gateway's ledger holds {len(charges)} charge(s) and {len(refunds)} refund(s)",
        matched_charges=matched,
        matched_refunds=matched_refunds,
        mismatches=mismatches,
    )


def unchecked(detail: str) -> Reconciliation:
    return Reconciliation(checked=False, detail=detail)

