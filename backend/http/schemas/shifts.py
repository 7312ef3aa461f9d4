"""Shift bodies: open, close, and the Z report as read."""

from __future__ import annotations

import dataclasses
from typing import Literal

from pydantic import Field

from backend.clock import iso
from backend.http.schemas.common import RequestModel, ResponseModel
from backend.http.schemas.fields import JsonInt
from backend.shifts.records import ShiftRecord, ZReport

_MAX_MINOR = 2**53 - 1


class OpenShiftIn(RequestModel):
    opening_float_minor: JsonInt = Field(ge=0, le=_MAX_MINOR, description="cash in the drawer at the opening")


class CloseShiftIn(RequestModel):
    counted_cash_minor: JsonInt = Field(ge=0, le=_MAX_MINOR, description="cash counted in the drawer")
    note: str | None = Field(None, max_length=500)


class ReportQuery(RequestModel):
    format: Literal["json", "csv", "pdf"] = "json"


class MethodLineOut(ResponseModel):
    method: str
    currency: str
    payments: int
    taken_minor: int
    refunds: int
    refunded_minor: int
    net_minor: int


class UnsettledOut(ResponseModel):
    kind: str = Field(description="offline, unsettled, open or refund_pending")
    session_id: str
    status: str
    amount_minor: int
    detail: str


class MismatchOut(ResponseModel):
    kind: str
    detail: str
    session_id: str | None
    charge_id: str | None
    amount_minor: int | None


class ReconciliationOut(ResponseModel):
    checked: bool
    detail: str
    matched_charges: int
    matched_refunds: int
    mismatches: list[MismatchOut]


class ZReportOut(ResponseModel):
    shift_id: int
    final: bool = Field(description="false: the shift is still open and these are its figures so far")
    currency: str
    opened_at: str
    until: str
    steady_duration_ms: int
    clock_jump_ms: int
    opening_float_minor: int
    methods: list[MethodLineOut]
    taken_minor: int
    refunded_minor: int
    net_minor: int
    cash_taken_minor: int
    cash_refunded_minor: int
    expected_cash_minor: int
    counted_cash_minor: int | None
    difference_minor: int | None
    note: str | None
    unsettled: list[UnsettledOut]
    reconciliation: ReconciliationOut

    @classmethod
    def of(cls, z: ZReport) -> ZReportOut:
        fields = dataclasses.asdict(z)
        return cls.model_validate({
            **fields,
            "opened_at": iso(z.opened_at_ms),
            "until": iso(z.until_ms - 1),
            "methods": [{**dataclasses.asdict(m), "net_minor": m.net_minor} for m in z.methods],
            "taken_minor": z.taken_minor,
            "refunded_minor": z.refunded_minor,
            "net_minor": z.net_minor,
        })


class ShiftOut(ResponseModel):
    shift_id: int
    status: Literal["open", "closed"]
    currency: str
    opening_float_minor: int
    opened_at: str
    closed_at: str | None
    counted_cash_minor: int | None
    note: str | None
    report: ZReportOut | None = None

    @classmethod
    def of(cls, shift: ShiftRecord, z: ZReport | None = None) -> ShiftOut:
        return cls(
            shift_id=shift.id,
            status="open" if shift.is_open else "closed",
            currency=shift.currency,
            opening_float_minor=shift.opening_float_minor,
            opened_at=iso(shift.opened_at_ms) or "",
            closed_at=iso(shift.closed_at_ms),
            counted_cash_minor=shift.counted_cash_minor,
            note=shift.note,
            report=None if z is None else ZReportOut.of(z),
        )
