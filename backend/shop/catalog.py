"""The demo product catalog shipped in resources/catalog.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parents[2] / "resources"
DEFAULT_CATALOG = RESOURCES_DIR / "catalog.json"


@dataclass(frozen=True, slots=True)
class Product:
    id: str
    name: str
    price_minor: int
    currency: str
    image: str | None


@dataclass(frozen=True, slots=True)
class Catalog:
    currency: str
    products: tuple[Product, ...]

    def find(self, product_id: str) -> Product | None:
        return next((p for p in self.products if p.id == product_id), None)


def load_catalog(path: Path = DEFAULT_CATALOG) -> Catalog:
    raw = json.loads(path.read_text(encoding="utf-8"))
    currency = raw.get("currency", "INR")
    products = tuple(
        Product(
            id=p["id"],
            name=p["name"],
            price_minor=int(p["priceMinor"]),
            currency=p.get("currency", currency),
            image=p.get("image"),
        )
        for p in raw["products"]
    )
    return Catalog(currency=currency, products=products)
