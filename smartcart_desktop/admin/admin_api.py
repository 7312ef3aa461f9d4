"""The admin panel's way to the backend: HTTP with the admin token, which it gets only by
trading the admin PIN.

`unlock(pin)` is the one call made without the admin token it returns, which then lives in
this object's memory until `lock()` or `close()`. The token a start-up link may carry is
deliberately not used for admin data: reaching it always takes the PIN. It only goes with the
unlock itself, as its bearer: that tells the backend the PIN comes from the kiosk's own
window, which a lock keeps out a minute at most (backend/http/admin_pin.py).

The connection is this object's own (one aiohttp ClientSession, born on first use inside the
running loop and closed with the panel), so the kiosk's client never carries admin headers.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable
from typing import Any, TypeVar

import aiohttp
from pydantic import BaseModel

from smartcart_desktop.admin.admin_models import (
    ForwardResult,
    OfflinePayments,
    RefundList,
    RefundResult,
    SessionPage,
    Shift,
    Stats,
    Unlocked,
)
from smartcart_desktop.admin.history_query import HistoryQuery
from smartcart_desktop.admin.report_range import DayRange
from smartcart_desktop.api.errors import (
    AuthError,
    NetworkInterruption,
    NotFound,
    TimeoutInterruption,
)
from smartcart_desktop.api.http import BackendHttp, bearer, error_for, session_path
from smartcart_desktop.api.models import Session, SessionList, Summary

M = TypeVar("M", bound=BaseModel)

EXPORT_CHUNK_BYTES = 64 * 1024


class Locked(AuthError):
    """An admin call without the admin token: unlock with the PIN first."""


class AdminApi:
    def __init__(
        self, base_url: str, kiosk_token: str, *, timeout_s: float = 10.0, window_token: str | None = None
    ) -> None:
        self._http = BackendHttp(base_url, timeout_s=timeout_s, name="admin")
        self._kiosk_token = kiosk_token
        self._window_token = window_token
        self._admin_token: str | None = None

    @property
    def unlocked(self) -> bool:
        return self._admin_token is not None

    async def unlock(self, pin: str) -> None:
        """Trade the PIN for the admin token. AuthError (code `wrong_pin`) or TooManyAttempts."""
        unlocked = await self._http.call(
            "POST", "/api/admin/unlock", Unlocked, json={"pin": pin}, token=self._window_token or self._kiosk_token
        )
        self._admin_token = unlocked.admin_token

    def lock(self) -> None:
        self._admin_token = None

    async def close(self) -> None:
        self.lock()
        await self._http.close()

    # ---- reading ----------------------------------------------------------------------------

    async def active_sessions(self) -> SessionList:
        return await self._admin("GET", "/api/payments/sessions/active", SessionList)

    async def session(self, session_id: str) -> Session:
        # With its history: the operator reads it as a timeline.
        return await self._admin("GET", session_path(session_id), Session, params={"history": "1"})

    async def summary(self, session_id: str) -> Summary:
        return await self._admin("GET", session_path(session_id, "summary"), Summary)

    async def stats(self, days: DayRange, kiosk: str | None = None) -> Stats:
        params = days.query() | ({"kiosk": kiosk} if kiosk else {})
        return await self._admin("GET", "/api/payments/stats", Stats, params=params)

    async def search_sessions(self, query: HistoryQuery, *, limit: int, cursor: str | None = None) -> SessionPage:
        """One page of past and present sessions, newest first; `cursor` is the last page's."""
        params = query.params(limit=limit, cursor=cursor)
        return await self._admin("GET", "/api/payments/sessions", SessionPage, params=params)

    async def offline_payments(self) -> OfflinePayments:
        return await self._admin("GET", "/api/payments/offline", OfflinePayments)

    # ---- operator actions (the reason is recorded in the session's history) -------------------

    async def cancel(self, session_id: str, reason: str) -> Session:
        return await self._admin(
            "POST", session_path(session_id, "cancel"), Session, json={"reason": f"operator: {reason}"}
        )

    async def reconcile(self, session_id: str, reason: str) -> Session:
        """The backend prefixes the reason with "operator: " itself."""
        return await self._admin("POST", session_path(session_id, "reconcile"), Session, json={"reason": reason})

    async def forward_offline(self) -> ForwardResult:
        return await self._admin("POST", "/api/payments/offline/forward", ForwardResult)

    async def refund(self, session_id: str, amount_minor: int, reason: str, *, key: str) -> RefundResult:
        """`key`: the Idempotency-Key; the same one again repeats this refund instead of adding one."""
        return await self._admin(
            "POST", session_path(session_id, "refund"), RefundResult,
            json={"amountMinor": amount_minor, "reason": reason}, headers={"Idempotency-Key": key},
        )

    async def refunds(self, session_id: str) -> RefundList:
        return await self._admin("GET", session_path(session_id, "refunds"), RefundList)

    # ---- shifts -------------------------------------------------------------------------------

    async def current_shift(self) -> Shift | None:
        try:
            return await self._admin("GET", "/api/shifts/current", Shift)
        except NotFound:
            return None

    async def open_shift(self, float_minor: int) -> Shift:
        return await self._admin("POST", "/api/shifts/open", Shift, json={"openingFloatMinor": float_minor})

    async def close_shift(self, counted_minor: int, note: str | None) -> Shift:
        return await self._admin(
            "POST", "/api/shifts/current/close", Shift, json={"countedCashMinor": counted_minor, "note": note}
        )

    async def shift_report(self, shift_id: int, fmt: str) -> bytes:
        """The Z report as a file's bytes (pdf or csv)."""
        try:
            async with self._http.session().get(
                f"{self._http.base_url}/api/shifts/{shift_id}/report",
                params={"format": fmt},
                headers=bearer(self._require_admin()),
            ) as response:
                if response.status >= 400:
                    raise error_for(response.status, await response.json(content_type=None))
                return await response.read()
        except TimeoutError:
            raise TimeoutInterruption("The backend did not answer in time.", code="timeout") from None
        except aiohttp.ClientError as exc:
            raise NetworkInterruption(
                f"The backend cannot be reached ({type(exc).__name__}).", code="network"
            ) from None

    # ---- export -------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def export(
        self, fmt: str, days: DayRange, statuses: Iterable[str] = (), kiosk: str | None = None
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        """The export's bytes as they arrive. Leaving the block early drops the download."""
        params = {"format": fmt, **days.query()}
        if kiosk:
            params["kiosk"] = kiosk
        wanted = ",".join(statuses)
        if wanted:
            params["status"] = wanted
        # No total limit: a large range streams for as long as it takes, but silence is not waited
        # out forever.
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=60)
        try:
            async with self._http.session().get(
                self._http.base_url + "/api/payments/sessions/export",
                params=params,
                headers=bearer(self._require_admin()),
                timeout=timeout,
            ) as response:
                if response.status >= 400:
                    body = await response.json(content_type=None)
                    raise error_for(response.status, body)
                yield response.content.iter_chunked(EXPORT_CHUNK_BYTES)
        except TimeoutError:
            raise TimeoutInterruption("The export stopped arriving.", code="timeout") from None
        except aiohttp.ClientPayloadError:
            raise NetworkInterruption("The export broke off before its end.", code="network") from None
        except aiohttp.ClientConnectionError as exc:
            raise NetworkInterruption(
                f"The backend cannot be reached ({type(exc).__name__}).", code="network"
            ) from None

    # ---- plumbing ---------------------------------------------------------------------------

    def _require_admin(self) -> str:
        if self._admin_token is None:
            raise Locked("The admin panel is locked.", code="locked", http_status=None)
        return self._admin_token

    async def _admin(
        self, method: str, path: str, model: type[M], *, json: Any = None, params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> M:
        return await self._http.call(
            method, path, model, json=json, params=params, token=self._require_admin(), headers=headers
        )
