"""Amounts are integer minor units everywhere; this is the only place they become text and back.

Floats never touch money: parsing goes through Decimal and formatting through divmod. Digit
grouping is by thousands (the seed's receipts), not the Indian lakh grouping.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

# ISO 4217 currencies whose minor unit is not 1/100; every other currency has two decimals.
_DECIMALS = {
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND",
         "VUV", "XAF", "XOF", "XPF"),
        0,
    ),
}
_SYMBOLS = {"INR": "₹", "USD": "$", "EUR": "€", "GBP": "£"}


def decimals(currency: str) -> int:
    return _DECIMALS.get(currency.upper(), 2)


def _split(minor: int, currency: str) -> tuple[str, int, str]:
    places = decimals(currency)
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**places)
    return sign, whole, f"{fraction:0{places}d}" if places else ""


def decimal_amount(minor: int, currency: str) -> str:
    """8000 INR -> "80.00": exact, no grouping; for files that machines read."""
    sign, whole, fraction = _split(minor, currency)
    return f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}"


def format_money(minor: int, currency: str = "INR", *, symbol: bool = True) -> str:
    """123450 INR -> "₹1,234.50" for the screen; with `symbol=False` "INR 1,234.50", for
    documents whose fonts may lack the symbol (the PDF report). Currencies without a symbol
    here are always written with their code."""
    sign, whole, fraction = _split(minor, currency)
    number = f"{whole:,}.{fraction}" if fraction else f"{whole:,}"
    mark = _SYMBOLS.get(currency) if symbol else None
    return f"{sign}{mark}{number}" if mark else f"{currency} {sign}{number}"


def parse_money(text: str, currency: str = "INR") -> int | None:
    """Minor units from what an operator types ("500", "1,234.5", "₹ 20.00"); None if unreadable."""
    cleaned = text.strip().replace(",", "")
    for mark in (*_SYMBOLS.values(), currency):
        cleaned = cleaned.replace(mark, "")
    cleaned = cleaned.strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    places = decimals(currency)
    exponent = value.as_tuple().exponent
    if not value.is_finite() or value < 0 or not isinstance(exponent, int) or exponent < -places:
        return None
    return int(value.scaleb(places))
