"""The window's only way to the backend: typed calls over HTTP with the kiosk's bearer token.

Request bodies with card details are built here and never logged; only method, path and
status are.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from smartcart_desktop.api.http import BackendHttp, session_path
from smartcart_desktop.api.models import (
    BackendConfig,
    CrashAccepted,
    Faults,
    Health,
    Order,
    ProductList,
    ReceiptDocument,
    Session,
    SessionCreated,
    SessionList,
    Summary,
    SyncStatus,
    Validation,
)
from smartcart_desktop.api.payment_details import PaymentDetails

M = TypeVar("M", bound=BaseModel)

ClientReason = str  # "APP_CLOSED" | "NETWORK_ERROR" | "TIMEOUT", as the backend accepts


class ApiClient:
    def __init__(
        self, base_url: str, token: str, *, timeout_s: float = 10.0, stream_idle_s: float = 45.0
    ) -> None:
        """`stream_idle_s`: a session stream silent this long is taken for broken (the backend
        sends a heartbeat every 15 s by default)."""
        self._http = BackendHttp(base_url, timeout_s=timeout_s)
        self._token = token
        self._stream_idle_s = stream_idle_s

    @property
    def base_url(self) -> str:
        return self._http.base_url

    @property
    def closed(self) -> bool:
        return self._http.closed

    async def close(self) -> None:
        await self._http.close()

    # ---- catalog and orders -----------------------------------------------------------------

    async def products(self) -> ProductList:
        return await self._call("GET", "/api/products", ProductList)

    async def create_order(self, lines: Mapping[str, int]) -> Order:
        items = [{"productId": product, "quantity": qty} for product, qty in lines.items()]
        return await self._call("POST", "/api/orders", Order, json={"items": items})

    async def order(self, order_id: int) -> Order:
        return await self._call("GET", f"/api/orders/{order_id}", Order)

    # ---- sessions ---------------------------------------------------------------------------

    async def create_session(self, order_id: int) -> SessionCreated:
        return await self._call(
            "POST", "/api/payments/session/create", SessionCreated, json={"orderId": order_id}
        )

    async def session(self, session_id: str, *, history: bool = False) -> Session:
        """`history`: with the session's events (the window itself never needs them)."""
        params = {"history": "1"} if history else None
        return await self._http.call("GET", session_path(session_id), Session, token=self._token, params=params)

    def session_stream(
        self, session_id: str, *, last_event_id: str | None = None
    ) -> AsyncGenerator[tuple[str, Session], None]:
        """The session now and at every change, as (event id, session), until it has ended."""
        return self._http.events(
            session_path(session_id, "stream"),
            Session,
            token=self._token,
            last_event_id=last_event_id,
            idle_s=self._stream_idle_s,
        )

    async def pay(self, session_id: str, details: PaymentDetails) -> Session:
        """The session as the payment left it (PROCESSING, or already further)."""
        return await self._call("POST", session_path(session_id, "pay"), Session, json=details.wire())

    async def resume(self, session_id: str, details: PaymentDetails | None = None) -> Session:
        body = details.wire() if details is not None else {}
        return await self._call("POST", session_path(session_id, "resume"), Session, json=body)

    async def cancel(self, session_id: str, reason: str = "cancelled by customer") -> Session:
        return await self._call("POST", session_path(session_id, "cancel"), Session, json={"reason": reason})

    async def interrupt(self, session_id: str, reason: ClientReason, detail: str | None = None) -> Session:
        body: dict[str, Any] = {"reason": reason}
        if detail:
            body["detail"] = detail
        return await self._call("POST", session_path(session_id, "interrupt"), Session, json=body)

    async def complete_cash(
        self, session_id: str, amount_received_minor: int, operator_pin: str | None = None
    ) -> Session:
        """Cash is taken by the operator: the backend completes it only with their PIN (403 for a
        wrong one, 429 after too many). The PIN is sent, never logged or kept."""
        body: dict[str, Any] = {"method": "cash", "amountReceivedMinor": amount_received_minor}
        if operator_pin is not None:
            body["operatorPin"] = operator_pin
        return await self._call("POST", session_path(session_id, "complete"), Session, json=body)

    async def summary(self, session_id: str) -> Summary:
        return await self._call("GET", session_path(session_id, "summary"), Summary)

    async def receipt(self, session_id: str) -> ReceiptDocument:
        """The receipt of a paid (or offline-accepted) session; 409 for any other."""
        return await self._call("GET", session_path(session_id, "receipt"), ReceiptDocument)

    async def validate(self, fields: Mapping[str, str]) -> Validation:
        return await self._call("POST", "/api/payments/validate", Validation, json=dict(fields))

    async def unfinished_sessions(self) -> SessionList:
        return await self._call("GET", "/api/payments/sessions/unfinished", SessionList)

    async def active_sessions(self) -> SessionList:
        """Admin only: needs a client built with the admin token."""
        return await self._call("GET", "/api/payments/sessions/active", SessionList)

    # ---- health and tester mode -------------------------------------------------------------

    async def health(self) -> Health:
        return await self._call("GET", "/api/health", Health)

    async def config(self) -> BackendConfig:
        """The backend's own timings (gateway timeout, attempts): a remote one may differ."""
        return await self._call("GET", "/api/config", BackendConfig)

    async def sync_status(self) -> SyncStatus:
        return await self._call("GET", "/api/sync/status", SyncStatus)

    async def faults(self, *, link: str = "gateway") -> Faults:
        """Tester mode: the fault on the link to the gateway, or (`link="server"`) to the fleet server."""
        return await self._call("GET", _faults_path(link), Faults)

    async def set_faults(
        self, mode: str, *, rate: float | None = None, latency_ms: int | None = None, link: str = "gateway"
    ) -> Faults:
        body: dict[str, Any] = {"mode": mode}
        if rate is not None:
            body["rate"] = rate
        if latency_ms is not None:
            body["latencyMs"] = latency_ms
        return await self._call("PUT", _faults_path(link), Faults, json=body)

    async def customer(self, session_id: str, action: str) -> Session:
        """Tester mode only: the simulated customer acts on the QR or terminal payment the session
        waits on ("pay", "decline", "walk_away", "pay_after_close"); 409 if it waits on none."""
        return await self._call("POST", f"/api/dev/customer/{session_id}", Session, json={"action": action})

    async def crash(self) -> CrashAccepted:
        """Tester mode only: the backend SIGKILLs its own process right after answering.

        With the embedded backend that process is this app: nothing after this call runs.
        """
        return await self._call("POST", "/api/dev/crash", CrashAccepted)

    # ---- plumbing ---------------------------------------------------------------------------

    async def _call(self, method: str, path: str, model: type[M], *, json: Any = None) -> M:
        return await self._http.call(method, path, model, token=self._token, json=json)


def _faults_path(link: str) -> str:
    if link not in ("gateway", "server"):
        raise ValueError(f"unknown link {link!r}")
    return "/api/dev/faults" if link == "gateway" else "/api/dev/faults/server"
