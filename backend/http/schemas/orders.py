"""Catalog and order bodies."""

from __future__ import annotations

from pydantic import (
    Field,
)

from backend.clock import iso
from backend.http.schemas.common import RequestModel, ResponseModel
from backend.http.schemas.fields import JsonInt
from backend.payments.records import OrderRecord
from smartcart_contract import limits
from smartcart_contract.states import OrderStatus


class ProductOut(ResponseModel):
    id: str
    name: str
    price_minor: int
    currency: str
    image: str | None = None


class ProductsOut(ResponseModel):
    products: list[ProductOut]


class OrderItemIn(RequestModel):
    product_id: str = Field(min_length=1, max_length=limits.PRODUCT_ID_MAX)
    quantity: JsonInt = Field(ge=limits.QUANTITY_MIN, le=limits.QUANTITY_MAX)


class CreateOrderIn(RequestModel):
    items: list[OrderItemIn] = Field(min_length=1, max_length=limits.ORDER_LINES_MAX)


class OrderItemOut(ResponseModel):
    product_id: str
    name: str
    unit_price_minor: int
    quantity: int
    line_total_minor: int


class OrderOut(ResponseModel):
    order_id: int
    status: OrderStatus
    total_minor: int
    currency: str
    items: list[OrderItemOut]
    created_at: str
    paid_at: str | None = None
    kiosk_id: str = Field(description="the kiosk that took the order")

    @classmethod
    def of(cls, order: OrderRecord) -> OrderOut:
        return cls(
            order_id=order.id,
            kiosk_id=order.kiosk_id,
            status=order.status,
            total_minor=order.total_minor,
            currency=order.currency,
            created_at=iso(order.created_at_ms) or "",
            paid_at=iso(order.paid_at_ms),
            items=[
                OrderItemOut(
                    product_id=i.product_id,
                    name=i.name,
                    unit_price_minor=i.unit_price_minor,
                    quantity=i.quantity,
                    line_total_minor=i.line_total_minor,
                )
                for i in order.items
            ],
        )
