"""How the window reaches its backend: a URL and the tokens for it, nothing of the backend itself
(the window reads this before the backend is loaded, or with no backend in the process at all)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from smartcart_desktop.app.options import LaunchOptions

KIOSK_TOKEN_ENV = "SMARTCART_KIOSK_TOKEN"
ADMIN_TOKEN_ENV = "SMARTCART_ADMIN_TOKEN"


class StartupError(Exception):
    """The kiosk cannot start; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class BackendLink:
    """How to talk to the backend. Tokens live only in this process's memory."""

    url: str
    kiosk_token: str = ""
    admin_token: str | None = None
    # What the countdown starts with; the flow replaces it by the backend's GET /api/config.
    gateway_timeout_s: float = 30.0

    def __repr__(self) -> str:  # keep the tokens out of logs and tracebacks
        return f"BackendLink(url={self.url!r}, gateway_timeout_s={self.gateway_timeout_s})"


def remote_link(options: LaunchOptions) -> BackendLink:
    """A headless backend named by --backend-url; its tokens come from the environment."""
    assert options.backend_url
    token = os.environ.get(KIOSK_TOKEN_ENV, "")
    if not token:
        raise StartupError(f"--backend-url needs the kiosk token in {KIOSK_TOKEN_ENV}.")
    return BackendLink(
        url=options.backend_url.rstrip("/"),
        kiosk_token=token,
        admin_token=os.environ.get(ADMIN_TOKEN_ENV) or None,
        gateway_timeout_s=options.gateway_timeout_s,
    )
