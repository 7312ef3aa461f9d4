"""A local stand-in for Razorpay's API, speaking the request and response shapes Razorpay
documents for the calls the adapter makes (backend/providers/razorpay_upi_qr.py cites the pages).

This is a mock on purpose: Razorpay's servers cannot run here. It checks the key (HTTP Basic),
keeps QR codes, payments and refunds in memory, and lets a test play the customer.
"""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any

from aiohttp import web

KEY_ID, KEY_SECRET = "rzp_test_kiosk", "fake-secret"


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(7)}"


def _error(status: int, description: str) -> web.Response:
    # https://razorpay.com/docs/errors/ : {"error": {"code", "description", ...}}
    return web.json_response({"error": {"code": "BAD_REQUEST_ERROR", "description": description,
                                         "source": "NA", "step": "NA", "reason": "NA", "metadata": {}}}, status=status)


class FakeRazorpay:
    def __init__(self) -> None:
        self.qr_codes: dict[str, dict[str, Any]] = {}
        self.payments: dict[str, list[dict[str, Any]]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}  # by X-Refund-Idempotency
        self.pays_after_close: set[str] = set()
        self.app = web.Application(middlewares=[self._auth])
        self.app.router.add_routes([
            web.post("/v1/payments/qr_codes", self.create_qr),
            web.get("/v1/payments/qr_codes", self.list_qrs),
            web.get("/v1/payments/qr_codes/{id}/payments", self.qr_payments),
            web.post("/v1/payments/qr_codes/{id}/close", self.close_qr),
            web.post("/v1/payments/{id}/refund", self.refund),
        ])

    @web.middleware
    async def _auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        expected = "Basic " + base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return _error(401, "The api key provided is invalid")
        response: web.StreamResponse = await handler(request)
        return response

    # ---- the customer ------------------------------------------------------------------------

    def qr_for(self, key: str) -> dict[str, Any]:
        return next(qr for qr in self.qr_codes.values() if qr["notes"].get("smartcart_session_key") == key)

    def pay(self, qr_id: str) -> None:
        qr = self.qr_codes[qr_id]
        payment = {"id": _id("pay"), "entity": "payment", "amount": qr["payment_amount"], "currency": "INR",
                   "status": "captured", "method": "upi", "amount_refunded": 0, "captured": True,
                   "created_at": int(time.time())}
        self.payments.setdefault(qr_id, []).append(payment)
        qr.update(payments_amount_received=qr["payment_amount"], payments_count_received=1)
        if qr["usage"] == "single_use":
            qr.update(status="closed", closed_at=int(time.time()), close_reason="paid")

    # ---- the API -----------------------------------------------------------------------------

    async def create_qr(self, request: web.Request) -> web.Response:
        # https://razorpay.com/docs/api/qr-codes/create/ (image_content: .../image-content/entity/)
        body = await request.json()
        if body.get("type") != "upi_qr" or not isinstance(body.get("payment_amount"), int):
            return _error(400, "type and payment_amount are required")
        if body["close_by"] < time.time() + 120:
            return _error(400, "close_by should be at least 2 minutes after current time")
        qr_id = _id("qr")
        rupees = f"{body['payment_amount'] / 100:.2f}"
        qr = {"id": qr_id, "entity": "qr_code", "created_at": int(time.time()), "name": body["name"],
              "usage": body["usage"], "type": "upi_qr", "image_url": f"https://rzp.io/i/{qr_id[3:]}",
              "payment_amount": body["payment_amount"], "status": "active", "description": body.get("description"),
              "fixed_amount": body["fixed_amount"], "payments_amount_received": 0, "payments_count_received": 0,
              "notes": body.get("notes", {}), "customer_id": None, "close_by": body["close_by"],
              "image_content": f"upi://pay?pa=rzr.qrsmartcart@icic&pn={body['name']}&tr=RZP{qr_id[3:]}&am={rupees}&cu=INR"}
        self.qr_codes[qr_id] = qr
        return web.json_response(qr)

    async def list_qrs(self, request: web.Request) -> web.Response:
        # https://razorpay.com/docs/api/qr-codes/fetch-all/ : newest first; from, count, skip
        since = int(request.query.get("from", 0))
        count, skip = int(request.query.get("count", 10)), int(request.query.get("skip", 0))
        items = sorted((q for q in self.qr_codes.values() if q["created_at"] >= since),
                       key=lambda q: q["created_at"], reverse=True)[skip: skip + count]
        return web.json_response({"entity": "collection", "count": len(items), "items": items})

    async def qr_payments(self, request: web.Request) -> web.Response:
        # https://razorpay.com/docs/api/qr-codes/fetch-payments/
        items = self.payments.get(request.match_info["id"], [])
        return web.json_response({"entity": "collection", "count": len(items), "items": items})

    async def close_qr(self, request: web.Request) -> web.Response:
        # https://razorpay.com/docs/api/qr-codes/close/
        qr = self.qr_codes.get(request.match_info["id"])
        if qr is None:
            return _error(400, "The id provided does not exist")
        if qr["status"] != "active":
            return _error(400, "QR code is already closed")
        qr.update(status="closed", closed_at=int(time.time()), close_reason="on_demand")
        if qr["id"] in self.pays_after_close:  # the customer's bank debited them just as it closed
            self.pay(qr["id"])
            qr["close_reason"] = "on_demand"
        return web.json_response(qr)

    async def refund(self, request: web.Request) -> web.Response:
        # https://razorpay.com/docs/api/refunds/create-normal/ with X-Refund-Idempotency: a part
        # refund leaves the payment captured with amount_refunded raised; the last part refunds it.
        key = request.headers.get("X-Refund-Idempotency")
        if key in self.refunds:
            return web.json_response(self.refunds[key])
        payment = next((p for ps in self.payments.values() for p in ps if p["id"] == request.match_info["id"]), None)
        if payment is None:
            return _error(400, "The id provided does not exist")
        if payment["status"] != "captured":
            return _error(400, "The payment has been fully refunded already")
        body = await request.json()
        refunded = payment["amount_refunded"] + body["amount"]
        if refunded > payment["amount"]:
            return _error(400, "The refund amount provided is greater than amount captured")
        payment.update(status="refunded" if refunded == payment["amount"] else "captured", amount_refunded=refunded)
        refund = {"id": _id("rfnd"), "entity": "refund", "amount": body["amount"], "currency": "INR",
                  "payment_id": payment["id"], "status": "processed", "created_at": int(time.time())}
        if key is not None:
            self.refunds[key] = refund
        return web.json_response(refund)
