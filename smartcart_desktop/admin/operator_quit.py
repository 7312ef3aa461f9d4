"""The operator closing a kiosk: only with the admin PIN, checked by the backend like the admin
panel's (the same wrong-PIN count and lockout), on the same keypad. A customer who finds the
shortcut meets a PIN question, not a closed kiosk."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from smartcart_desktop.admin.admin_api import AdminApi
from smartcart_desktop.admin.pin_dialog import PinDialog
from smartcart_desktop.admin.unlock import unlock_with_pin
from smartcart_desktop.app.backend_link import BackendLink
from smartcart_desktop.checkout import messages


async def pin_allows_quit(parent: QWidget, link: BackendLink) -> bool:
    """True once the backend took the PIN; False if the operator cancelled. The admin token the
    PIN earns is dropped at once: quitting needs nothing more."""
    api = AdminApi(link.url, link.kiosk_token, window_token=link.admin_token)
    dialog = PinDialog(parent, name="operatorQuitDialog", message=messages.OPERATOR_QUIT, action="Close SmartCart")
    try:
        return await unlock_with_pin(parent, api, dialog=dialog)
    finally:
        await api.close()
