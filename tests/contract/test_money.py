from __future__ import annotations

import pytest

from smartcart_desktop.ui.money import format_money, parse_money


@pytest.mark.parametrize(
    ("minor", "text"),
    [(123450, "₹1,234.50"), (5, "₹0.05"), (0, "₹0.00"), (100_000_000, "₹1,000,000.00"), (-250, "-₹2.50")],
)
def test_format_money(minor: int, text: str) -> None:
    assert format_money(minor) == text


def test_other_currencies_keep_their_symbol() -> None:
    assert format_money(999, "USD") == "$9.99"
    assert format_money(999, "JPY") == "JPY 9.99"


@pytest.mark.parametrize(
    ("text", "minor"),
    [("500", 50000), ("1,234.5", 123450), ("₹ 20.05", 2005), ("0.10", 10), ("", None),
     ("abc", None), ("1.005", None), ("-3", None), ("NaN", None)],
)
def test_parse_money(text: str, minor: int | None) -> None:
    assert parse_money(text) == minor
