"""The embedded backend's address and tokens, fixed before the backend is even imported.

The window is drawn while the backend still starts (importing it alone takes half a
second). Binding its listening socket first gives the window a URL at once, and whatever the
window asks before the backend serves waits in that socket's backlog instead of failing with
"connection refused": a tap on Checkout during start-up simply goes on once the backend is up.
"""

from __future__ import annotations

import secrets
import socket
from dataclasses import dataclass, field

from smartcart_desktop.app.backend_link import BackendLink

_HOST = "127.0.0.1"  # the embedded server is never reachable from another machine
_BACKLOG = 128


@dataclass(frozen=True, slots=True)
class EmbeddedAddress:
    sock: socket.socket = field(repr=False)
    link: BackendLink

    def close(self) -> None:
        """Only for a socket the backend never took over (it closes its own)."""
        self.sock.close()


def reserve_embedded_address(gateway_timeout_s: float) -> EmbeddedAddress:
    sock = socket.create_server((_HOST, 0), backlog=_BACKLOG)
    sock.setblocking(False)
    host, port = sock.getsockname()[:2]
    link = BackendLink(
        url=f"http://{host}:{port}",
        kiosk_token=secrets.token_urlsafe(32),
        admin_token=secrets.token_urlsafe(32),
        gateway_timeout_s=gateway_timeout_s,
    )
    return EmbeddedAddress(sock=sock, link=link)
