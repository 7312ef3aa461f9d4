"""Amounts are integer minor units everywhere; this is the only place they become text.

Floats never touch money: parsing goes through Decimal and formatting through divmod.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

_SYMBOLS = {"INR": "₹", "USD": "$", "EUR": "€", "GBP": "£"}


def format_money(amount_minor: int, currency: str = "INR") -> str:
    """₹1,234.50 from 123450. Indian digit grouping is deliberately not used: the seed's
    receipts group by thousands."""
    sign = "-" if amount_minor < 0 else ""
    major, minor = divmod(abs(amount_minor), 100)
    symbol = _SYMBOLS.get(currency, f"{currency} ")
    return f"{sign}{symbol}{major:,}.{minor:02d}"


def parse_money(text: str) -> int | None:
    """Minor units from what an operator types ("500", "1,234.5", "₹ 20.00"); None if unreadable."""
    cleaned = text.strip().replace(",", "")
    for symbol in _SYMBOLS.values():
        cleaned = cleaned.replace(symbol, "")
    cleaned = cleaned.strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value.as_tuple().exponent < -2:  # type: ignore[operator]
        return None
    return int(value * 100)
