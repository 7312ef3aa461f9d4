"""Every tunable of the backend in one object, read from SMARTCART_* environment variables.

Durations are float seconds so tests can run the 30 s / 2 s / 15 min / 5 min defaults at a
fraction of a second without patching anything.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import platformdirs
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

APP_NAME = "smartcart-desktop"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def _new_token() -> SecretStr:
    return SecretStr(secrets.token_urlsafe(32))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SMARTCART_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(0, ge=0, le=65535, description="0 picks a free port")
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = Field(None, description="SQLAlchemy URL; default: kiosk.db in data_dir")
    gateway_url: str | None = Field(None, description="None starts the bundled simulator in-process")
    gateway_database_url: str | None = Field(None, description="ledger of the in-process simulator")
    gateway_delay_s: float = Field(0.2, ge=0, description="processing delay of the in-process simulator")
    tester: bool = False

    # A token that is not configured is generated per launch; tokens_generated tells the CLI to print it.
    kiosk_token: SecretStr = Field(default_factory=_new_token)
    admin_token: SecretStr = Field(default_factory=_new_token)
    admin_pin: SecretStr = SecretStr("2468")
    # Counted fleet-wide, in the database: wrong PINs spread over several processes still lock.
    admin_pin_max_failures: int = Field(5, ge=1, description="wrong PINs in a row that lock the PIN check")
    admin_pin_lockout_s: float = Field(60.0, gt=0, description="how long the PIN check stays locked")
    allowed_hosts: list[str] = Field(default_factory=list, description="extra Host header values accepted")
    max_body_bytes: int = 64 * 1024

    gateway_timeout_s: float = Field(30.0, gt=0)
    max_attempts: int = Field(3, ge=1, le=10)
    retry_delay_s: float = Field(2.0, ge=0)
    session_ttl_s: float = Field(900.0, gt=0)
    cleanup_interval_s: float = Field(300.0, gt=0)
    retention_days: float = Field(90.0, gt=0)
    reconcile_min_s: float = Field(1.0, gt=0, description="first back-off of the reconciler")
    reconcile_max_s: float = Field(60.0, gt=0, description="longest back-off of the reconciler")
    health_probe_s: float = Field(10.0, gt=0, description="gateway probe period while reachable")
    instance_lease_s: float = Field(
        30.0, gt=0, description="a backend process counts as dead this long after its last heartbeat"
    )
    db_busy_timeout_s: float = Field(10.0, gt=0, description="SQLite: wait this long for another writer's lock")
    db_retry_tries: int = Field(8, ge=1, description="runs of a write batch that met a deadlock or a held lock")
    db_retry_backoff_s: float = Field(0.02, ge=0, description="first pause before such a batch runs again")

    # Store-and-forward: card and UPI payments accepted while the gateway is unreachable.
    offline_enabled: bool = False
    offline_max_payment_minor: int = Field(500_000, ge=0)
    offline_max_total_minor: int = Field(5_000_000, ge=0)
    offline_max_count: int = Field(50, ge=0)
    offline_max_age_s: float = Field(86_400.0, gt=0)
    offline_key_file: Path | None = Field(
        None,
        description="Fernet key sealing offline payments; default: offline.key in data_dir. Every process "
        "of a fleet must name the same key, or one cannot forward what another accepted.",
    )

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'kiosk.db'}"

    def resolved_offline_key_file(self) -> Path:
        return self.offline_key_file or self.data_dir / "offline.key"

    def resolved_gateway_database_url(self) -> str:
        return self.gateway_database_url or f"sqlite:///{self.data_dir / 'gateway.db'}"
