"""The bundled simulator's UPI QR and card terminal, spoken to over HTTP (backend/gateway_sim/).

Through the same GatewayClient as charges: the same link (and, in tester mode, the same fault
proxy), the same classification of failures (could the request have reached the provider?).
A refund is the ledger's void of the session's key: the payment is given back, and a later one
under that key is refused.
"""

from __future__ import annotations

from typing import Any

from backend.gateway.client import (
    Charge,
    GatewayClient,
    GatewayKeyVoided,
    GatewayServerError,
    Refund,
    charge_of,
)
from backend.providers.waiting import WaitingPayment


def _waiting(data: dict[str, Any]) -> WaitingPayment:
    charge = data.get("charge")
    return WaitingPayment(
        id=str(data["id"]),
        open=data["status"] == "open",
        payload=data.get("payload"),
        charge=None if not charge else charge_of(charge),
    )


def _answer(status: int, data: dict[str, Any], what: str) -> WaitingPayment:
    if status == 200:
        return _waiting(data)
    if status == 409 and data.get("code") == "idempotency_key_voided":
        raise GatewayKeyVoided(f"the {what} was closed before this request reached the provider")
    if status == 409:
        raise GatewayServerError(f"the provider answered 409 to the {what}")
    raise GatewayServerError(f"the provider answered {status} {data.get('code', '')} to the {what}".strip())


class SimulatorUpiQr:
    def __init__(self, gateway: GatewayClient, *, payee_vpa: str, payee_name: str) -> None:
        self._gateway = gateway
        self._payee_vpa = payee_vpa
        self._payee_name = payee_name

    async def create(
        self, *, key: str, amount_minor: int, currency: str, reference: str, close_by_ms: int
    ) -> WaitingPayment:
        body = {
            "amountMinor": amount_minor,
            "currency": currency,
            "reference": reference,
            "payeeVpa": self._payee_vpa,
            "payeeName": self._payee_name,
            "closeBy": close_by_ms,
        }
        status, data = await self._gateway.exchange("POST", "/v1/upi_qr", json=body, key=key)
        return _answer(status, data, "UPI QR")

    async def lookup(self, *, key: str) -> WaitingPayment | None:
        status, data = await self._gateway.exchange("GET", "/v1/upi_qr", params={"idempotency_key": key})
        return None if status == 404 else _answer(status, data, "UPI QR look-up")

    async def close(self, *, key: str) -> WaitingPayment:
        status, data = await self._gateway.exchange("POST", f"/v1/upi_qr/{key}/close")
        return _answer(status, data, "UPI QR close")

    async def refund(self, *, key: str) -> Charge:
        return await self._gateway.void(key=key)

    async def refund_part(self, *, key: str, charge_key: str, charge_id: str | None, amount_minor: int) -> Refund:
        # A QR paid at the simulator is a charge of its ledger, under the session's key.
        return await self._gateway.refund(key=key, charge_key=charge_key, amount_minor=amount_minor)


class SimulatorTerminal:
    def __init__(self, gateway: GatewayClient) -> None:
        self._gateway = gateway

    async def start(self, *, key: str, terminal_id: str, amount_minor: int, currency: str) -> WaitingPayment:
        body = {"amountMinor": amount_minor, "currency": currency}
        status, data = await self._gateway.exchange("POST", f"/v1/terminals/{terminal_id}/payments", json=body, key=key)
        return _answer(status, data, "terminal payment")

    async def lookup(self, *, key: str) -> WaitingPayment | None:
        status, data = await self._gateway.exchange("GET", "/v1/terminal_payments", params={"idempotency_key": key})
        return None if status == 404 else _answer(status, data, "terminal look-up")

    async def cancel(self, *, key: str) -> WaitingPayment:
        status, data = await self._gateway.exchange("POST", f"/v1/terminal_payments/{key}/cancel")
        return _answer(status, data, "terminal cancel")

    async def refund(self, *, key: str) -> Charge:
        return await self._gateway.void(key=key)
