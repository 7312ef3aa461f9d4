"""A free TCP port for a test server to listen on, also after a restart.

A port from the kernel's ephemeral range (what binding port 0 hands out) can be taken, while a
killed server is down, as the local port of any outgoing connection (to PostgreSQL, to the
simulator), and the restart then fails with EADDRINUSE. Ports below that range are never handed
to outgoing connections, so one found free there stays the server's to rebind.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def free_port() -> int:
    try:
        ephemeral_low = int(_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral_low = 32768
    for _ in range(50):
        port = random.randrange(10_000, max(10_001, ephemeral_low))
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:  # everything tried was in use: any free one will do
        sock.bind(("127.0.0.1", 0))
        found: int = sock.getsockname()[1]
        return found
