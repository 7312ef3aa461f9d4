"""The receipt of a paid session: JSON for the window, or a PDF copy."""

from __future__ import annotations

import asyncio

from aiohttp import web

from backend.app_keys import DATABASE, SETTINGS
from backend.http.access import Role, kiosk_scope
from backend.http.endpoint import endpoint, json_response, session_id_param
from backend.http.schemas.receipts import ReceiptOut, ReceiptQuery
from backend.receipts.document import read_receipt
from backend.receipts.pdf import receipt_pdf

routes = web.RouteTableDef()


@routes.get("/api/payments/session/{session_id:[0-9a-f]{32}}/receipt")
@endpoint(
    role=Role.KIOSK,
    summary="The receipt (tax invoice) of a completed or offline-accepted session; ?format=pdf for a PDF copy",
    query=ReceiptQuery,
    responses={200: ReceiptOut},
    content_types={200: "application/json,application/pdf"},
    errors=(404, 409),
)
async def receipt(request: web.Request, query: ReceiptQuery) -> web.Response:
    session_id = session_id_param(request)
    shop, kiosk = request.app[SETTINGS], kiosk_scope(request)
    document = await request.app[DATABASE].read(lambda conn: read_receipt(conn, session_id, shop, kiosk=kiosk))
    if query.format == "json":
        return json_response(ReceiptOut.of(document))
    pdf = await asyncio.to_thread(receipt_pdf, document)
    name = (document.invoice_number or f"order-{document.order_id}").replace("/", "-")
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="receipt-{name}.pdf"', "Cache-Control": "no-store"},
    )
