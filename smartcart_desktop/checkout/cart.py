"""The customer's basket: the catalog the backend sells and how many of each.

Prices here are for display; the backend prices the order itself from its catalog. Until the
backend has answered, the catalog is the window's kept copy (catalog_cache.py), so the cart
can be drawn and filled while the backend still starts.
"""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import QObject, Signal

from smartcart_contract.limits import QUANTITY_MAX
from smartcart_desktop.api.client import ApiClient
from smartcart_desktop.api.errors import ApiError
from smartcart_desktop.api.models import Product
from smartcart_desktop.checkout.catalog_cache import CatalogCache

log = logging.getLogger(__name__)


class Cart(QObject):
    catalog_loaded = Signal()  # the products changed (the backend's differ from the kept copy)
    changed = Signal()

    def __init__(self, api: ApiClient, cache: CatalogCache | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._api = api
        self._cache = cache
        self._products: list[Product] = cache.load() if cache is not None else []
        self._quantities: dict[str, int] = {}

    @property
    def products(self) -> list[Product]:
        return list(self._products)

    @property
    def currency(self) -> str:
        return self._products[0].currency if self._products else "INR"

    async def load_catalog(self, *, retry_s: float = 2.0) -> None:
        """Keep asking until the backend answers: a kiosk must start even while it is away.
        Its catalog replaces the kept copy only where they differ (no redraw otherwise)."""
        while True:
            try:
                products = (await self._api.products()).products
            except ApiError as exc:
                log.warning("catalog not available yet: %s", exc.message)
                await asyncio.sleep(retry_s)
                continue
            break
        if products == self._products:
            return
        self._products = products
        # A product the backend no longer sells cannot stay in the basket unseen.
        sold = {p.id for p in products}
        gone = [pid for pid in self._quantities if pid not in sold]
        for pid in gone:
            del self._quantities[pid]
        self.catalog_loaded.emit()
        if gone:
            self.changed.emit()
        if self._cache is not None:
            await asyncio.to_thread(self._cache.save, products)

    def quantity(self, product_id: str) -> int:
        return self._quantities.get(product_id, 0)

    def set_quantity(self, product_id: str, quantity: int) -> None:
        quantity = max(0, min(QUANTITY_MAX, quantity))
        if quantity == self.quantity(product_id):
            return
        if quantity:
            self._quantities[product_id] = quantity
        else:
            self._quantities.pop(product_id, None)
        self.changed.emit()

    def add(self, product_id: str, step: int = 1) -> None:
        self.set_quantity(product_id, self.quantity(product_id) + step)

    def clear(self) -> None:
        if self._quantities:
            self._quantities.clear()
            self.changed.emit()

    def lines(self) -> dict[str, int]:
        """product id → quantity, in catalog order."""
        return {p.id: self._quantities[p.id] for p in self._products if p.id in self._quantities}

    def total_minor(self) -> int:
        return sum(p.price_minor * self._quantities.get(p.id, 0) for p in self._products)
