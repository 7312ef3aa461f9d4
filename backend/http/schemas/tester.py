"""Tester mode: the fault on the link to the gateway and its log."""

from __future__ import annotations

from backend.http.schemas.common import ResponseModel


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
