"""Health and the configuration a window reads from the backend it talks to."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    Field,
)

from backend.http.schemas.common import ResponseModel


class GatewayHealthOut(ResponseModel):
    reachable: bool | None


class ConfigOut(ResponseModel):
    """What a window needs to know about the backend it talks to (it may be remote)."""

    gateway_timeout_s: float
    max_attempts: int
    retry_delay_s: float
    session_ttl_s: float
    currency: str
    offline_enabled: bool
    tester: bool


class HealthOut(ResponseModel):
    status: Literal["ok"] = "ok"
    gateway: GatewayHealthOut
    offline_pending: int = Field(description="payments accepted offline, waiting to be forwarded")
    offline_enabled: bool
    tester: bool
