"""Admin unlock, operator actions and statistics."""

from __future__ import annotations

from pydantic import (
    Field,
)

from backend.http.schemas.common import RequestModel, ResponseModel
from smartcart_contract import limits


class UnlockIn(RequestModel):
    pin: str = Field(min_length=limits.PIN_MIN, max_length=limits.PIN_MAX, pattern=r"^[0-9]+$")


class UnlockOut(ResponseModel):
    admin_token: str


class OperatorActionIn(RequestModel):
    reason: str = Field(
        min_length=limits.OPERATOR_REASON_MIN,
        max_length=limits.OPERATOR_REASON_MAX,
        description="recorded in the session history",
    )


class TotalOut(ResponseModel):
    key: str | None
    currency: str
    sessions: int
    amount_minor: int


class ReasonCountOut(ResponseModel):
    reason: str | None
    interruptions: int
    sessions: int


class StatsOut(ResponseModel):
    sessions: int
    interruptions: int
    by_status: list[TotalOut]
    by_method: list[TotalOut]
    by_reason: list[ReasonCountOut]
