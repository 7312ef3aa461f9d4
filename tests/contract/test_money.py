from __future__ import annotations

import pytest

from smartcart_contract.money import format_money, parse_money


@pytest.mark.parametrize(
    ("minor", "text"),
    [(123450, "₹1,234.50"), (5, "₹0.05"), (0, "₹0.00"), (100_000_000, "₹1,000,000.00"), (-250, "-₹2.50")],
)
def test_format_money(minor: int, text: str) -> None:
    assert format_money(minor) == text


def test_other_currencies_keep_their_symbol_and_their_decimals() -> None:
    assert format_money(999, "USD") == "$9.99"
    assert format_money(999, "JPY") == "JPY 999"
    assert format_money(1234, "KWD") == "KWD 1.234"


def test_documents_write_the_currency_code() -> None:
    assert format_money(1234500, "INR", symbol=False) == "INR 12,345.00"
    assert format_money(-250, "INR", symbol=False) == "INR -2.50"


def test_parse_money_follows_the_currency() -> None:
    assert parse_money("999", "JPY") == 999
    assert parse_money("9.5", "JPY") is None


@pytest.mark.parametrize(
    ("text", "minor"),
    [("500", 50000), ("1,234.5", 123450), ("₹ 20.05", 2005), ("0.10", 10), ("", None),
     ("abc", None), ("1.005", None), ("-3", None), ("NaN", None)],
)
def test_parse_money(text: str, minor: int | None) -> None:
    assert parse_money(text) == minor
