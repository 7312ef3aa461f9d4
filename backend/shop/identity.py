"""Who the shop is, as its receipts name it: name, address, GSTIN, time zone, tax rates and the
invoice series. Read with the rest of the settings (backend/settings.py inherits this class), so a
bad value stops the backend at start-up with a message saying which setting and why.

Tax rates are GST rates in percent. Catalog prices are what the customer pays (GST included, as
shelf prices in India are); a rate only splits each line into its taxable value and CGST/SGST
(backend/receipts/tax.py), it never changes the amount charged.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# GSTIN: 2-digit state code, the holder's PAN (5 letters, 4 digits, 1 letter), the registration's
# number for that PAN (1-9, A-Z), "Z", and a check character (mod 36, below).
_GSTIN = re.compile(r"[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]")
_GSTIN_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
INVOICE_PREFIX_MAX = 4  # "PREF/2627/000123": 16 characters, GST Rule 46's limit

Rate = Annotated[Decimal, Field(ge=0, le=40, decimal_places=2)]


def gstin_check_character(first14: str) -> str:
    """The 15th character of a GSTIN: a Luhn-like sum mod 36 over the first 14."""
    total = 0
    for index, char in enumerate(first14):
        product = _GSTIN_ALPHABET.index(char) * (2 if index % 2 else 1)
        total += product // 36 + product % 36
    return _GSTIN_ALPHABET[(36 - total % 36) % 36]


def check_gstin(value: str) -> str:
    gstin = value.strip().upper()
    if len(gstin) != 15:
        raise ValueError(f"a GSTIN has 15 characters, not {len(gstin)}")
    if not _GSTIN.fullmatch(gstin):
        raise ValueError(
            "not a GSTIN: 2-digit state code, 10-character PAN (AAAAA9999A), entity number, 'Z', check character"
        )
    if not 1 <= int(gstin[:2]) <= 38 and gstin[:2] not in ("97", "99"):
        raise ValueError(f"not a GSTIN: {gstin[:2]} is no state code")
    if gstin[14] != gstin_check_character(gstin[:14]):
        raise ValueError("not a GSTIN: its check character does not match (a character mistyped?)")
    return gstin


def _rates(value: Any) -> Any:
    """`masala-chai=5, veg-sandwich=12` as {product id: rate}."""
    if not isinstance(value, str):
        return value
    rates: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        product, sep, rate = part.partition("=")
        if not sep or not product.strip():
            raise ValueError(f"{part!r}: write product-id=rate, e.g. masala-chai=5")
        rates[product.strip()] = rate.strip()
    return rates


class ShopSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SMARTCART_", extra="ignore")

    shop_name: str = Field("SmartCart Demo Store", min_length=1, max_length=80)
    shop_address: str = Field(
        "12 MG Road, Bengaluru 560001", max_length=300, description="lines separated by '|' or new lines"
    )
    shop_gstin: str | None = Field(None, description="15-character GSTIN; unset: receipts are not tax invoices")
    shop_time_zone: str = Field("Asia/Kolkata", description="receipt times and the financial year (1 April)")
    invoice_prefix: str = Field("SC", description=f"1-{INVOICE_PREFIX_MAX} capitals or digits: SC/2627/000123")
    tax_rate_percent: Rate | None = Field(None, description="one GST rate for every item, e.g. 5")
    tax_rates: Annotated[dict[str, Rate], NoDecode] = Field(
        default_factory=dict, description="GST rate per product id (overrides the one rate): chai=5, sandwich=12"
    )

    @field_validator("shop_gstin")
    @classmethod
    def _gstin(cls, value: str | None) -> str | None:
        return check_gstin(value) if value else None

    @field_validator("shop_time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"no time zone called {value!r} (e.g. Asia/Kolkata)") from None
        return value

    @field_validator("invoice_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not re.fullmatch(f"[A-Z0-9]{{1,{INVOICE_PREFIX_MAX}}}", value):
            raise ValueError(f"1 to {INVOICE_PREFIX_MAX} capital letters or digits, so that a number fits 16 characters")
        return value

    @field_validator("tax_rates", mode="before")
    @classmethod
    def _per_item(cls, value: Any) -> Any:
        return _rates(value)

    def address_lines(self) -> list[str]:
        return [line.strip() for line in re.split(r"[|\n]", self.shop_address) if line.strip()]

    def tax_rate_of(self, product_id: str) -> Decimal | None:
        return self.tax_rates.get(product_id, self.tax_rate_percent)
