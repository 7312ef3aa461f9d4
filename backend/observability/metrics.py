"""The /metrics registry of one app (never prometheus_client's global one: tests run many apps
in one process, and a fleet's processes must not mix).

Business counts come from the database at scrape time (FleetCollector), so every process of a
fleet reports the same fleet-wide figures: scrape one of them, or take max() across them, never
sum(). They are gauges, not counters: cleanup purges sessions past the retention, and a counter
that falls would read as a reset. What only this process knows (its writer's batches and commit
time, its event loop's lag, its open streams) is kept in process-local histograms and gauges.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector

from backend.clock import Clock
from backend.db.database import Database
from backend.gateway.client import GatewayClient
from backend.observability.counts import FleetCounts, fleet_counts

log = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # the text format every Prometheus reads, as generate_latest writes it
_PREFIX = "smartcart"


class FleetCollector(Collector):
    """Yields the last counts read from the database; Metrics.scrape reads them first."""

    def __init__(self, clock: Clock) -> None:
        self.counts: FleetCounts | None = None
        self._clock = clock

    def describe(self) -> Iterator[Metric]:
        return iter(())  # the names are fixed; nothing to read from the database at registration

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(f"{_PREFIX}_database_up", "1 if the last scrape could read the database")
        up.add_metric([], 0 if self.counts is None else 1)
        yield up
        counts = self.counts
        if counts is None:
            return
        payments = GaugeMetricFamily(
            f"{_PREFIX}_payments",
            "Payment sessions in the database by status and method, the whole fleet (falls when cleanup purges)",
            labels=["status", "method"],
        )
        for (status, method), n in sorted(counts.payments.items()):
            payments.add_metric([status, method], n)
        yield payments
        attempts = GaugeMetricFamily(
            f"{_PREFIX}_payment_attempts", "Gateway attempts made by the sessions in the database", labels=["method"]
        )
        for method, n in sorted(counts.attempts.items()):
            attempts.add_metric([method], n)
        yield attempts
        lookups = GaugeMetricFamily(
            f"{_PREFIX}_gateway_lookups",
            "Look-ups of an earlier attempt's outcome at the gateway, by result",
            labels=["result"],
        )
        for result, n in sorted(counts.lookups.items()):
            lookups.add_metric([result], n)
        yield lookups
        interruptions = GaugeMetricFamily(
            f"{_PREFIX}_interruptions", "Attempts interrupted, by reason", labels=["reason"]
        )
        for reason, n in sorted(counts.interruptions.items()):
            interruptions.add_metric([reason], n)
        yield interruptions
        yield GaugeMetricFamily(
            f"{_PREFIX}_offline_queue_depth",
            "Payments accepted offline and not yet forwarded to the gateway",
            value=counts.offline_waiting,
        )
        yield GaugeMetricFamily(
            f"{_PREFIX}_sync_queue_depth",
            "Session changes this kiosk has not yet replicated to the fleet server (backend/sync/)",
            value=counts.sync_waiting,
        )
        oldest = counts.offline_oldest_accepted_at_ms
        yield GaugeMetricFamily(
            f"{_PREFIX}_offline_queue_oldest_age_seconds",
            "Age of the oldest payment waiting to be forwarded (0 when none waits)",
            value=0 if oldest is None else max(0.0, (self._clock() - oldest) / 1000),
        )


class Metrics:
    def __init__(self, clock: Clock) -> None:
        self.registry = CollectorRegistry()
        self._fleet = FleetCollector(clock)
        self.registry.register(self._fleet)
        self._lock = asyncio.Lock()
        self.write_batch_size = Histogram(
            f"{_PREFIX}_db_write_batch_size",
            "Jobs committed together by this process's database writer (group commit)",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
            registry=self.registry,
        )
        self.write_batch_seconds = Histogram(
            f"{_PREFIX}_db_write_batch_seconds",
            "Time from a write batch's start to its commit, in this process's writer",
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.loop_lag_seconds = Histogram(
            f"{_PREFIX}_event_loop_lag_seconds",
            "How late this process's event loop woke a sleeping task",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )
        self._open_streams: Callable[[], int] = lambda: 0
        Gauge(
            f"{_PREFIX}_open_streams", "Change streams (SSE) this process is serving", registry=self.registry
        ).set_function(lambda: self._open_streams())
        self._gateway: GatewayClient | None = None
        Gauge(
            f"{_PREFIX}_gateway_reachable",
            "1 if this process's last exchange with the gateway succeeded, 0 if it failed, -1 before any",
            registry=self.registry,
        ).set_function(self._gateway_state)

    def observe_batch(self, jobs: int, seconds: float) -> None:
        """Called by the database writer thread after each commit."""
        self.write_batch_size.observe(jobs)
        self.write_batch_seconds.observe(seconds)

    def count_streams_with(self, count: Callable[[], int]) -> None:
        """Hook for whatever serves change streams: how many are open right now."""
        self._open_streams = count

    def watch_gateway(self, gateway: GatewayClient) -> None:
        self._gateway = gateway

    def _gateway_state(self) -> float:
        reachable = self._gateway.reachable if self._gateway else None
        return -1 if reachable is None else float(reachable)

    async def scrape(self, db: Database, timeout_s: float) -> bytes:
        async with self._lock:  # two scrapes at once must not swap each other's counts
            try:
                async with asyncio.timeout(timeout_s):
                    self._fleet.counts = await db.read(fleet_counts)
            except Exception as exc:
                log.warning("metrics: could not read the database: %s", exc)
                self._fleet.counts = None
            return generate_latest(self.registry)

    async def sample_loop_lag(self, period_s: float) -> None:
        """Forever: sleep `period_s` and record how much later than asked the loop woke us."""
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(period_s)
            self.loop_lag_seconds.observe(max(0.0, time.perf_counter() - asked - period_s))
