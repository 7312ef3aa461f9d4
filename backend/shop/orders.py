"""Orders are priced from the catalog here, never from what the client claims."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from backend.clock import Clock
from backend.db.database import Database
from backend.errors import InvalidInput, NotFound
from backend.kiosks import DEFAULT_KIOSK_ID
from backend.payments.records import OrderItemRecord, OrderRecord
from backend.shop import repo as orders_repo
from backend.shop.catalog import Catalog
from smartcart_contract.limits import QUANTITY_MAX


class OrderService:
    def __init__(self, db: Database, catalog: Catalog, clock: Clock) -> None:
        self._db = db
        self._catalog = catalog
        self._clock = clock

    async def create(self, lines: Iterable[tuple[str, int]], *, kiosk_id: str = DEFAULT_KIOSK_ID) -> OrderRecord:
        """`lines`: (product id, quantity); a product named twice counts once, summed.
        `kiosk_id`: the kiosk taking the order (backend/kiosks/)."""
        quantities: Counter[str] = Counter()
        for product_id, quantity in lines:
            quantities[product_id] += quantity
        items = []
        for product_id, quantity in quantities.items():
            product = self._catalog.find(product_id)
            if product is None:
                raise NotFound(f"No product with id '{product_id}'.", code="product_not_found")
            if quantity > QUANTITY_MAX:
                raise InvalidInput(
                    f"At most {QUANTITY_MAX} of '{product_id}' per order.", code="quantity_too_large"
                )
            items.append(
                OrderItemRecord(
                    product_id=product.id,
                    name=product.name,
                    unit_price_minor=product.price_minor,
                    quantity=quantity,
                )
            )
        now = self._clock()
        currency = self._catalog.currency
        return await self._db.write(
            lambda conn: orders_repo.create(conn, items=items, currency=currency, now_ms=now, kiosk_id=kiosk_id)
        )

    async def get(self, order_id: int, *, kiosk_id: str | None = None) -> OrderRecord:
        """`kiosk_id`: as that kiosk sees it (another kiosk's order is not found); None: any."""
        return await self._db.read(lambda conn: orders_repo.get(conn, order_id, kiosk_id=kiosk_id))
