"""Production timings shrunk to test time (DESIGN.md §5), for every test that starts a
backend: 30 s gateway timeout → 1 s, 2 s retry delay → 0.05 s, and so on. Tester mode is on
so that tests can inject gateway faults, and the admin PIN is set."""

from typing import Any

FAST_TIMINGS: dict[str, Any] = {
    "gateway_timeout_s": 1.0,
    "retry_delay_s": 0.05,
    "gateway_delay_s": 0.02,
    "session_ttl_s": 900,
    "cleanup_interval_s": 3600,
    "reconcile_min_s": 0.05,
    "reconcile_max_s": 0.2,
    "tester": True,
    # No PIN ships with the backend (a first start generates one); the tests name theirs.
    "admin_pin": "2468",
}
