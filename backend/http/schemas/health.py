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
    payment_methods: list[str] = Field(
        description="the methods this kiosk offers: upi_qr, card_present, cash; typed card and upi in tester mode"
    )


class DatabaseHealthOut(ResponseModel):
    reachable: bool


class HealthOut(ResponseModel):
    """Liveness: the process answers. What it depends on is reported, never failed on."""

    status: Literal["ok"] = "ok"
    gateway: GatewayHealthOut
    database: DatabaseHealthOut
    offline_pending: int | None = Field(
        description="payments accepted offline, waiting to be forwarded; null when the database did not answer"
    )
    offline_enabled: bool
    tester: bool


class CheckOut(ResponseModel):
    name: Literal["database", "migrations", "gateway"]
    ok: bool
    code: str = Field(description='"ok", or why not: database_not_writable, migrations_behind, gateway_unreachable, …')
    message: str


class ReadyOut(ResponseModel):
    status: Literal["ready"] = "ready"
    checks: list[CheckOut]


class NotReadyOut(ResponseModel):
    """503: the first failing check's code and message, and every check's own answer."""

    code: str
    message: str
    checks: list[CheckOut]
