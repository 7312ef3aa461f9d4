"""The window's wire models against the OpenAPI document the backend serves: a field renamed
or dropped on one side, or a status the other side does not know, fails here and not on a
kiosk."""

from __future__ import annotations

import types
import typing
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from backend.app import create_app
from smartcart_contract.states import Reason, Status
from smartcart_desktop.admin import admin_models
from smartcart_desktop.api import models
from tests.backend.conftest import make_settings

SESSION = "/api/payments/session/{session_id}"

# Each model of the window, and the endpoint (method, path, status) whose answer it reads.
READS: list[tuple[type[BaseModel], str, str, str]] = [
    (models.ProductList, "get", "/api/products", "200"),
    (models.Order, "get", "/api/orders/{order_id}", "200"),
    (models.SessionCreated, "post", "/api/payments/session/create", "201"),
    (models.Session, "get", SESSION, "200"),
    (models.Session, "post", SESSION + "/cancel", "202"),
    (models.SessionList, "get", "/api/payments/sessions/unfinished", "200"),
    (models.SessionList, "get", "/api/payments/sessions/active", "200"),
    (models.Session, "post", SESSION + "/pay", "202"),
    (models.Session, "post", SESSION + "/resume", "202"),
    (models.Session, "get", SESSION + "/stream", "200"),  # each event's data
    (models.Summary, "get", SESSION + "/summary", "200"),
    (models.Validation, "post", "/api/payments/validate", "200"),
    (models.Health, "get", "/api/health", "200"),
    (models.BackendConfig, "get", "/api/config", "200"),
    (models.Faults, "get", "/api/dev/faults", "200"),
    (admin_models.Unlocked, "post", "/api/admin/unlock", "200"),
    (admin_models.Stats, "get", "/api/payments/stats", "200"),
    (admin_models.OfflinePayments, "get", "/api/payments/offline", "200"),
    (admin_models.ForwardResult, "post", "/api/payments/offline/forward", "200"),
    (models.Session, "post", SESSION + "/reconcile", "202"),
]


@pytest.fixture
async def document(aiohttp_client: Any, tmp_path: Path) -> dict[str, Any]:
    client = await aiohttp_client(create_app(make_settings(tmp_path)))
    reply = await client.get("/api/openapi.json")
    assert reply.status == 200
    return await reply.json()


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _variants(document: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The non-null alternatives of a property (`anyOf: [X, null]` is X)."""
    schema = _resolve(document, schema)
    options = schema.get("anyOf") or schema.get("oneOf") or [schema]
    return [_resolve(document, o) for o in options if o.get("type") != "null"]


def _inner(annotation: Any) -> list[Any]:
    """The non-None types an annotation allows, with list[X] as X."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return [t for a in typing.get_args(annotation) if a is not type(None) for t in _inner(a)]
    if origin is list:
        return _inner(typing.get_args(annotation)[0])
    return [annotation]


def mismatches(document: dict[str, Any], model: type[BaseModel], schema: dict[str, Any]) -> list[str]:
    schema = _resolve(document, schema)
    properties, required = schema.get("properties", {}), set(schema.get("required", []))
    problems = []
    for name, field in model.model_fields.items():
        wire = field.alias or name
        where = f"{model.__name__}.{wire}"
        if wire not in properties:
            problems.append(f"{where}: the backend does not send it")
            continue
        if field.is_required() and wire not in required:
            problems.append(f"{where}: the window needs it, the backend may leave it out")
        for kind in _inner(field.annotation):
            options = _variants(document, properties[wire])
            options = [o.get("items", o) for o in options]
            options = [_resolve(document, o) for o in options]
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                for option in options:
                    problems += mismatches(document, kind, option)
            elif isinstance(kind, type) and issubclass(kind, StrEnum):
                sent = {v for o in options for v in o.get("enum", [])}
                if sent != {m.value for m in kind}:
                    problems.append(f"{where}: the backend sends {sorted(sent)}")
    return problems


@pytest.mark.parametrize(("model", "method", "path", "status"), READS, ids=lambda v: getattr(v, "__name__", v))
async def test_the_window_reads_what_the_backend_answers(
    document: dict[str, Any], model: type[BaseModel], method: str, path: str, status: str
) -> None:
    operation = document["paths"][path][method]
    ((media_type, content),) = operation["responses"][status]["content"].items()
    schema = content["schema"]
    if media_type == "text/event-stream":  # each event's data is the JSON
        schema = schema["properties"]["data"]["contentSchema"]
    assert mismatches(document, model, schema) == []


def test_the_stream_is_an_event_stream(document: dict[str, Any]) -> None:
    assert list(document["paths"][SESSION + "/stream"]["get"]["responses"]["200"]["content"]) == [
        "text/event-stream"
    ]


def test_both_sides_know_the_same_states(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    session = schemas["SessionOut"]["properties"]
    assert set(_resolve(document, session["status"])["enum"]) == {s.value for s in Status}
    reasons = _variants(document, session["lastInterruptionReason"])
    assert {v for r in reasons for v in r["enum"]} == {r.value for r in Reason}


def test_a_renamed_field_is_caught(document: dict[str, Any]) -> None:
    """The check itself: a window model expecting a field the backend does not send fails."""

    class Renamed(models.Wire):
        session_id: str
        attempt_count: int

    schema = document["paths"][SESSION]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert mismatches(document, Renamed, schema) == ["Renamed.attemptCount: the backend does not send it"]
