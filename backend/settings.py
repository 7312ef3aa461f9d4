"""Every tunable of the backend in one object, read from SMARTCART_* environment variables.

Durations are float seconds so tests can run the 30 s / 2 s / 15 min / 5 min defaults at a
fraction of a second without patching anything.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
from pathlib import Path
from typing import Annotated, Any, Literal

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from backend.shop.identity import ShopSettings

APP_NAME = "smartcart-desktop"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def _new_token() -> SecretStr:
    return SecretStr(secrets.token_urlsafe(32))


def _comma_list(value: Any) -> Any:
    """`a, b` as a list; a JSON list (`["a", "b"]`, how these were first given) still works."""
    if isinstance(value, str):
        if value.lstrip().startswith("["):
            return json.loads(value)
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


OfferedMethod = Literal["upi_qr", "card_present", "cash"]
_DEFAULT_METHODS: tuple[OfferedMethod, ...] = ("upi_qr", "card_present", "cash")

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class LogSettings(BaseSettings):
    """What logging needs, readable before the rest (the CLI sets logging up first)."""

    model_config = SettingsConfigDict(env_prefix="SMARTCART_", extra="ignore")

    log_format: Literal["text", "json"] = Field("text", description="json: one JSON object per line")
    access_log: bool = Field(False, description="log one line per HTTP request")


class Settings(LogSettings, ShopSettings):  # the shop's identity: backend/shop/identity.py
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
    # No PIN ships: unset, one is generated at the first start, shown once, and only its hash
    # kept, in admin_pin_file (backend/http/admin_pin.py).
    admin_pin: SecretStr | None = None
    admin_pin_file: Path | None = Field(
        None, description="hash of the generated admin PIN; default: admin_pin in data_dir. A fleet names one file."
    )
    # Counted fleet-wide, in the database: wrong PINs spread over several processes still lock.
    admin_pin_max_failures: int = Field(5, ge=1, description="wrong PINs in a row that lock the PIN check")
    admin_pin_lockout_s: float = Field(60.0, gt=0, description="how long the first lock lasts; each further one twice as long")
    admin_pin_lockout_max_s: float = Field(3600.0, gt=0, description="the longest a lock lasts")
    admin_pin_window_lockout_s: float = Field(
        60.0, gt=0, le=60, description="the longest a lock keeps out the kiosk's own window (it sends the admin token)"
    )
    max_body_bytes: int = 64 * 1024

    # The HTTP server itself (backend/http/server.py) and who may reach it (backend/http/exposure.py).
    http_keepalive_s: float = Field(
        15.0,
        gt=0,
        description="an idle connection is closed after this long; it is also the deadline for the next "
        "request line and headers to arrive in full (bytes trickling in do not extend it)",
    )
    http_body_timeout_s: float = Field(30.0, gt=0, description="a request body must arrive within this long")
    http_max_connections: int = Field(512, ge=1, description="open connections; further ones are answered 503")
    http_fd_headroom: int = Field(
        256, ge=0, description="descriptors kept free of connections (database, gateway, logs): lowers the cap"
    )
    http_accept_pause_s: float = Field(0.5, gt=0, description="accepting pauses this long when nothing can be shed")
    http_shed_log_period_s: float = Field(60.0, gt=0, description="refused connections are logged once a period")
    allow_remote: bool = Field(False, description="listen on a host other than loopback")
    allow_plain_http: bool = Field(False, description="beyond loopback without TLS: tokens travel in clear")
    allow_remote_tester: bool = Field(False, description="tester mode (fault injection) beyond loopback")
    tls_cert_file: Path | None = Field(None, description="PEM certificate chain; with tls_key_file: HTTPS")
    tls_key_file: Path | None = Field(None, description="PEM private key of tls_cert_file")

    gateway_timeout_s: float = Field(30.0, gt=0)
    max_attempts: int = Field(3, ge=1, le=10)
    retry_delay_s: float = Field(2.0, ge=0)
    session_ttl_s: float = Field(900.0, gt=0)
    cleanup_interval_s: float = Field(300.0, gt=0)
    retention_days: float = Field(90.0, gt=0)
    reconcile_min_s: float = Field(1.0, gt=0, description="first back-off of the reconciler")
    reconcile_max_s: float = Field(60.0, gt=0, description="longest back-off of the reconciler")
    reconcile_idle_s: float | None = Field(
        None,
        gt=0,
        description="how often the reconciler and the offline forwarder look for work while none is "
        "waiting (they are woken when the gateway comes back); default: reconcile_min_s",
    )
    health_probe_s: float = Field(10.0, gt=0, description="gateway probe period while reachable")
    instance_lease_s: float = Field(
        30.0, gt=0, description="a backend process counts as dead this long after its last heartbeat"
    )
    db_busy_timeout_s: float = Field(10.0, gt=0, description="SQLite: wait this long for another writer's lock")
    db_retry_tries: int = Field(8, ge=1, description="runs of a write batch that met a deadlock or a held lock")
    db_retry_backoff_s: float = Field(0.02, ge=0, description="first pause before such a batch runs again")
    stream_heartbeat_s: float = Field(
        15.0, gt=0, description="a session stream sends a comment this often so that proxies keep it open"
    )
    stream_listen_retry_s: float = Field(
        1.0, gt=0, description="PostgreSQL: pause before listening for other processes' changes again"
    )

    # Storage: a bounded WAL (SQLite), and how soon start-up work a full disk refused is tried again.
    db_wal_limit_bytes: int = Field(
        16 * 1024 * 1024, ge=0, description="SQLite: the WAL file is cut back to this size when it starts over"
    )
    db_wal_autocheckpoint_pages: int = Field(
        1000, ge=1, description="SQLite: a commit leaving the WAL this many pages long copies it into the database"
    )
    db_scrub_wait_s: float = Field(
        0.2, ge=0, description="SQLite: how long emptying the WAL of forwarded card data waits for readers"
    )
    storage_retry_s: float = Field(
        5.0, gt=0, description="how soon a start-up write that found the storage full is tried again"
    )

    # Payment providers (backend/providers/) and the ways this kiosk takes money.
    payment_provider: Literal["simulator", "razorpay"] = Field(
        "simulator",
        description="who takes the money: the bundled simulator (or a gateway speaking its API); razorpay: UPI QR "
        "codes through Razorpay, card terminal and typed payments still through the gateway",
    )
    razorpay_key_id: str = Field("", description="Razorpay API key id (rzp_test_… or rzp_live_…)")
    razorpay_key_secret: SecretStr = Field(SecretStr(""), description="Razorpay API key secret")
    razorpay_base_url: str = Field("https://api.razorpay.com", description="Razorpay's API; a test points it elsewhere")
    payment_methods: Annotated[list[OfferedMethod], NoDecode] = Field(
        default_factory=lambda: list(_DEFAULT_METHODS),
        description="comma list of the methods the kiosk offers; typed card and UPI id only in tester mode",
    )
    upi_payee_vpa: str = Field("smartcart.kiosk@okicici", pattern=r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+$")
    upi_payee_name: str = Field("SmartCart", min_length=1, max_length=50)
    upi_qr_ttl_s: float = Field(300.0, gt=0, description="how long a UPI QR may be paid before it is closed")
    terminal_id: str = Field("T1", pattern=r"^[A-Za-z0-9_-]{1,32}$", description="the card terminal of this kiosk")
    terminal_ttl_s: float = Field(120.0, gt=0, description="how long the terminal prompts for a card")
    provider_poll_s: float = Field(2.0, gt=0, description="how often a waiting QR or terminal payment is looked up")

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

    # Operating it behind a reverse proxy, and watching it (health, readiness, metrics).
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="comma list of host names (a port is ignored) the Host header may name besides this socket",
    )
    trusted_proxies: Annotated[list[IpNetwork], NoDecode] = Field(
        default_factory=list,
        description="comma list of proxy addresses or CIDRs whose X-Forwarded-*/Forwarded/X-Request-ID are believed",
    )
    metrics_token: SecretStr | None = Field(None, description="bearer token for /metrics besides the admin token")
    kiosk_token_cache_s: float = Field(
        5.0, gt=0, description="how long a kiosk token's kiosk is remembered: a revoked token is refused within this"
    )
    ready_timeout_s: float = Field(2.0, gt=0, description="longest a readiness check waits for one answer")
    metrics_timeout_s: float = Field(
        5.0, gt=0, description="longest /metrics waits for the database's counts (~0.3-0.9 s at 100,000 sessions)"
    )
    loop_lag_probe_s: float = Field(0.5, gt=0, description="how often the event loop's lag is sampled")

    # Offline-first kiosks that replicate to the fleet server (backend/sync/).
    sync_url: str | None = Field(
        None, description="the fleet server this kiosk replicates its sessions to; unset: no sync"
    )
    sync_token: SecretStr | None = Field(None, description="this kiosk's token on the fleet server (`kiosk add`)")
    sync_retry_s: float = Field(1.0, gt=0, description="first back-off after a failed sync")
    sync_retry_max_s: float = Field(60.0, gt=0, description="longest back-off between sync tries")
    sync_idle_s: float = Field(5.0, gt=0, description="how often an idle kiosk looks for anything left to sync")
    sync_batch: int = Field(50, ge=1, le=500, description="outbox rows per batch sent")
    sync_max_body_bytes: int = Field(
        48 * 1024, ge=4096, description="largest batch body sent: below the server's SMARTCART_MAX_BODY_BYTES"
    )
    sync_timeout_s: float = Field(30.0, gt=0, description="longest one batch may take to be answered")

    @field_validator("payment_methods", mode="before")
    @classmethod
    def _methods(cls, value: Any) -> Any:
        return _comma_list(value)

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _hosts(cls, value: Any) -> Any:
        return _comma_list(value)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> Any:
        value = _comma_list(value)
        # "10.0.0.1/8" means 10.0.0.0/8 rather than an error
        if isinstance(value, list):
            return [ipaddress.ip_network(v, strict=False) if isinstance(v, str) else v for v in value]
        return value

    @model_validator(mode="after")
    def _sync_needs_token(self) -> Settings:
        if self.sync_url is not None and self.sync_token is None:
            raise ValueError("SMARTCART_SYNC_URL needs SMARTCART_SYNC_TOKEN, this kiosk's token on the fleet server")
        return self

    def resolved_reconcile_idle_s(self) -> float:
        return self.reconcile_idle_s or self.reconcile_min_s

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'kiosk.db'}"

    def resolved_admin_pin_file(self) -> Path:
        return self.admin_pin_file or self.data_dir / "admin_pin"

    def resolved_offline_key_file(self) -> Path:
        return self.offline_key_file or self.data_dir / "offline.key"

    def resolved_gateway_database_url(self) -> str:
        return self.gateway_database_url or f"sqlite:///{self.data_dir / 'gateway.db'}"


def invalid_settings_message(exc: ValidationError) -> str:
    """A start-up refusal naming each bad setting as it is set (its environment variable)."""
    problems = []
    for error in exc.errors(include_url=False, include_input=False):
        name = str(error["loc"][0]) if error["loc"] else "settings"
        problems.append(f"SMARTCART_{name.upper()}: {error['msg'].removeprefix('Value error, ')}")
    return "invalid settings: " + "; ".join(problems)
