"""What a valid card or UPI id looks like. The API validates with these; the window asks the
API (POST /api/payments/validate) so both always apply the same rules.

Messages never repeat the value they judge: a card number must not reach a log or an error.
"""

from __future__ import annotations

import re
from datetime import date

# Also published in the OpenAPI document, so they stay in the JSON Schema regex dialect.
UPI_PATTERN = r"^[A-Za-z0-9._-]{2,64}@[A-Za-z][A-Za-z0-9]{1,31}$"
EXPIRY_PATTERN = r"^(0[1-9]|1[0-2])/([0-9]{2})$"
CARD_NUMBER_PATTERN = r"^[0-9][0-9 -]{14,21}[0-9]$"
_UPI = re.compile(UPI_PATTERN)
_EXPIRY = re.compile(EXPIRY_PATTERN)


def normalise_card_number(number: str) -> str:
    return re.sub(r"[\s-]", "", number)


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_number_problem(number: str) -> str | None:
    digits = normalise_card_number(number)
    if not digits.isdigit() or len(digits) != 16:
        return "Card number must be 16 digits."
    if not luhn_ok(digits):
        return "Card number is not valid (check the digits)."
    return None


def expiry_problem(expiry: str, today: date | None = None) -> str | None:
    match = _EXPIRY.match(expiry)
    if not match:
        return "Expiry must be MM/YY."
    today = today or date.today()
    month, year = int(match.group(1)), 2000 + int(match.group(2))
    if (year, month) < (today.year, today.month):
        return "Card has expired."
    return None


def cvv_problem(cvv: str) -> str | None:
    return None if re.fullmatch(r"\d{3}", cvv) else "CVV must be 3 digits."


def upi_problem(upi_id: str) -> str | None:
    return None if _UPI.match(upi_id) else "UPI id must look like name@bank."


def card_brand(number: str) -> str:
    digits = normalise_card_number(number)
    if digits.startswith("4"):
        return "visa"
    if digits[:2] in {"51", "52", "53", "54", "55"} or 2221 <= int(digits[:4] or 0) <= 2720:
        return "mastercard"
    if digits[:2] in {"34", "37"}:
        return "amex"
    if digits[:2] in {"60", "65", "81", "82"}:
        return "rupay"
    return "card"
