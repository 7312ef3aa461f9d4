"""Where the window keeps its own small files (the catalog it draws before the backend answers).

The embedded backend's data directory, found by the same rule the backend's settings follow
(SMARTCART_DATA_DIR, else the platform's user data directory), without importing the backend:
the window reads this before the backend is loaded.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DATA_DIR_ENV = "SMARTCART_DATA_DIR"
APP_NAME = "smartcart-desktop"  # backend.settings.APP_NAME


def window_data_dir(override: Path | str | None = None) -> Path:
    """`override`: the data directory the embedded backend is given explicitly (tests do)."""
    if override:
        return Path(override)
    if from_env := os.environ.get(DATA_DIR_ENV):
        return Path(from_env)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
