"""Tester mode: the fault on the link to the gateway and its log."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from backend.http.schemas.common import RequestModel, ResponseModel


class FaultHitOut(ResponseModel):
    at: str
    mode: str
    method: str
    path: str
    session_id: str | None


class FaultsOut(ResponseModel):
    mode: str
    rate: float
    latency_ms: int
    log: list[FaultHitOut]


class CustomerActionIn(RequestModel):
    """What the simulated customer does at the QR or terminal the session waits on."""

    action: Literal["pay", "decline", "walk_away", "pay_after_close"] = Field(
        description="pay_after_close: the customer's payment lands at the provider just after it is closed "
        "(by a cancel or the expiry); the backend refunds it"
    )
