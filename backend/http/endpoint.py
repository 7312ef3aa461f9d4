"""Declaring an API endpoint once: who may call it, what it accepts, what it answers.

The caller is checked (backend/http/access.py) and the body and query are parsed and validated
here, and the OpenAPI document is generated from the same declarations.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import http_exceptions, web
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from backend.app_keys import SETTINGS
from backend.errors import BodyTimeout, InvalidInput, NotFound, PayloadTooLarge, UnreadableBody
from backend.http import access
from backend.http.access import Role
from backend.http.parser_errors import malformed_http
from smartcart_contract import limits


@dataclass(frozen=True)
class Endpoint:
    role: Role
    summary: str
    responses: dict[int, type[BaseModel] | None]
    body: type[BaseModel] | None = None
    body_required: bool = True
    query: type[BaseModel] | None = None
    content_types: dict[int, str] = field(default_factory=dict)
    # Statuses the handler itself may answer besides the generic auth/validation ones.
    errors: tuple[int, ...] = ()


Handler = Callable[..., Awaitable[web.StreamResponse]]
M = TypeVar("M", bound=BaseModel)



def endpoint(
    *,
    role: Role,
    summary: str,
    responses: dict[int, type[BaseModel] | None],
    body: type[BaseModel] | None = None,
    body_required: bool = True,
    query: type[BaseModel] | None = None,
    errors: tuple[int, ...] = (),
    content_types: dict[int, str] | None = None,
) -> Callable[[Handler], Handler]:
    """`body_required=False`: an empty body is read as `{}`."""
    spec = Endpoint(
        role=role,
        summary=summary,
        responses=responses,
        body=body,
        body_required=body_required,
        query=query,
        errors=errors,
        content_types=content_types or {},
    )

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def parsed(request: web.Request) -> web.StreamResponse:
            # The common case (a configured token, a body that came with the headers) is checked
            # and read without a coroutine for each step: on the loop, a session create spends
            # about 40 % of its time in the routes' own code.
            if not access.check_without_look_up(request, role):
                await access.check_registered(request, role)
            kwargs: dict[str, Any] = {}
            if body is not None:
                raw = body_if_complete(request)
                if raw is None:
                    raw = await read_body_slowly(request)
                kwargs["body"] = parse_body(body, raw, required=body_required)
            if query is not None:
                kwargs["query"] = parse_model(query, dict(request.query), strict=False)
            return await handler(request, **kwargs)

        parsed.endpoint = spec  # type: ignore[attr-defined]
        return parsed

    return wrap


def body_if_complete(request: web.Request) -> bytes | None:
    """The body, if all of it came with the headers (as a small body does); None otherwise.
    Nothing to wait for then, so no timer to arm and cancel, and no read loop to step through."""
    if not request.content.is_eof():
        return None
    try:
        raw = request.content.read_nowait()
    except (web.RequestPayloadError, http_exceptions.HttpProcessingError) as exc:
        raise _unreadable(exc) from None
    if request.client_max_size and len(raw) > request.client_max_size:
        raise _too_large(request)
    return raw


async def read_body_slowly(request: web.Request) -> bytes:
    """The body of a request whose body is still arriving, within the body timeout."""
    timeout_s = request.app[SETTINGS].http_body_timeout_s
    try:
        # A body trickling in would otherwise hold its connection (and descriptor) for ever.
        async with asyncio.timeout(timeout_s):
            return await request.read()
    except TimeoutError:
        raise BodyTimeout(f"The request body did not arrive within {timeout_s:g} s.") from None
    except (web.RequestPayloadError, http_exceptions.HttpProcessingError) as exc:
        raise _unreadable(exc) from None
    except web.HTTPRequestEntityTooLarge:
        raise _too_large(request) from None


def _unreadable(exc: Exception) -> UnreadableBody:
    # Content-Encoding: gzip over bytes that are not gzip fails inside the read (either kind).
    code, message = malformed_http(exc.__cause__ or exc)
    return UnreadableBody(message, code=code)


def _too_large(request: web.Request) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is larger than {request.client_max_size} bytes.")


def parse_body(model: type[M], raw: bytes, *, required: bool = True) -> M:
    if not raw:
        if required:
            raise InvalidInput("A JSON request body is required.", code="body_required")
        raw = b"{}"
    return parse_model(model, raw, strict=True)


def parse_model(model: type[M], data: bytes | dict[str, Any], *, strict: bool) -> M:
    try:
        if isinstance(data, bytes):
            return model.model_validate_json(data, strict=strict)
        return model.model_validate(data, strict=strict)
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False, include_context=False)
        code = "malformed_json" if any(e["type"] == "json_invalid" for e in errors) else "invalid_input"
        raise InvalidInput(describe_errors(errors), code=code) from None


# The reply stays small whatever the body: 64 KiB of unknown keys is thousands of errors,
# and each location names a key the client sent.
MAX_REPORTED_ERRORS = 10
_MAX_LOCATION_PART = 40
_MAX_MESSAGE = 200


def describe_errors(errors: Sequence[ErrorDetails]) -> str:
    """A readable message that never repeats the rejected input (it may be a card number)."""
    parts = []
    for error in errors[:MAX_REPORTED_ERRORS]:
        if error["type"] == "json_invalid":
            return "The request body is not valid JSON."
        # A tagged union repeats its tag in the location ("card.card.expiry"): say it once.
        parts_of_loc = [_clip(str(p), _MAX_LOCATION_PART) for i, p in enumerate(error["loc"])
                        if i == 0 or p != error["loc"][i - 1]]
        where = ".".join(parts_of_loc) or "body"
        message = _clip(error["msg"].removeprefix("Value error, "), _MAX_MESSAGE)
        parts.append(f"{where}: {message}")
    if len(errors) > MAX_REPORTED_ERRORS:
        parts.append(f"and {len(errors) - MAX_REPORTED_ERRORS} more errors")
    return "; ".join(parts) or "Invalid request."


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_JSON_HEADERS = {"Content-Type": "application/json"}


def json_response(model: BaseModel, status: int = 200) -> web.Response:
    # Bytes, not str: aiohttp wraps a str body in a payload object that costs ~10 µs more
    # per response, a few percent of what a session create costs the event loop.
    return web.Response(
        body=model.__pydantic_serializer__.to_json(model, by_alias=True),
        status=status,
        headers=_JSON_HEADERS,
    )


def session_id_param(request: web.Request) -> str:
    session_id = request.match_info["session_id"]
    if not limits.is_session_id(session_id):
        raise NotFound("No payment session with this id.", code="session_not_found")
    return session_id


def int_param(request: web.Request, name: str, what: str) -> int:
    raw = request.match_info[name]
    if not raw.isdigit() or len(raw) > 18:
        raise NotFound(f"No {what} with this id.", code=f"{what}_not_found")
    return int(raw)
