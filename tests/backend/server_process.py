"""The headless backend as a real child process, for tests that kill it or fuzz it over HTTP."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.backend.api import ADMIN_TOKEN, KIOSK_TOKEN

_READY = re.compile(rb"ready on (http://127\.0\.0\.1:\d+)")


@dataclass
class ServerProcess:
    """`python -m <module>` that logs "ready on http://127.0.0.1:PORT" once it serves."""

    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    args: list[str] = field(default_factory=list)
    module: str = "backend"
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    url: str = ""
    log_path: Path | None = None
    # SMARTCART_DATABASE_URL of the backend; None: kiosk.db in data_dir
    database_url: str | None = None

    def start(self, timeout: float = 30.0) -> str:
        # Only the settings given here: none inherited from the shell that runs the tests.
        env = {
            **{k: v for k, v in os.environ.items() if not k.upper().startswith("SMARTCART_")},
            "SMARTCART_DATA_DIR": str(self.data_dir),
            "SMARTCART_KIOSK_TOKEN": KIOSK_TOKEN,
            "SMARTCART_ADMIN_TOKEN": ADMIN_TOKEN,
            **({"SMARTCART_DATABASE_URL": self.database_url} if self.database_url else {}),
            **self.env,
        }
        self.log_path = self.data_dir / f"{self.module}-{time.monotonic_ns()}.log"
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module, "--port", str(self.port), *self.args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if match := _READY.search(self.log_path.read_bytes()):
                self.url = match.group(1).decode()
                return self.url
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"backend did not start:\n{self.log_path.read_text(errors='replace')}")

    def kill(self) -> None:
        """SIGKILL: no cleanup, no flush, nothing but what is already durable survives."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> int:
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""
