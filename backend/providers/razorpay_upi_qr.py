"""Razorpay's UPI QR codes behind the UpiQr interface, through the official `razorpay` SDK.

The SDK is synchronous (requests): every call runs in a worker thread, off the event loop.
Razorpay documents the calls used here:
- create: POST /v1/payments/qr_codes, type upi_qr, usage single_use, fixed_amount
  (https://razorpay.com/docs/api/qr-codes/create/); `image_content` is the upi://pay link to
  show (https://razorpay.com/docs/api/qr-codes/image-content/entity/); `close_by` is Unix
  seconds, at least 2 minutes ahead;
- look-up by key: QR codes take no idempotency key, so the session's key travels in `notes`
  and is found again among the QR codes created since (GET /v1/payments/qr_codes,
  https://razorpay.com/docs/api/qr-codes/fetch-all/), then its payments
  (GET /v1/payments/qr_codes/{id}/payments, https://razorpay.com/docs/api/qr-codes/fetch-payments/);
- close: POST /v1/payments/qr_codes/{id}/close (https://razorpay.com/docs/api/qr-codes/close/);
- refund: POST /v1/payments/{id}/refund with the header X-Refund-Idempotency set to the
  session's key, so a repeated refund refunds nothing more
  (https://razorpay.com/docs/api/refunds/create-normal/); an admin's refund of part of a payment
  is the same call with its amount and the refund's own key. Razorpay answers a refund it will
  not make (more than is left, a payment not captured) with a 400.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TypeVar

import razorpay  # type: ignore[import-untyped]
import requests
from razorpay import errors as razorpay_errors

from backend.gateway.client import (
    Charge,
    GatewayConnectionLost,
    GatewayError,
    GatewayRefused,
    GatewayServerError,
    GatewayTimeout,
    GatewayUnreachable,
    Refund,
)
from backend.providers.waiting import WaitingPayment

T = TypeVar("T")
KEY_NOTE = "smartcart_session_key"
# Razorpay refuses a close_by sooner than this; the kiosk closes the QR itself when its time is up.
_MIN_CLOSE_BY_S = 150
_PAGE = 100
_PAGES = 10
# A QR is searched for among those created this long before its look-up.
_SEARCH_BACK_S = 2 * 86_400
_STATUS = {"captured": "succeeded", "authorized": "succeeded", "failed": "declined", "refunded": "voided"}


class RazorpayUpiQr:
    def __init__(self, *, key_id: str, key_secret: str, base_url: str, timeout_s: float, payee_name: str) -> None:
        self._client = razorpay.Client(auth=(key_id, key_secret), base_url=base_url.rstrip("/"))
        self._timeout_s = timeout_s
        self._payee_name = payee_name

    async def create(
        self, *, key: str, amount_minor: int, currency: str, reference: str, close_by_ms: int
    ) -> WaitingPayment:
        found = await self._find(key)
        if found is not None:
            return await self._waiting(found)  # a retry after a lost reply: the same QR
        body = {
            "type": "upi_qr",
            "name": self._payee_name[:50],
            "usage": "single_use",
            "fixed_amount": True,
            "payment_amount": amount_minor,
            "description": f"SmartCart {reference}",
            "close_by": max(close_by_ms // 1000, int(time.time()) + _MIN_CLOSE_BY_S),
            "notes": {KEY_NOTE: key},
        }
        created = await self._call(lambda: self._client.qrcode.create(body, timeout=self._timeout_s))
        return WaitingPayment(id=created["id"], open=created["status"] == "active",
                              payload=created.get("image_content"), charge=None)

    async def lookup(self, *, key: str) -> WaitingPayment | None:
        found = await self._find(key)
        return None if found is None else await self._waiting(found)

    async def close(self, *, key: str) -> WaitingPayment:
        found = await self._find(key)
        if found is None:
            # Nothing was created under this key: nothing can be paid.
            return WaitingPayment(id="", open=False, payload=None, charge=None)
        if found["status"] == "active":
            qr_id: str = found["id"]
            closed: dict[str, Any] = await self._call(lambda: self._client.qrcode.close(qr_id, timeout=self._timeout_s))
            return await self._waiting(closed)
        return await self._waiting(found)

    async def refund(self, *, key: str) -> Charge:
        found = await self._find(key)
        payment = None if found is None else await self._payment_of(found["id"])
        if payment is None:
            raise GatewayServerError("no Razorpay payment to refund under this key")
        if payment["status"] != "refunded":
            headers = {"X-Refund-Idempotency": key}
            await self._call(lambda: self._client.payment.refund(
                payment["id"], {"amount": payment["amount"]}, headers=headers, timeout=self._timeout_s))
        return Charge(id=payment["id"], status="voided", amount_minor=payment["amount"], decline_code=None)

    async def refund_part(self, *, key: str, charge_key: str, charge_id: str | None, amount_minor: int) -> Refund:
        if charge_id is None:
            # A session completes with its payment's id: without one there is nothing to refund.
            raise GatewayRefused("no Razorpay payment is recorded for this session", code="charge_not_found")
        headers = {"X-Refund-Idempotency": key}
        made: dict[str, Any] = await self._call(
            lambda: self._client.payment.refund(
                charge_id, {"amount": amount_minor}, headers=headers, timeout=self._timeout_s),
            refusal_is_definite=True,
        )
        created_s = int(made.get("created_at") or time.time())
        return Refund(id=str(made["id"]), charge_id=charge_id, amount_minor=int(made["amount"]),
                      created_at_ms=created_s * 1000, idempotency_key=key)

    async def _find(self, key: str) -> dict[str, Any] | None:
        since = int(time.time()) - _SEARCH_BACK_S
        for page in range(_PAGES):
            query = {"from": since, "count": _PAGE, "skip": page * _PAGE}
            listed = await self._call(lambda q=query: self._client.qrcode.all(q, timeout=self._timeout_s))  # type: ignore[misc]
            items: list[dict[str, Any]] = listed.get("items", [])
            for item in items:
                if (item.get("notes") or {}).get(KEY_NOTE) == key:
                    return item
            if len(items) < _PAGE:
                return None
        return None

    async def _payment_of(self, qr_id: str) -> dict[str, Any] | None:
        listed = await self._call(lambda: self._client.qrcode.fetch_all_payments(qr_id, {}, timeout=self._timeout_s))
        payments: list[dict[str, Any]] = listed.get("items", [])
        # single_use: one payment at most; a failed one may precede it.
        for status in ("captured", "authorized", "refunded", "failed"):
            for payment in payments:
                if payment.get("status") == status:
                    return payment
        return None

    async def _waiting(self, qr: dict[str, Any]) -> WaitingPayment:
        payment = await self._payment_of(qr["id"])
        charge = None
        if payment is not None and payment.get("status") in _STATUS:
            status = _STATUS[payment["status"]]
            charge = Charge(
                id=payment["id"],
                status=status,  # type: ignore[arg-type]
                amount_minor=payment.get("amount"),
                decline_code=(payment.get("error_code") or "upi_declined") if status == "declined" else None,
            )
        return WaitingPayment(id=qr["id"], open=qr["status"] == "active", payload=qr.get("image_content"), charge=charge)

    async def _call(self, call: Callable[[], T], *, refusal_is_definite: bool = False) -> T:
        """`refusal_is_definite`: Razorpay's 400 to this call means it did nothing and never will
        (a refund of more than is left), not that the outcome is unknown."""
        try:
            return await asyncio.to_thread(call)
        except razorpay_errors.BadRequestError as exc:
            if refusal_is_definite:
                raise GatewayRefused(f"Razorpay refused: {exc}", code="razorpay_refused") from None
            raise GatewayServerError(f"Razorpay answered: {exc}") from None
        except requests.exceptions.ConnectTimeout:
            raise GatewayUnreachable("Razorpay could not be reached in time") from None
        except requests.exceptions.Timeout:
            raise GatewayTimeout("Razorpay did not answer in time") from None
        except requests.exceptions.ConnectionError as exc:
            if "refused" in str(exc).lower():
                raise GatewayUnreachable("cannot connect to Razorpay") from None
            raise GatewayConnectionLost("the connection to Razorpay broke") from None
        except (razorpay_errors.GatewayError, razorpay_errors.ServerError) as exc:
            raise GatewayServerError(f"Razorpay answered: {exc}") from None
        except (requests.exceptions.RequestException, ValueError) as exc:
            raise GatewayError(f"Razorpay exchange failed ({type(exc).__name__})") from None
