"""An app a test started is gone once the test has closed it: kept alive, a thousand of them made
each full collection stop the loop for over a second and expire the tests' one-second gateway
timeout (tests/conftest.py)."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from backend.app import create_app
from tests.backend.api import KIOSK_TOKEN
from tests.backend.conftest import make_settings
from tests.conftest import forget_finished_apps


async def test_a_closed_app_that_served_requests_is_collected(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    client = TestClient(TestServer(app))
    await client.start_server()
    reply = await client.get("/api/config", headers={"Authorization": f"Bearer {KIOSK_TOKEN}"})
    assert reply.status == 200
    await client.close()
    gone = weakref.ref(app)
    del app, client, reply
    forget_finished_apps()
    gc.collect()
    assert gone() is None
