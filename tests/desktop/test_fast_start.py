"""Start-up as the customer sees it: the cart is drawn and takes taps while the embedded backend
is still starting, from the catalog the window kept (the bundled one on a first run), and the
backend's own catalog replaces that copy once it answers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from smartcart_desktop.app.application import KioskApp
from smartcart_desktop.checkout.catalog_cache import BUNDLED_CATALOG, CACHE_NAME, CatalogCache
from smartcart_desktop.checkout.state import Stage
from tests.desktop.conftest import FAST_OPTIONS, FAST_SETTINGS, Waits

ROOT = Path(__file__).resolve().parents[2]
BUNDLED_IDS = [p["id"] for p in json.loads(BUNDLED_CATALOG.read_text(encoding="utf-8"))["products"]]


@contextlib.contextmanager
def database_held(data_dir: Path) -> Iterator[sqlite3.Connection]:
    """Another process holds the kiosk's database: the embedded backend cannot finish starting
    until it lets go (SQLite makes it wait, up to its busy timeout)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(data_dir / "kiosk.db", isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    try:
        yield conn
    finally:
        conn.close()


def tile_ids(kiosk: KioskApp) -> list[str]:
    assert kiosk.window is not None
    return [p.id for p in kiosk.window.cart_screen._cart.products]


async def test_the_cart_takes_taps_and_checkout_before_the_backend_is_up(
    tmp_path: Path, waits: Waits, qtbot: Any
) -> None:
    kiosk = KioskApp(FAST_OPTIONS)
    with database_held(tmp_path) as held:
        opening = asyncio.ensure_future(kiosk.open(**FAST_SETTINGS, data_dir=tmp_path))
        await waits.until(lambda: kiosk.window is not None and kiosk.window.isVisible())
        window = kiosk.window
        assert window is not None and kiosk.services is not None
        assert tile_ids(kiosk) == BUNDLED_IDS  # a first run: the bundled catalog, at once
        tile = window.cart_screen.tile(BUNDLED_IDS[0])
        qtbot.mouseClick(tile.plus, Qt.MouseButton.LeftButton)
        assert tile.count.text() == "1"
        assert window.cart_screen.checkout_button.isEnabled()
        qtbot.mouseClick(window.cart_screen.checkout_button, Qt.MouseButton.LeftButton)
        flow = kiosk.services.flow
        await waits.until(lambda: flow.state.busy)  # on its way: it must simply wait, not fail
        assert not opening.done(), "the backend started although its database was held"
        assert flow.state.error is None and flow.state.stage is Stage.CART
        held.rollback()
    try:
        await opening
        await waits.until(lambda: flow.state.stage is Stage.DETAILS)  # the tap went on
        assert flow.state.error is None
    finally:
        await kiosk.shutdown()


async def test_the_backends_catalog_replaces_the_kept_copy(tmp_path: Path, waits: Waits) -> None:
    kept = {"products": [{"id": "old-tea", "name": "Old Tea", "priceMinor": 100, "currency": "INR"}]}
    (tmp_path / CACHE_NAME).write_text(json.dumps(kept), encoding="utf-8")
    kiosk = KioskApp(FAST_OPTIONS)
    with database_held(tmp_path) as held:
        opening = asyncio.ensure_future(kiosk.open(**FAST_SETTINGS, data_dir=tmp_path))
        await waits.until(lambda: kiosk.window is not None and kiosk.window.isVisible())
        assert tile_ids(kiosk) == ["old-tea"]  # what the backend sold last time, drawn at once
        assert kiosk.services is not None
        kiosk.services.cart.add("old-tea")
        held.rollback()
    try:
        await opening
        await waits.until(lambda: tile_ids(kiosk) == BUNDLED_IDS)
        assert kiosk.window is not None
        kiosk.window.cart_screen.tile(BUNDLED_IDS[0])  # the tiles were redrawn too
        assert kiosk.services.cart.lines() == {}  # a product no longer sold left the basket
        assert kiosk.window.cart_screen.summary.text() == "Your cart is empty."
        await waits.until(lambda: [p.id for p in CatalogCache(tmp_path).load()] == BUNDLED_IDS)
    finally:
        await kiosk.shutdown()


def test_a_damaged_copy_falls_back_to_the_bundled_catalog(tmp_path: Path) -> None:
    (tmp_path / CACHE_NAME).write_text('{"products": [{"id": ', encoding="utf-8")
    assert [p.id for p in CatalogCache(tmp_path).load()] == BUNDLED_IDS


def test_the_window_loads_without_the_backend() -> None:
    """What runs before the cart is drawn: the backend is imported only after (it is most of
    the start-up time)."""
    probe = (
        "import sys, smartcart_desktop.__main__;"
        "print(sorted(m for m in sys.modules if m == 'backend' or m.startswith('backend.')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
