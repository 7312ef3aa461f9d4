"""HTTP to the backend: one aiohttp session, and the backend's answers turned into typed
results or typed errors. The kiosk's ApiClient and the admin panel's AdminApi each own one,
each with its own token."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
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
        headers: dict[str, str] | None = None,
    ) -> M:
        """Send one request; the answer as `model`, or the matching ApiError.

        Bodies may hold card details: only method, path and status are ever logged.
        """
        try:
            async with self.session().request(
                method, self.base_url + path, json=json, params=params, headers={**bearer(token), **(headers or {})}
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


    async def events(
        self,
        path: str,
        model: type[M],
        *,
        token: str,
        last_event_id: str | None = None,
        idle_s: float,
    ) -> AsyncGenerator[tuple[str, M], None]:
        """Follow a text/event-stream: (id, data as `model`) per event, until the backend ends it.

        `idle_s`: longest silence (events or heartbeats) before the stream counts as broken.
        Failing to open it raises the ApiError of the answer; losing it, NetworkInterruption.
        """
        headers = {**bearer(token), "Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self._timeout.total, sock_read=idle_s)
        try:
            async with self.session().get(self.base_url + path, headers=headers, timeout=timeout) as response:
                if response.status >= 400:
                    raise error_for(response.status, await _json_or_none(response))
                if response.content_type != "text/event-stream":
                    raise ProtocolError(f"The backend does not stream {path}.", code="protocol")
                log.debug("%s stream %s opened", self._name, path)
                event_id, data = "", b""
                async for line in response.content:
                    line = line.rstrip(b"\r\n")
                    if line.startswith(b"id:"):
                        event_id = line[3:].strip().decode()
                    elif line.startswith(b"data:"):
                        data = line[5:].strip()
                    elif not line and data:
                        yield event_id, model.model_validate_json(data)
                        data = b""
        except TimeoutError:
            raise NetworkInterruption("The backend's stream went silent.", code="timeout") from None
        except aiohttp.ClientConnectionError as exc:
            raise NetworkInterruption(
                f"The backend's stream broke ({type(exc).__name__}).", code="network"
            ) from None
        except (aiohttp.ClientError, ValueError, ModelError):
            raise ProtocolError("The backend sent an unreadable event.", code="protocol") from None


async def _json_or_none(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except ValueError:
        return None


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
