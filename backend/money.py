"""Amounts in integer minor units, written as decimal currency ("80.00") for people."""

from __future__ import annotations

# ISO 4217 currencies whose minor unit is not 1/100; every other currency has two decimals.
_DECIMALS = {
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND",
         "VUV", "XAF", "XOF", "XPF"),
        0,
    ),
}


def decimals(currency: str) -> int:
    return _DECIMALS.get(currency.upper(), 2)


def _split(minor: int, currency: str) -> tuple[str, int, str]:
    places = decimals(currency)
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**places)
    return sign, whole, f"{fraction:0{places}d}" if places else ""


def decimal_amount(minor: int, currency: str) -> str:
    """8000 INR -> "80.00": exact (no float), no grouping; for files that machines read."""
    sign, whole, fraction = _split(minor, currency)
    return f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}"


def display_amount(minor: int, currency: str) -> str:
    """1234500 INR -> "INR 12,345.00": for the printed report."""
    sign, whole, fraction = _split(minor, currency)
    number = f"{whole:,}.{fraction}" if fraction else f"{whole:,}"
    return f"{currency} {sign}{number}"
