"""The OpenAPI 3.1 document, generated from the routes' `@endpoint` declarations and their
pydantic models, so what is documented is what is validated."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from backend.http.access import Role
from backend.http.endpoint import Endpoint
from backend.http.schemas.common import ErrorBody

_REF = "#/components/schemas/{model}"
_PATH_PARAMS = {
    "session_id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
    "order_id": {"type": "integer", "minimum": 1},
}
_ERROR_TEXT = {
    400: "Invalid input (body, query or Host header)",
    401: "Missing or wrong bearer token",
    403: "The token's role may not do this",
    404: "Unknown id",
    409: "The state machine forbids this move; `status` holds the current state",
    413: "Request body too large",
    422: "This Idempotency-Key was used with a different request",
    429: "Too many wrong attempts; try again later",
}


def _endpoints(app: web.Application) -> list[tuple[str, str, Endpoint]]:
    found = []
    for route in app.router.routes():
        spec: Endpoint | None = getattr(route.handler, "endpoint", None)
        if spec is None or route.method == "HEAD" or route.resource is None:
            continue
        found.append((route.resource.canonical, route.method.lower(), spec))
    return found


def openapi_document(app: web.Application) -> dict[str, Any]:
    endpoints = _endpoints(app)
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorBody, "serialization")]
    for _, _, spec in endpoints:
        if spec.body is not None:
            models.append((spec.body, "validation"))
        models += [(m, "serialization") for m in spec.responses.values() if m is not None]
    keyed, top = models_json_schema(list(dict.fromkeys(models)), ref_template=_REF)

    paths: dict[str, dict[str, Any]] = {}
    for path, method, spec in endpoints:
        paths.setdefault(path, {})[method] = _operation(path, spec, keyed)
    return {
        "openapi": "3.1.0",
        "info": {"title": "SmartCart Desktop backend", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": top.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _operation(path: str, spec: Endpoint, keyed: dict[Any, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": spec.summary, "responses": {}}
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": _PATH_PARAMS.get(name, {"type": "string"})}
        for name in re.findall(r"{(\w+)}", path)
    ]
    if spec.query is not None:
        parameters += _query_parameters(spec.query)
    if parameters:
        operation["parameters"] = parameters
    if spec.body is not None:
        operation["requestBody"] = {
            "required": spec.body_required,
            "content": {"application/json": {"schema": keyed[(spec.body, "validation")]}},
        }
    for status, model in spec.responses.items():
        # Several types, comma-separated, when a parameter chooses among them (an export's format).
        content_types = spec.content_types.get(status, "application/json").split(",")
        schema = keyed[(model, "serialization")] if model is not None else {}
        if content_types == ["text/event-stream"]:
            schema = _event_schema(schema)
        operation["responses"][str(status)] = {
            "description": "Success",
            "content": {content_type.strip(): {"schema": schema} for content_type in content_types},
        }
    error_schema = keyed[(ErrorBody, "serialization")]
    for status in _error_statuses(spec):
        operation["responses"][str(status)] = {
            "description": _ERROR_TEXT[status],
            "content": {"application/json": {"schema": error_schema}},
        }
    if spec.role is not Role.PUBLIC:
        operation["security"] = [{"bearer": []}]
    return operation


def _event_schema(data: dict[str, Any]) -> dict[str, Any]:
    """One server-sent event whose data is `data` as JSON (OpenAPI 3.1: `schema` of an event
    stream describes each event)."""
    return {
        "type": "object",
        "required": ["data"],
        "properties": {
            "id": {"type": "string"},
            "event": {"type": "string"},
            "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": data},
        },
    }


def _error_statuses(spec: Endpoint) -> list[int]:
    statuses = {400, *spec.errors}
    if spec.role is not Role.PUBLIC:
        statuses.add(401)
    if spec.role is Role.ADMIN:
        statuses.add(403)
    if spec.body is not None:
        statuses.add(413)
    return sorted(statuses)


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=_REF)
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": field_schema}
        for name, field_schema in schema.get("properties", {}).items()
    ]
