"""The catalog the cart shows before the backend has answered: the last one the backend sent,
kept in the data directory, or on a first run the demo catalog bundled in resources/.

The window must draw a usable cart at once, while the backend is still starting, and it must
not import the backend to read the backend's catalog file: both are plain JSON, read here.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from smartcart_desktop.api.models import Product, ProductList

log = logging.getLogger(__name__)

BUNDLED_CATALOG = Path(__file__).resolve().parents[2] / "resources" / "catalog.json"
CACHE_NAME = "window-catalog.json"


class CatalogCache:
    def __init__(self, data_dir: Path | None, *, bundled: Path = BUNDLED_CATALOG) -> None:
        """`data_dir` None: nothing is kept between runs (the bundled catalog every time)."""
        self._path = data_dir / CACHE_NAME if data_dir is not None else None
        self._bundled = bundled

    def load(self) -> list[Product]:
        """Blocking, but a few kilobytes read once before the window is drawn. Never raises:
        a missing or damaged copy falls back to the bundled catalog, and that to none."""
        for path in (self._path, self._bundled):
            if path is None or not path.is_file():
                continue
            try:
                return _parse(json.loads(path.read_bytes()))
            except (OSError, ValueError, ValidationError, KeyError, TypeError) as exc:
                log.warning("catalog copy %s unreadable, ignored: %s", path.name, exc)
        return []

    def save(self, products: Sequence[Product]) -> None:
        """Blocking (run it off the loop). Written whole then renamed: a crash mid-write leaves
        the previous copy, never half of one."""
        if self._path is None:
            return
        body = ProductList(products=list(products)).model_dump_json(by_alias=True)
        temporary = self._path.with_name(f".{CACHE_NAME}.{os.getpid()}")
        try:
            # Owner-only, like everything else in the data directory.
            self._path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with open(fd, "w", encoding="utf-8") as file:
                file.write(body)
            os.replace(temporary, self._path)
        except OSError as exc:
            log.warning("could not keep the catalog for the next start: %s", exc)
            temporary.unlink(missing_ok=True)


def _parse(raw: Any) -> list[Product]:
    """The bundled file names the currency once for all products; the kept copy per product."""
    currency = raw.get("currency", "INR")
    return [Product.model_validate({"currency": currency, **item}) for item in raw["products"]]
