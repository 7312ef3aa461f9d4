"""Await a dialog shown with open(): the loop keeps running, no nested exec().

`open()` shows the dialog (window-modal) and returns at once; the coroutine awaits a future
the dialog's `finished` signal resolves. A nested `exec()` inside a coroutine would re-enter
the asyncio loop from within a task ("Cannot enter into task") and freeze polling meanwhile.
A dialog embedded in a screen (not a window) is only shown: it has no window to be modal to.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog


async def finished(dialog: QDialog, *, dismissed: int | None = None) -> int:
    """Open `dialog` and return its result code once it closes. Cancelling the awaiting task
    takes the dialog away: closed with the result code `dismissed`, or rejected if that is
    None. The caller still owns the dialog."""
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def done(code: int) -> None:
        if not future.done():
            future.set_result(code)

    dialog.finished.connect(done)
    if dialog.isWindow():
        dialog.open()
    else:
        dialog.show()
        dialog.setFocus(Qt.FocusReason.OtherFocusReason)  # Esc answers it, as it would a window
    try:
        return await future
    finally:
        if dialog.isVisible():  # the awaiting task was cancelled: take the question away
            if dismissed is None:
                dialog.reject()
            else:
                dialog.done(dismissed)
