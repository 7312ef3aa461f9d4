"""Catalog and orders."""

from __future__ import annotations

from aiohttp import web

from backend.app_keys import CATALOG, ORDERS
from backend.http.access import Role, acting_kiosk, kiosk_scope
from backend.http.endpoint import endpoint, int_param, json_response
from backend.http.schemas.orders import CreateOrderIn, OrderOut, ProductOut, ProductsOut

routes = web.RouteTableDef()


@routes.get("/api/products")
@endpoint(role=Role.KIOSK, summary="The product catalog", responses={200: ProductsOut})
async def list_products(request: web.Request) -> web.Response:
    catalog = request.app[CATALOG]
    return json_response(
        ProductsOut(
            products=[
                ProductOut(
                    id=p.id, name=p.name, price_minor=p.price_minor, currency=p.currency, image=p.image
                )
                for p in catalog.products
            ]
        )
    )


@routes.post("/api/orders")
@endpoint(
    role=Role.KIOSK,
    summary="Create an order priced from the catalog",
    body=CreateOrderIn,
    responses={201: OrderOut},
    errors=(404,),
)
async def create_order(request: web.Request, body: CreateOrderIn) -> web.Response:
    order = await request.app[ORDERS].create(
        ((i.product_id, i.quantity) for i in body.items), kiosk_id=acting_kiosk(request)
    )
    return json_response(OrderOut.of(order), status=201)


@routes.get("/api/orders/{order_id}")
@endpoint(role=Role.KIOSK, summary="An order", responses={200: OrderOut}, errors=(404,))
async def get_order(request: web.Request) -> web.Response:
    order = await request.app[ORDERS].get(int_param(request, "order_id", "order"), kiosk_id=kiosk_scope(request))
    return json_response(OrderOut.of(order))
