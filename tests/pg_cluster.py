"""A throwaway PostgreSQL server for the tests, and a fresh database on it for each test.

`PgCluster.start()` runs initdb into a new temporary directory, starts the server on a free
loopback port (its Unix socket in the same directory) and creates the `smartcart` database.
`create_database()` makes another empty database; `drop_database()` drops it even while
connections (say, of a server process a test killed) are still open. `stop()` stops the server
with `-m immediate` and deletes the directory.

initdb and postgres refuse to run as root (STACK.md): as root they run as the `postgres` user,
in a directory made with tempfile.mkdtemp and handed to that user (pytest's own temporary
directories are root-only). Nothing here must survive a crash, so the server runs with
fsync off: that makes CREATE DATABASE per test cheap. The backend under test is what the
tests kill, never this server.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tests.ports import free_port

if TYPE_CHECKING:  # imported when a test first needs the server: the desktop tests never do
    import psycopg

USER = "smartcart"
DATABASE = "smartcart"
_SERVICE_ACCOUNT = "postgres"
_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}


class PostgresMissing(RuntimeError):
    pass


def find_bindir() -> Path:
    """The directory of initdb and pg_ctl: on PATH, else Debian's newest /usr/lib/postgresql/N/bin."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    candidates = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "pg_ctl").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not candidates:
        raise PostgresMissing(
            "PostgreSQL is not installed (Debian: apt-get install postgresql); "
            'run only the SQLite half with -k "not postgresql"'
        )
    return candidates[-1]




class PgCluster:
    def __init__(self, bindir: Path, directory: Path) -> None:
        self.bindir = bindir
        self.directory = directory
        self.data = directory / "data"
        self.log = directory / "server.log"
        self.port = 0
        self.settings = dict(_SETTINGS)
        self._admin: psycopg.Connection[tuple[object, ...]] | None = None

    # ---- life cycle ---------------------------------------------------------------------------

    @classmethod
    def start(cls, *, durable: bool = False) -> PgCluster:
        """`durable`: fsync and synchronous commits on, as in production (bench/)."""
        bindir = find_bindir()
        directory = Path(tempfile.mkdtemp(prefix="smartcart-pg-"))
        cluster = cls(bindir, directory)
        if durable:
            cluster.settings = {**_SETTINGS, "fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
        try:
            if os.geteuid() == 0:
                shutil.chown(directory, _SERVICE_ACCOUNT, _SERVICE_ACCOUNT)
            cluster._run("initdb", "-D", str(cluster.data), "-A", "trust", "-U", USER,
                         "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
            cluster._start_server()
            cluster.admin().execute(f'CREATE DATABASE "{DATABASE}"')
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def _start_server(self, tries: int = 5) -> None:
        for _ in range(tries):
            self.port = free_port()  # another process may take it before the server does: retry
            options = " ".join(
                [f"-p {self.port}", f"-k {self.directory}", *(f"-c {k}={v}" for k, v in self.settings.items())]
            )
            started = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
                                "-w", "-t", "60", "start", check=False)
            if started.returncode == 0:
                return
        raise RuntimeError(f"PostgreSQL did not start:\n{self.server_log()}")

    def stop(self) -> None:
        """Stop the server at once (-m immediate) and delete its directory."""
        if self._admin is not None:
            with contextlib.suppress(Exception):
                self._admin.close()
            self._admin = None
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.directory, ignore_errors=True)

    # ---- databases ----------------------------------------------------------------------------

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        """One autocommit connection to the `postgres` database, for creating and dropping."""
        if self._admin is None or self._admin.closed:
            import psycopg

            self._admin = psycopg.connect(
                host="127.0.0.1", port=self.port, user=USER, dbname="postgres", autocommit=True
            )
        return self._admin

    def create_database(self) -> str:
        """A new empty database with a unique name."""
        name = f"test_{uuid.uuid4().hex[:20]}"
        self.admin().execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        """Drop it, ending whatever connections are still open on it."""
        self.admin().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    # ---- helpers ------------------------------------------------------------------------------

    def server_log(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else "(no server log)"

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command: Sequence[str] = [str(self.bindir / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", _SERVICE_ACCOUNT, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if check and done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        return done
