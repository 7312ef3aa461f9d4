"""GST on a receipt line, and the one rounding rule for it.

Prices include GST (what the shelf says is what is paid), so a line's total is split, never
added to: CGST and SGST are each half the rate, each `line × (rate/2) / (100 + rate)` rounded
half-up to the paisa, and the taxable value is what is left. The three parts add up to the
line's total exactly, and CGST always equals SGST.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True, slots=True)
class TaxSplit:
    rate_percent: Decimal
    taxable_minor: int
    cgst_minor: int
    sgst_minor: int


def to_minor(amount: Decimal) -> int:
    """The rounding rule: half-up to a whole minor unit (paisa)."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def split_inclusive(line_total_minor: int, rate_percent: Decimal) -> TaxSplit:
    half = to_minor(Decimal(line_total_minor) * (rate_percent / 2) / (100 + rate_percent))
    return TaxSplit(
        rate_percent=rate_percent,
        taxable_minor=line_total_minor - 2 * half,
        cgst_minor=half,
        sgst_minor=half,
    )
