"""A kiosk at rest costs nothing: the status bar's health check stops asking while all is well
(and keeps watching while the gateway is away, so "Online" shows as soon as it is back), and
the embedded backend's background passes do not wake every second to find nothing."""

from __future__ import annotations

import linecache
import sys

from backend import app_keys
from smartcart_desktop.api.client import ApiClient
from smartcart_desktop.app.health_monitor import HealthMonitor
from smartcart_desktop.app.options import LaunchOptions
from tests.desktop.conftest import Kiosk, StartKiosk

# Asks every 50 ms while something is wrong; once an hour while all is well.
WATCHFUL = LaunchOptions(poll_interval_s=0.05, health_interval_s=0.05, health_settled_interval_s=3600)


async def test_a_healthy_kiosk_at_rest_stops_asking(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(WATCHFUL, tester=False) as kiosk:
        assert kiosk.app.services is not None
        health = kiosk.app.services.health
        await kiosk.waits.until(lambda: health.view.settled)
        assert kiosk.window.status.gateway.text() == "● Online"
        asked = health.checks
        # A second monitor that always asks every 50 ms is the clock: twenty of its questions
        # are twenty periods in which the kiosk's own monitor, at rest, asks nothing.
        metronome = Metronome(kiosk.api)
        await metronome.count(kiosk, 20)
        assert health.checks == asked
        health.refresh()  # what the window itself changed (a payment ended) is asked about at once
        await kiosk.waits.until(lambda: health.checks == asked + 1)


async def test_a_kiosk_whose_gateway_is_away_keeps_watching(start_kiosk: StartKiosk) -> None:
    # Nothing listens on port 9: the backend cannot reach its gateway.
    async with start_kiosk(WATCHFUL, tester=False, gateway_url="http://127.0.0.1:9") as kiosk:
        assert kiosk.app.services is not None
        health = kiosk.app.services.health
        await kiosk.waits.until(lambda: health.view.gateway_reachable is False)
        assert kiosk.window.status.gateway.text() == "✖ Offline"
        asked = health.checks
        await kiosk.waits.until(lambda: health.checks >= asked + 10)


async def test_the_embedded_backend_does_not_look_for_work_every_moment(start_kiosk: StartKiosk) -> None:
    # The test timings ask for a first back-off of 50 ms: before, that was also the idle period.
    async with start_kiosk(WATCHFUL, tester=False) as kiosk:
        reconciler, forwarder = kiosk.backend_app[app_keys.RECONCILER], kiosk.backend_app[app_keys.FORWARDER]
        await kiosk.waits.until(lambda: reconciler.passes >= 1 and forwarder.passes >= 1)
        passes = (reconciler.passes, forwarder.passes)
        await Metronome(kiosk.api).count(kiosk, 20)  # 1 s, twenty of the old idle periods
        assert (reconciler.passes, forwarder.passes) == passes


class Metronome:
    """A monitor that always asks every 50 ms: the clock the quiet parts are measured against."""

    def __init__(self, api: ApiClient) -> None:
        self._monitor = HealthMonitor(api, interval_s=0.05, settled_interval_s=0.05)

    async def count(self, kiosk: Kiosk, ticks: int) -> None:
        self._monitor.start()
        try:
            await kiosk.waits.until(lambda: self._monitor.checks >= ticks)
        finally:
            await self._monitor.stop()


async def test_the_source_pyside_reads_at_each_import_is_not_kept(start_kiosk: StartKiosk) -> None:
    """shiboken6 reads the whole source of every module imported after PySide6; kept by
    linecache, that was 26 MB of a kiosk's memory at rest."""
    async with start_kiosk(WATCHFUL, tester=False):
        sys.modules.pop("colorsys", None)  # a small module of the standard library, imported afresh
        colorsys = __import__("colorsys")  # through shiboken's replacement of __import__
        assert linecache.getlines(colorsys.__file__)  # a traceback still finds its lines
        kept = [name for name, entry in linecache.cache.items() if len(entry) == 4 and entry[1] is not None]
        assert kept == []
    assert type(linecache.cache) is dict  # the plain cache is back once the app has stopped
