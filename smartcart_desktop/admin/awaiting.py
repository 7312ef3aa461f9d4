"""Await a dialog shown with open(): the loop keeps running, no nested exec()."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QDialog


async def finished(dialog: QDialog) -> int:
    """Open `dialog` and return its result code once it closes. Cancelling the awaiting task
    takes the dialog away (rejected). The caller still owns the dialog."""
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def done(code: int) -> None:
        if not future.done():
            future.set_result(code)

    dialog.finished.connect(done)
    dialog.open()
    try:
        return await future
    finally:
        if dialog.isVisible():
            dialog.reject()
