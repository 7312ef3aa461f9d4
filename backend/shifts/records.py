"""A shift and its Z report as plain records (no ORM rows, no HTTP models)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ShiftRecord:
    id: int
    currency: str
    opening_float_minor: int
    opened_at_ms: int
    opened_steady_ms: int
    closed_at_ms: int | None
    closed_steady_ms: int | None
    counted_cash_minor: int | None
    note: str | None

    @property
    def is_open(self) -> bool:
        return self.closed_at_ms is None


@dataclass(frozen=True, slots=True)
class MethodLine:
    """One method's money in a shift: payments completed in it, refunds made in it."""

    method: str
    currency: str
    payments: int
    taken_minor: int
    refunds: int
    refunded_minor: int

    @property
    def net_minor(self) -> int:
        return self.taken_minor - self.refunded_minor


@dataclass(frozen=True, slots=True)
class Unsettled:
    """Money not settled at the close: accepted offline, an unknown outcome, a refund pending."""

    kind: str
    session_id: str
    status: str
    amount_minor: int
    detail: str


@dataclass(frozen=True, slots=True)
class Mismatch:
    kind: str
    detail: str
    session_id: str | None = None
    charge_id: str | None = None
    amount_minor: int | None = None


@dataclass(frozen=True, slots=True)
class Reconciliation:
    # False: the gateway's ledger could not be read (or the report is a running one).
    checked: bool
    detail: str
    matched_charges: int = 0
    matched_refunds: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ZReport:
    shift_id: int
    currency: str
    opened_at_ms: int
    # The period the payments are counted over (wall time), and the shift's true length.
    until_ms: int
    steady_duration_ms: int
    # Wall time that passed minus steady time that passed: a clock set during the shift.
    clock_jump_ms: int
    final: bool
    opening_float_minor: int
    methods: list[MethodLine]
    cash_taken_minor: int
    cash_refunded_minor: int
    expected_cash_minor: int
    counted_cash_minor: int | None
    difference_minor: int | None
    note: str | None
    unsettled: list[Unsettled]
    reconciliation: Reconciliation

    @property
    def taken_minor(self) -> int:
        return sum(m.taken_minor for m in self.methods)

    @property
    def refunded_minor(self) -> int:
        return sum(m.refunded_minor for m in self.methods)

    @property
    def net_minor(self) -> int:
        return self.taken_minor - self.refunded_minor
