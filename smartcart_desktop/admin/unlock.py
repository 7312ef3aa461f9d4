"""Unlocking the panel: ask for the PIN until the backend takes it, or the operator gives up.

A wrong PIN says "Wrong PIN" and the dialog stays; too many wrong PINs lock the check at the
backend for a while and the dialog says so (the backend's message gives the wait).
"""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtWidgets import QWidget

from smartcart_desktop.admin.admin_api import AdminApi
from smartcart_desktop.admin.pin_dialog import WRONG_PIN, PinDialog
from smartcart_desktop.api.errors import ApiError, AuthError, TooManyAttempts

log = logging.getLogger(__name__)


async def unlock_with_pin(parent: QWidget, api: AdminApi, *, dialog: PinDialog | None = None) -> bool:
    """True once `api` holds the admin token; False if the operator cancelled. `dialog`: the
    PIN question to ask (by default the admin panel's)."""
    dialog = dialog or PinDialog(parent)
    entries: asyncio.Queue[str | None] = asyncio.Queue()
    dialog.submitted.connect(entries.put_nowait)
    dialog.finished.connect(lambda _code: entries.put_nowait(None))
    dialog.open()
    try:
        while (pin := await entries.get()) is not None:
            dialog.set_busy(True)
            try:
                await api.unlock(pin)
            except TooManyAttempts as exc:
                log.warning("admin PIN: locked out for a while")
                dialog.show_error(exc.message)
                continue
            except AuthError:
                log.warning("admin PIN: wrong PIN")
                dialog.show_error(WRONG_PIN)
                continue
            except ApiError as exc:
                dialog.show_error(f"Could not check the PIN: {exc.message}")
                continue
            finally:
                dialog.set_busy(False)
            if not dialog.isVisible():  # cancelled while the PIN was being checked
                api.lock()
                return False
            log.info("admin PIN accepted")
            dialog.accept()
            return True
        return False
    finally:
        if dialog.isVisible():
            dialog.reject()
        dialog.deleteLater()
