"""How the headless server's garbage collector runs: what costs a busy server least.

At Python's defaults a server creating sessions spent about 9 % of its time collecting
(bench/session_creates.py with gc.callbacks timing each pass): a young-generation pass every
700 new objects, and full passes of up to 90 ms that walked every object start-up had made —
the modules of SQLAlchemy, pydantic and aiohttp, compiled statements, the app — holding the
interpreter lock all along, so the database writer's commits and every request waited.
"""

from __future__ import annotations

import gc

# Objects a request makes die by reference counting long before 10,000 more are made; the young
# generation is for the few that sit in cycles.
YOUNG_GENERATION_THRESHOLD = 10_000


def settle_after_start() -> None:
    """Once the app has started: collect what start-up left over, then freeze the rest, which
    lives as long as the process, out of every later pass; and collect the young generation
    less often. Only the headless server: the kiosk window keeps Python's defaults."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)
