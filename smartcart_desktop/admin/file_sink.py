"""Writing a download to disk without blocking the loop.

Every file operation (open, write, flush, fsync, rename, unlink) runs on one worker thread of
its own, in order; the loop only awaits them. The bytes go to `<name>.part` first and are
renamed into place once complete, so a cancelled or broken download never leaves a file that
looks finished (the partial one is removed).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any, TypeVar

T = TypeVar("T")


def partial_path(path: Path) -> Path:
    return path.with_name(path.name + ".part")


class FileSink:
    """One file being written, off the loop."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.partial = partial_path(path)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="file-sink")
        self._file: IO[bytes] | None = None
        self.written = 0

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    async def open(self) -> None:
        self._file = await self._run(open, self.partial, "wb")

    async def write(self, data: bytes) -> None:
        assert self._file is not None, "open() first"
        await self._run(self._file.write, data)
        self.written += len(data)

    async def commit(self) -> None:
        """Flush to disk and move the file into place."""
        await self._run(self._finish)

    def _finish(self) -> None:
        assert self._file is not None
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        os.replace(self.partial, self.path)

    async def discard(self) -> None:
        await self._run(self._discard)

    def _discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        with contextlib.suppress(FileNotFoundError):
            self.partial.unlink()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False)


async def save_stream(
    chunks: AsyncIterable[bytes], path: Path, on_chunk: Callable[[bytes], None] | None = None
) -> int:
    """Write `chunks` to `path`; returns the byte count. On any failure or cancellation the
    partial file is removed and nothing is left at `path`."""
    sink = FileSink(path)
    try:
        await sink.open()
        async for chunk in chunks:
            await sink.write(chunk)
            if on_chunk is not None:
                on_chunk(chunk)
        await sink.commit()
        return sink.written
    except BaseException:
        # Shielded: a second cancel while cleaning up must not leave the partial file behind.
        await asyncio.shield(sink.discard())
        raise
    finally:
        sink.shutdown()
