"""The admin panel's way to the backend: HTTP with the admin token, which it gets only by
trading the admin PIN.

`unlock(pin)` is the one call made with the kiosk token; the admin token it returns lives in
this object's memory until `lock()` or `close()`. The token a start-up link may carry is
deliberately not used here: reaching admin data always takes the PIN.

The connection is this object's own (one aiohttp ClientSession, born on first use inside the
running loop and closed with the panel), so the kiosk's client never carries admin headers.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterable
from typing import Any, TypeVar

import aiohttp
from pydantic import BaseModel
from pydantic import ValidationError as ModelError

from smartcart_desktop.admin.admin_models import ForwardResult, OfflinePayments, Stats, Unlocked
from smartcart_desktop.admin.report_range import DayRange
from smartcart_desktop.api_errors import (
    ApiError,
    AuthError,
    Conflict,
    NetworkInterruption,
    NotFound,
    ProtocolError,
    ServerError,
    TimeoutInterruption,
    ValidationError,
)
from smartcart_desktop.api_models import Session, SessionList, Summary

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

EXPORT_CHUNK_BYTES = 64 * 1024


class Locked(AuthError):
    """An admin call without the admin token: unlock with the PIN first."""


class TooManyAttempts(ApiError):
    """429: too many wrong PINs; the message says how long to wait."""


class AdminApi:
    def __init__(self, base_url: str, kiosk_token: str, *, timeout_s: float = 10.0) -> None:
        self._base = base_url.rstrip("/")
        self._kiosk_token = kiosk_token
        self._admin_token: str | None = None
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._http: aiohttp.ClientSession | None = None
        self._closed = False

    @property
    def unlocked(self) -> bool:
        return self._admin_token is not None

    async def unlock(self, pin: str) -> None:
        """Trade the PIN for the admin token. AuthError (code `wrong_pin`) or TooManyAttempts."""
        unlocked = await self._call(
            "POST", "/api/admin/unlock", Unlocked, json={"pin": pin}, token=self._kiosk_token
        )
        self._admin_token = unlocked.admin_token

    def lock(self) -> None:
        self._admin_token = None

    async def close(self) -> None:
        self.lock()
        self._closed = True
        if self._http is not None:
            await self._http.close()
            self._http = None

    # ---- reading ----------------------------------------------------------------------------

    async def active_sessions(self) -> SessionList:
        return await self._admin("GET", "/api/payments/sessions/active", SessionList)

    async def session(self, session_id: str) -> Session:
        return await self._admin("GET", _session_path(session_id), Session)

    async def summary(self, session_id: str) -> Summary:
        return await self._admin("GET", _session_path(session_id, "summary"), Summary)

    async def stats(self, days: DayRange) -> Stats:
        return await self._admin("GET", "/api/payments/stats", Stats, params=days.query())

    async def offline_payments(self) -> OfflinePayments:
        return await self._admin("GET", "/api/payments/offline", OfflinePayments)

    # ---- operator actions (the reason is recorded in the session's history) -------------------

    async def cancel(self, session_id: str, reason: str) -> Session:
        return await self._admin(
            "POST", _session_path(session_id, "cancel"), Session, json={"reason": f"operator: {reason}"}
        )

    async def reconcile(self, session_id: str, reason: str) -> Session:
        """The backend prefixes the reason with "operator: " itself."""
        return await self._admin("POST", _session_path(session_id, "reconcile"), Session, json={"reason": reason})

    async def forward_offline(self) -> ForwardResult:
        return await self._admin("POST", "/api/payments/offline/forward", ForwardResult)

    # ---- export -------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def export(
        self, fmt: str, days: DayRange, statuses: Iterable[str] = ()
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        """The export's bytes as they arrive. Leaving the block early drops the download."""
        params = {"format": fmt, **days.query()}
        wanted = ",".join(statuses)
        if wanted:
            params["status"] = wanted
        # No total limit: a large range streams for as long as it takes, but silence is not waited
        # out forever.
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=60)
        http = self._session_http()
        try:
            async with http.get(
                self._base + "/api/payments/sessions/export",
                params=params,
                headers=self._auth(self._require_admin()),
                timeout=timeout,
            ) as response:
                if response.status >= 400:
                    body = await response.json(content_type=None)
                    raise _error_for(response.status, body)
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

    @staticmethod
    def _auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def _session_http(self) -> aiohttp.ClientSession:
        if self._closed:
            raise NetworkInterruption("The admin connection is closed.", code="closed")
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=self._timeout)
        return self._http

    async def _admin(
        self, method: str, path: str, model: type[M], *, json: Any = None, params: dict[str, str] | None = None
    ) -> M:
        return await self._call(method, path, model, json=json, params=params, token=self._require_admin())

    async def _call(
        self,
        method: str,
        path: str,
        model: type[M],
        *,
        token: str,
        json: Any = None,
        params: dict[str, str] | None = None,
    ) -> M:
        http = self._session_http()
        try:
            async with http.request(
                method, self._base + path, json=json, params=params, headers=self._auth(token)
            ) as response:
                body = await response.json(content_type=None) if response.content_length != 0 else None
                status = response.status
        except TimeoutError:
            raise TimeoutInterruption("The backend did not answer in time.", code="timeout") from None
        except aiohttp.ClientConnectionError as exc:
            raise NetworkInterruption(
                f"The backend cannot be reached ({type(exc).__name__}).", code="network"
            ) from None
        except (aiohttp.ClientError, ValueError):
            raise ProtocolError("The backend sent an unreadable answer.", code="protocol") from None
        log.debug("admin %s %s -> %d", method, path, status)
        if status >= 400:
            raise _error_for(status, body)
        try:
            return model.model_validate(body)
        except ModelError:
            raise ProtocolError(f"Unexpected answer from the backend to {method} {path}.") from None


def _session_path(session_id: str, action: str | None = None) -> str:
    path = f"/api/payments/session/{session_id}"
    return f"{path}/{action}" if action else path


def _error_for(status: int, body: Any) -> ApiError:
    data = body if isinstance(body, dict) else {}
    message = str(data.get("message") or f"The backend answered {status}.")
    code = str(data.get("code") or "error")
    if status in (400, 413):
        return ValidationError(message, code=code, http_status=status)
    if status in (401, 403):
        return AuthError(message, code=code, http_status=status)
    if status == 404:
        return NotFound(message, code=code, http_status=status)
    if status == 409:
        current = data.get("status")
        return Conflict(message, status=str(current) if current else None, code=code)
    if status == 429:
        return TooManyAttempts(message, code=code, http_status=status)
    if status >= 500:
        return ServerError(message, code=code, http_status=status)
    return ApiError(message, code=code, http_status=status)
