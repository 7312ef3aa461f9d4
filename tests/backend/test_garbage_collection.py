"""Once started, a process keeps what start-up made out of every later collection."""

from __future__ import annotations

import subprocess
import sys

# In a process of its own: a freeze in the test process would change every test after it.
_PROBE = """
import gc
from backend import garbage_collection
made_at_startup = [[]]
garbage_collection.settle_headless_server()
made_after = [[]]
seen = {id(o) for o in gc.get_objects()}
print(id(made_at_startup) in seen, id(made_after) in seen, gc.get_threshold()[0])
"""


def test_a_started_server_no_longer_walks_what_start_up_made() -> None:
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True).stdout.split()
    startup_seen, later_seen, young_threshold = out
    assert startup_seen == "False"  # frozen: a full collection passes it by
    assert later_seen == "True"  # what comes after is collected as ever
    assert int(young_threshold) == 10_000
