"""Garbage collection on the GUI thread only.

Python's cyclic collector runs in whichever thread happens to allocate when a threshold is
crossed. Here that can be the database writer or reader threads of the embedded backend; a
Qt object (a QTimer, a widget) freed from there is destroyed off its thread, which Qt reports
("Timers cannot be stopped from another thread") or crashes on. So automatic collection is
switched off while the window runs, and the same generational thresholds are checked from a
QTimer on the GUI thread instead.

On the GUI thread a collection holds the window: a full one over everything start-up made
(modules, classes, the backend's tables and models: about 110,000 objects) takes 60 ms, four
frames. Those objects live as long as the app, so once it has started they are frozen out of
the collector's view (backend/garbage_collection.py, the same rule as the headless server's)
and a full collection then walks only what came after.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class MainThreadGc(QObject):
    INTERVAL_MS = 500

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        self._timer = QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self.collect_due)

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def freeze_startup(self) -> None:
        """Call once start-up is done."""
        # Here, not at the top: the window is drawn before anything of the backend is imported
        # (tests/desktop/test_fast_start.py), and by now the backend has started.
        from backend import garbage_collection

        garbage_collection.freeze_startup()

    def stop(self) -> None:
        self._timer.stop()
        gc.unfreeze()
        gc.collect()
        if self._was_enabled:
            gc.enable()

    def collect_due(self) -> None:
        """Collect the oldest generation whose count passed its threshold, as gc would."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                gc.collect(generation)
                return
