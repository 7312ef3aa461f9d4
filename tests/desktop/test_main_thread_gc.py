"""Cyclic garbage is collected on the GUI thread, never on a database thread."""

from __future__ import annotations

import gc
import threading

from smartcart_desktop.app.main_thread_gc import MainThreadGc


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_collection_happens_on_the_gui_thread_and_automatic_gc_is_restored(qtbot):
    threads: list[str] = []

    def note(phase: str, info: dict) -> None:
        if phase == "start":
            threads.append(threading.current_thread().name)

    collector = MainThreadGc()
    collector.start()
    gc.callbacks.append(note)
    try:
        assert not gc.isenabled()
        worker = threading.Thread(target=lambda: [_Cycle() for _ in range(50_000)], name="db-writer")
        worker.start()
        worker.join()
        assert threads == []  # the worker crossed every threshold, and nothing was collected there
        qtbot.waitUntil(lambda: bool(threads), timeout=3000)
        assert set(threads) == {threading.main_thread().name}
    finally:
        gc.callbacks.remove(note)
        collector.stop()
    assert gc.isenabled()
