"""One export at a time: stream it from the backend into the file the operator chose.

Progress is counted in sessions for CSV and JSON (against the day range's session count from
the stats, when it can be had) and in bytes for a PDF, whose size is not known in advance.
Cancelling drops the download and removes the partial file.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from smartcart_desktop.admin.admin_api import AdminApi
from smartcart_desktop.admin.export_request import (
    ExportRequest,
    ExportResult,
    RowCounter,
)
from smartcart_desktop.admin.file_sink import save_stream
from smartcart_desktop.api.errors import ApiError
from smartcart_desktop.app.background import BackgroundTasks

log = logging.getLogger(__name__)


class Exporter(QObject):
    started = Signal(object)  # ExportRequest
    progress = Signal(int, int)  # done (sessions, or bytes for a PDF), expected (0: unknown)
    finished = Signal(object)  # ExportResult
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, api: AdminApi, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._api = api
        self._tasks = BackgroundTasks("exporter")
        self._current: asyncio.Task[None] | None = None

    @property
    def busy(self) -> bool:
        return self._current is not None and not self._current.done()

    def start(self, request: ExportRequest, path: Path) -> asyncio.Task[None] | None:
        if self.busy or self._tasks.closed:
            return None
        self._current = self._tasks.spawn(self._run(request, path), name=f"export-{request.fmt}")
        return self._current

    def cancel(self) -> None:
        if self._current is not None and not self._current.done():
            self._current.cancel()

    async def stop(self) -> None:
        await self._tasks.cancel_all()

    async def _expected_rows(self, request: ExportRequest) -> int:
        try:
            stats = await self._api.stats(request.days, request.kiosk)
        except ApiError:
            return 0  # progress without a total is still progress
        if request.statuses:
            return sum(stats.count(status) for status in request.statuses)
        return stats.sessions

    async def _run(self, request: ExportRequest, path: Path) -> None:
        self.started.emit(request)
        try:
            expected = await self._expected_rows(request) if request.counts_rows else 0
            self.progress.emit(0, expected)
            counter = RowCounter(request.fmt)
            received = 0

            def on_chunk(chunk: bytes) -> None:
                nonlocal received
                received += len(chunk)
                if request.counts_rows:
                    counter.feed(chunk)
                    self.progress.emit(min(counter.rows, expected) if expected else counter.rows, expected)
                else:
                    self.progress.emit(received, 0)

            async with self._api.export(request.fmt, request.days, request.statuses, request.kiosk) as chunks:
                size = await save_stream(chunks, path, on_chunk)
        except asyncio.CancelledError:
            log.info("export to %s cancelled", path)
            if not self._tasks.closed:
                self.cancelled.emit()
            raise
        except ApiError as exc:
            self.failed.emit(exc.message)
            return
        except OSError as exc:
            self.failed.emit(f"Could not write {path.name}: {exc.strerror or exc}")
            return
        rows = counter.final_rows() if request.counts_rows else None
        log.info("exported %s (%d bytes)", path, size)
        self.finished.emit(ExportResult(request=request, path=path, size=size, rows=rows))
