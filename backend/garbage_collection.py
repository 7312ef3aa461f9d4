"""How the garbage collector runs once a process has started: what costs a busy process least.

Start-up makes objects that live as long as the process: the modules of SQLAlchemy, pydantic
and aiohttp (and PySide6 in the window), compiled statements, the app. A full collection walks
them all, holding the interpreter lock: up to 90 ms in a busy headless server, during which the
database writer's commits and every request waited (about 9 % of its time at Python's defaults,
bench/session_creates.py with gc.callbacks timing each pass); 60 ms, four frames, in the window.
Frozen out of the collector's view, they are no longer walked.
"""

from __future__ import annotations

import gc

# Objects a request makes die by reference counting long before 10,000 more are made; the young
# generation is for the few that sit in cycles.
YOUNG_GENERATION_THRESHOLD = 10_000


def freeze_startup() -> None:
    """Call once start-up is done. The young generations are collected first (cheap) so that
    start-up's short-lived garbage is not kept for good."""
    gc.collect(1)
    gc.freeze()


def settle_headless_server() -> None:
    """The headless server, once its app has started: start-up frozen, and the young generation
    collected less often. The window collects on its GUI thread instead, at Python's thresholds
    (smartcart_desktop/app/main_thread_gc.py)."""
    freeze_startup()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)
