"""Fault-injection settings and the record of each fault applied (DESIGN §7)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from backend.http.schemas.fields import JsonInt

# Ten minutes: longer than any client timeout, short enough that a typo cannot wedge a kiosk for hours.
MAX_LATENCY_MS = 600_000


class FaultMode(StrEnum):
    NONE = "none"
    OFFLINE = "offline"
    LATENCY = "latency"
    TIMEOUT = "timeout"
    FLAKY = "flaky"
    HTTP_ERROR = "http_error"
    REPLY_LOST = "reply_lost"


class _CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


class FaultConfig(_CamelModel):
    """What the proxy does to the requests it relays.

    `rate` is the fraction of requests a fault hits; the rest pass through untouched.
    It is ignored for `offline`: refusal happens in the kernel at connect time, before any
    request exists to draw for, so offline always refuses every connection.
    """

    mode: FaultMode = FaultMode.NONE
    rate: float = Field(default=1.0, ge=0.0, le=1.0)
    latency_ms: JsonInt = Field(default=0, ge=0, le=MAX_LATENCY_MS)


class FaultRecord(_CamelModel):
    """One request a fault hit. Offline refusals are never recorded: the proxy never sees them."""

    at_ms: int
    mode: FaultMode
    method: str
    path: str
    idempotency_key: str | None
