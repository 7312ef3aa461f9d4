"""HTTP client for the payment gateway. It carries requests; it knows nothing of sessions.

Every failure is classified by one question the session service must answer before it
retries, cancels or expires: could the request have reached the gateway? Only a refused
connection proves it did not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp

from smartcart_contract.states import Reason


@dataclass(frozen=True, slots=True)
class Charge:
    id: str
    status: Literal["succeeded", "declined", "voided"]
    amount_minor: int | None
    decline_code: str | None

    @property
    def stands(self) -> bool:
        """Money is taken and not given back."""
        return self.status == "succeeded"


class GatewayError(Exception):
    """The gateway gave no usable answer."""

    reason: Reason = Reason.GATEWAY_ERROR
    # False only when the request provably never left this machine.
    maybe_delivered = True


class GatewayTimeout(GatewayError):
    reason = Reason.TIMEOUT


class GatewayUnreachable(GatewayError):
    reason = Reason.NETWORK_ERROR
    maybe_delivered = False


class GatewayConnectionLost(GatewayError):
    reason = Reason.NETWORK_ERROR


class GatewayServerError(GatewayError):
    reason = Reason.GATEWAY_ERROR


class GatewayKeyVoided(GatewayError):
    """The key was voided before this charge arrived: the gateway refused it, nothing is charged."""

    maybe_delivered = False


class GatewayRefused(GatewayError):
    """A definite no (a 4xx): nothing was done, and the same request would be refused again."""

    maybe_delivered = False

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Refund:
    id: str
    charge_id: str
    amount_minor: int
    created_at_ms: int
    # The refund's own key (the ledger lists it; a refund just made needs no echo of it).
    idempotency_key: str = ""


@dataclass(frozen=True, slots=True)
class LedgerCharge:
    id: str
    idempotency_key: str
    status: str
    amount_minor: int | None
    currency: str | None
    refunded_minor: int
    created_at_ms: int


@dataclass(frozen=True, slots=True)
class CardSource:
    number: str
    expiry: str
    cvv: str

    def wire(self) -> dict[str, str]:
        return {"type": "card", "number": self.number, "expiry": self.expiry, "cvv": self.cvv}

    def __repr__(self) -> str:  # never let the number or CVV reach a log through repr()
        return f"CardSource(last4={self.number[-4:]})"


@dataclass(frozen=True, slots=True)
class UpiSource:
    upi_id: str

    def wire(self) -> dict[str, str]:
        return {"type": "upi", "upiId": self.upi_id}


PaymentSource = CardSource | UpiSource


class GatewayClient:
    def __init__(self, base_url: str, *, timeout_s: float, http: aiohttp.ClientSession) -> None:
        self._base = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._http = http
        self.reachable: bool | None = None  # last observed; None until the first exchange
        self._on_back: list[Callable[[], None]] = []

    def on_back(self, listener: Callable[[], None]) -> None:
        """Call `listener` whenever an exchange succeeds after the gateway was unreachable."""
        self._on_back.append(listener)

    def _observe(self, reachable: bool) -> None:
        came_back = reachable and self.reachable is False
        self.reachable = reachable
        if came_back:
            for listener in self._on_back:
                listener()

    @staticmethod
    def new_http_session() -> aiohttp.ClientSession:
        # One request per connection: a reused keep-alive socket that died in between would
        # turn a clean "refused" into an ambiguous "reset", and the fault proxy reads one
        # request per connection.
        return aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))

    async def charge(
        self, *, key: str, amount_minor: int, currency: str, source: PaymentSource
    ) -> Charge:
        body = {"amountMinor": amount_minor, "currency": currency, "source": source.wire()}
        status, data = await self._request("POST", "/v1/charges", json=body, key=key)
        if status == 200:
            return _charge(data)
        if status == 409 and data.get("code") == "idempotency_key_voided":
            raise GatewayKeyVoided("the payment was voided before this attempt reached the gateway")
        if status == 409:
            raise GatewayServerError("an earlier attempt with this key is still being processed")
        raise GatewayServerError(f"gateway answered {status} {data.get('code', '')}".strip())

    async def lookup(self, *, key: str) -> Charge | None:
        status, data = await self._request("GET", "/v1/charges", params={"idempotency_key": key})
        if status == 200:
            return _charge(data)
        if status == 404:
            return None
        raise GatewayServerError(f"gateway answered {status} to a look-up")

    async def void(self, *, key: str) -> Charge:
        status, data = await self._request("POST", f"/v1/charges/{key}/void")
        if status == 200:
            return _charge(data)
        raise GatewayServerError(f"gateway answered {status} to a void")

    async def refund(self, *, key: str, charge_key: str, amount_minor: int) -> Refund:
        """Refund part or all of the charge made under `charge_key`; `key` makes it happen once."""
        body = {"idempotencyKey": charge_key, "amountMinor": amount_minor}
        status, data = await self._request("POST", "/v1/refunds", json=body, key=key)
        if status == 200:
            return _refund(data)
        if status == 409 and data.get("code") == "idempotency_key_in_use":
            raise GatewayServerError("an earlier refund with this key is still being processed")
        if 400 <= status < 500:
            raise GatewayRefused(str(data.get("message", status)), code=str(data.get("code", status)))
        raise GatewayServerError(f"gateway answered {status} to a refund")

    async def ledger(self) -> tuple[list[LedgerCharge], list[Refund]]:
        """Every charge and refund the gateway holds (for reconciliation)."""
        status, charges = await self._request("GET", "/v1/charges")
        if status != 200:
            raise GatewayServerError(f"gateway answered {status} to the ledger")
        status, refunds = await self._request("GET", "/v1/refunds")
        if status != 200:
            raise GatewayServerError(f"gateway answered {status} to the refunds")
        return (
            [_ledger_charge(c) for c in charges.get("charges", [])],
            [_refund(r) for r in refunds.get("refunds", [])],
        )

    async def ping(self) -> bool:
        try:
            status, _ = await self._request("GET", "/v1/health")
        except GatewayError:
            return False
        return status == 200

    async def exchange(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        key: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """One request to the gateway, its failures classified as for charges (the provider
        adapters of backend/providers/ speak through it, over the same link and fault proxy)."""
        return await self._request(method, path, json=json, params=params, key=key)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        key: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        headers = {"Idempotency-Key": key} if key else None
        try:
            async with self._http.request(
                method,
                self._base + path,
                json=json,
                params=params,
                headers=headers,
                timeout=self._timeout,
            ) as response:
                data = await response.json(content_type=None)
                status = response.status
        except aiohttp.ClientConnectorError as exc:
            self._observe(False)
            raise GatewayUnreachable(f"cannot connect to the gateway ({exc.os_error})") from None
        except TimeoutError:
            self._observe(False)
            raise GatewayTimeout("the gateway did not answer in time") from None
        except (aiohttp.ClientError, ValueError) as exc:
            self._observe(False)
            raise GatewayConnectionLost(f"the connection to the gateway broke ({type(exc).__name__})") from None
        self._observe(status < 500)
        if status >= 500:
            raise GatewayServerError(f"gateway answered {status}")
        return status, data if isinstance(data, dict) else {}


def charge_of(data: dict[str, Any]) -> Charge:
    return _charge(data)


def _charge(data: dict[str, Any]) -> Charge:
    return Charge(
        id=str(data["id"]),
        status=data["status"],
        amount_minor=data.get("amountMinor"),
        decline_code=data.get("declineCode"),
    )


def _refund(data: dict[str, Any]) -> Refund:
    return Refund(
        id=str(data["id"]),
        charge_id=str(data["chargeId"]),
        amount_minor=int(data["amountMinor"]),
        created_at_ms=int(data.get("createdAt", 0)),
        idempotency_key=str(data.get("idempotencyKey", "")),
    )


def _ledger_charge(data: dict[str, Any]) -> LedgerCharge:
    return LedgerCharge(
        id=str(data["id"]),
        idempotency_key=str(data["idempotencyKey"]),
        status=str(data["status"]),
        amount_minor=data.get("amountMinor"),
        currency=data.get("currency"),
        refunded_minor=int(data.get("refundedMinor", 0)),
        created_at_ms=int(data.get("createdAt", 0)),
    )
