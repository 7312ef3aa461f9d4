"""schemathesis fuzzes the real headless server over HTTP from its own OpenAPI document."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.backend.api import ADMIN_TOKEN
from tests.backend.server_process import ServerProcess


@pytest.mark.slow
def test_fuzzing_finds_no_server_error_and_no_undocumented_response(tmp_path: Path, database_url: str) -> None:
    server = ServerProcess(tmp_path, args=["--tester"], database_url=database_url)
    url = server.start()
    try:
        run = subprocess.run(
            [
                str(Path(sys.executable).with_name("schemathesis")),
                "run",
                f"{url}/api/openapi.json",
                "--url", url,
                "--header", f"Authorization: Bearer {ADMIN_TOKEN}",
                "--checks", "all",
                # A schema-valid card can still fail Luhn or be expired: JSON Schema cannot say so.
                "--exclude-checks", "positive_data_acceptance",
                # The recovery drill kills the server it is asked on.
                "--exclude-path", "/api/dev/crash",
                "--max-examples", "40",
                "--seed", "20261126",
                "--generation-database", "none",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        exit_code = server.stop()
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    # aiohttp's own parser logs the null-byte header probe; our handlers must never fail.
    assert "unhandled error" not in server.log(), server.log()[-4000:]
    assert exit_code == 0
