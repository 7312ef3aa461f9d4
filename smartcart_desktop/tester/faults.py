"""The simulated network faults a tester can switch (DESIGN.md §7), and how they read."""

from __future__ import annotations

from dataclasses import dataclass

from smartcart_desktop.api.models import Faults

FAULT_MODES = ("none", "offline", "latency", "timeout", "flaky", "http_error", "reply_lost")

# The panel's name for each mode, and what it does to the requests from the backend to the gateway.
FAULT_NAMES = {
    "none": "None",
    "offline": "Offline",
    "latency": "Latency",
    "timeout": "Timeout",
    "flaky": "Flaky",
    "http_error": "HTTP error",
    "reply_lost": "Reply lost",
}
FAULT_HINTS = {
    "none": "the link works",
    "offline": "connections refused (not logged)",
    "latency": "answers arrive late",
    "timeout": "the gateway never answers",
    "flaky": "connections reset",
    "http_error": "the gateway answers 503",
    "reply_lost": "charged, reply dropped",
}

# The links a fault can be put on, as the panel names them.
LINKS = {"gateway": "backend → gateway", "server": "kiosk → fleet server"}

WITH_RATE = frozenset({"flaky", "reply_lost"})  # a fraction of the requests is hit
WITH_LATENCY = frozenset({"latency"})


@dataclass(frozen=True, slots=True)
class FaultSetting:
    """What `PUT /api/dev/faults` (or `/api/dev/faults/server`) is asked to apply."""

    mode: str
    rate: float = 1.0  # 0..1, for flaky and reply_lost
    latency_ms: int = 0  # for latency
    link: str = "gateway"  # or "server": the kiosk → fleet server link

    def __post_init__(self) -> None:
        if self.mode not in FAULT_MODES:
            raise ValueError(f"unknown fault mode {self.mode!r}")
        if self.link not in LINKS:
            raise ValueError(f"unknown link {self.link!r}")


def describe(mode: str, rate: float = 1.0, latency_ms: int = 0) -> str:
    """Short text for the status bar: "offline", "latency +1500 ms", "flaky 50%"."""
    if mode in WITH_LATENCY:
        return f"{mode} +{latency_ms} ms"
    if mode in WITH_RATE:
        return f"{mode} {round(rate * 100)}%"
    return mode


def describe_faults(faults: Faults) -> str:
    return describe(faults.mode, faults.rate, faults.latency_ms)
