"""How a simulator is started (frozen) and the knobs tests turn while it runs (mutable)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GatewaySimConfig:
    database_url: str
    delay_s: float = 0.2
    slow_delay_s: float = 5.0


@dataclass
class SimControls:
    """Per-app processing delays; PUT /v1/_sim/config changes them without a restart."""

    delay_s: float
    slow_delay_s: float

    @classmethod
    def from_config(cls, config: GatewaySimConfig) -> SimControls:
        return cls(delay_s=config.delay_s, slow_delay_s=config.slow_delay_s)

    def delay_for(self, *, slow: bool) -> float:
        return self.slow_delay_s if slow else self.delay_s

    def to_json(self) -> dict[str, int]:
        return {
            "delayMs": round(self.delay_s * 1000),
            "slowDelayMs": round(self.slow_delay_s * 1000),
        }
