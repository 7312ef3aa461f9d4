"""The test sources the simulator knows and the verdict it gives each.

Cards:
    4242424242424242  approves
    4000000000000002  declines, `card_declined`
    4000000000009995  declines, `insufficient_funds`
    4000000000000606  approves after the slow delay (`SLOW_CARD`; Luhn-valid)
    any other number  approves
UPI: an id ending in `@fail` declines with `upi_declined`; any other id approves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .schemas import CardSource, UpiSource

APPROVE_CARD = "4242424242424242"
DECLINE_CARD = "4000000000000002"
INSUFFICIENT_FUNDS_CARD = "4000000000009995"
SLOW_CARD = "4000000000000606"
FAILING_UPI_SUFFIX = "@fail"

_CARD_DECLINES = {DECLINE_CARD: "card_declined", INSUFFICIENT_FUNDS_CARD: "insufficient_funds"}


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Literal["succeeded", "declined"]
    decline_code: str | None = None
    slow: bool = False


def judge(source: CardSource | UpiSource) -> Verdict:
    if isinstance(source, UpiSource):
        if source.upi_id.endswith(FAILING_UPI_SUFFIX):
            return Verdict("declined", "upi_declined")
        return Verdict("succeeded")
    if source.number in _CARD_DECLINES:
        return Verdict("declined", _CARD_DECLINES[source.number])
    return Verdict("succeeded", slow=source.number == SLOW_CARD)


def card_brand(number: str) -> str:
    """Best-effort brand from the leading digits (RuPay shares some ranges with Discover)."""
    if number.startswith("4"):
        return "visa"
    if 51 <= int(number[:2]) <= 55 or 2221 <= int(number[:4]) <= 2720:
        return "mastercard"
    if number[:2] in ("34", "37"):
        return "amex"
    if number[:2] in ("60", "65", "81", "82"):
        return "rupay"
    return "card"
