"""HTTP to the backend: one aiohttp session, and the backend's answers turned into typed
results or typed errors. The kiosk's ApiClient and the admin panel's AdminApi each own one,
each with its own token."""

from __future__ import annotations

import logging
from typing import Any, TypeVar

import aiohttp
from pydantic import BaseModel
from pydantic import ValidationError as ModelError

from smartcart_desktop.api.errors import (
    ApiError,
    AuthError,
    Conflict,
    NetworkInterruption,
    NotFound,
    ProtocolError,
    ServerError,
    TimeoutInterruption,
    TooManyAttempts,
    ValidationError,
)

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


class BackendHttp:
    def __init__(self, base_url: str, *, timeout_s: float = 10.0, name: str = "backend") -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._name = name
        self._http: aiohttp.ClientSession | None = None
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed and self._http is None

    def session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise NetworkInterruption(f"The {self._name} connection is closed.", code="closed")
        if self._http is None:
            # Created on first use so that it is born inside the running loop.
            self._http = aiohttp.ClientSession(timeout=self._timeout)
        return self._http

    async def close(self) -> None:
        self._closed = True
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def call(
        self,
        method: str,
        path: str,
        model: type[M],
        *,
        token: str,
        json: Any = None,
        params: dict[str, str] | None = None,
    ) -> M:
        """Send one request; the answer as `model`, or the matching ApiError.

        Bodies may hold card details: only method, path and status are ever logged.
        """
        try:
            async with self.session().request(
                method, self.base_url + path, json=json, params=params, headers=bearer(token)
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
        log.debug("%s %s %s -> %d", self._name, method, path, status)
        if status >= 400:
            raise error_for(status, body)
        try:
            return model.model_validate(body)
        except ModelError:
            raise ProtocolError(f"Unexpected answer from the backend to {method} {path}.") from None


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def session_path(session_id: str, action: str | None = None) -> str:
    path = f"/api/payments/session/{session_id}"
    return f"{path}/{action}" if action else path


def error_for(status: int, body: Any) -> ApiError:
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
