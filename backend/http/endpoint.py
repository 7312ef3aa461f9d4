"""Declaring an API endpoint once: who may call it, what it accepts, what it answers.

The caller is checked (backend/http/access.py) and the body and query are parsed and validated
here, and the OpenAPI document is generated from the same declarations.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from backend.errors import InvalidInput, NotFound, PayloadTooLarge
from backend.http import access
from backend.http.access import Role
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
            access.check(request, role)
            kwargs: dict[str, Any] = {}
            if body is not None:
                kwargs["body"] = await read_body(request, body, required=body_required)
            if query is not None:
                kwargs["query"] = parse_model(query, dict(request.query), strict=False)
            return await handler(request, **kwargs)

        parsed.endpoint = spec  # type: ignore[attr-defined]
        return parsed

    return wrap


async def read_body(request: web.Request, model: type[M], *, required: bool = True) -> M:
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise PayloadTooLarge(
            f"The request body is larger than {request.client_max_size} bytes."
        ) from None
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
        raise InvalidInput(describe_errors(exc), code=_code_of(exc)) from None


def _code_of(exc: ValidationError) -> str:
    return "malformed_json" if any(e["type"] == "json_invalid" for e in exc.errors()) else "invalid_input"


def describe_errors(exc: ValidationError) -> str:
    """A readable message that never repeats the rejected input (it may be a card number)."""
    parts = []
    for error in exc.errors(include_input=False, include_url=False):
        if error["type"] == "json_invalid":
            return "The request body is not valid JSON."
        # A tagged union repeats its tag in the location ("card.card.expiry"): say it once.
        parts_of_loc = [str(p) for i, p in enumerate(error["loc"]) if i == 0 or p != error["loc"][i - 1]]
        where = ".".join(parts_of_loc) or "body"
        message = error["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}")
    return "; ".join(parts) or "Invalid request."


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
