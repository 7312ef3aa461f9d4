"""Order rows; runs inside Database jobs like every data-layer module."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, insert, select

from backend.db.tables import Order, OrderItem
from backend.errors import NotFound
from backend.kiosks import DEFAULT_KIOSK_ID
from backend.payments.records import OrderItemRecord, OrderRecord
from smartcart_contract.states import OrderStatus


def create(
    conn: Connection,
    *,
    items: Sequence[OrderItemRecord],
    currency: str,
    now_ms: int,
    kiosk_id: str = DEFAULT_KIOSK_ID,
) -> OrderRecord:
    total = sum(item.line_total_minor for item in items)
    key = conn.execute(
        insert(Order).values(
            status=OrderStatus.PENDING,
            currency=currency,
            total_minor=total,
            created_at_ms=now_ms,
            kiosk_id=kiosk_id,
        )
    ).inserted_primary_key
    assert key is not None
    order_id = key[0]
    conn.execute(
        insert(OrderItem),
        [
            {
                "order_id": order_id,
                "product_id": item.product_id,
                "name": item.name,
                "unit_price_minor": item.unit_price_minor,
                "quantity": item.quantity,
            }
            for item in items
        ],
    )
    return OrderRecord(
        id=order_id,
        status=OrderStatus.PENDING,
        currency=currency,
        total_minor=total,
        created_at_ms=now_ms,
        paid_at_ms=None,
        items=tuple(items),
        kiosk_id=kiosk_id,
    )


def get(conn: Connection, order_id: int, *, kiosk_id: str | None = None) -> OrderRecord:
    """`kiosk_id`: only that kiosk's order (another kiosk's is not found); None: any."""
    order = conn.execute(select(Order).where(Order.id == order_id)).first()
    if order is None or (kiosk_id is not None and order.kiosk_id != kiosk_id):
        raise NotFound("No order with this id.", code="order_not_found")
    items = conn.execute(
        select(OrderItem).where(OrderItem.order_id == order_id).order_by(OrderItem.id)
    )
    return OrderRecord(
        id=order.id,
        status=OrderStatus(order.status),
        currency=order.currency,
        total_minor=order.total_minor,
        created_at_ms=order.created_at_ms,
        paid_at_ms=order.paid_at_ms,
        items=tuple(
            OrderItemRecord(
                product_id=i.product_id,
                name=i.name,
                unit_price_minor=i.unit_price_minor,
                quantity=i.quantity,
            )
            for i in items
        ),
        kiosk_id=order.kiosk_id,
    )
