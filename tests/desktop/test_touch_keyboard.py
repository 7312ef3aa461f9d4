"""The on-screen keyboard for fields typed into on a kiosk without a keyboard (issue 14, item 7)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton, QWidget

from smartcart_desktop.app.options import LaunchOptions
from smartcart_desktop.ui.touch_keyboard import BACKSPACE, SHIFT, SPACE, TouchKeyboard
from tests.desktop.conftest import Kiosk, StartKiosk
from tests.desktop.test_admin_panel import PIN, fact, new_session, unlock

KIOSK = LaunchOptions(kiosk=True, tester=True, poll_interval_s=0.05, health_interval_s=0.1)


def tap(qtbot: Any, keyboard: QWidget, *keys: str) -> None:
    for key in keys:
        button = keyboard.findChild(QPushButton, f"touchKey-{key}")
        assert button is not None, key
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_tapping_keys_types_into_the_field_and_leaves_it_the_focus(qtbot: Any) -> None:
    holder = QWidget()
    qtbot.addWidget(holder)
    edit = QLineEdit(holder)
    edit.setMaxLength(8)
    keyboard = TouchKeyboard(edit, holder)
    holder.show()
    edit.setFocus()
    tap(qtbot, keyboard, SHIFT, "a", "s", "h", "a", SPACE, "9", "x", BACKSPACE)
    assert edit.text() == "Asha 9"  # Shift capitalised one letter only
    assert keyboard.keys["s"].text() == "s"
    tap(qtbot, keyboard, "1", "2", "3", "4")
    assert edit.text() == "Asha 912"  # the field's own limit holds
    # A tap never takes the focus from the field (its cursor, its Enter stay where they were).
    assert all(key.focusPolicy() is Qt.FocusPolicy.NoFocus for key in keyboard.keys.values())


async def test_in_kiosk_mode_the_operator_taps_the_reason_for_a_cancel(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(KIOSK, admin_pin=PIN) as kiosk:
        panel = await _history_of(kiosk, await new_session(kiosk))
        kiosk.click(panel.history.cancel_button)
        dialog = await kiosk.dialog("reasonDialog")
        keyboard = dialog.findChild(TouchKeyboard, "touchKeyboard")
        assert keyboard is not None and keyboard.isVisible()
        tap(kiosk.qtbot, keyboard, *"left", SPACE, *"shop")
        assert dialog.findChild(QLineEdit, "reasonEdit").text() == "left shop"  # type: ignore[union-attr]
        kiosk.answer(dialog, "confirmButton")
        await kiosk.waits.until(lambda: fact(panel, "status") == "CANCELLED")
        assert panel.history.event_rows()[-1] == ("Cancelled", "operator: left shop", "CANCELLED")


async def test_a_window_on_a_desk_asks_the_reason_without_an_on_screen_keyboard(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(admin_pin=PIN) as kiosk:  # a desk, not a kiosk
        session_id = await new_session(kiosk)
        panel = await _history_of(kiosk, session_id)
        kiosk.click(panel.history.cancel_button)
        dialog = await kiosk.dialog("reasonDialog")
        assert dialog.findChild(TouchKeyboard) is None
        kiosk.answer(dialog, "backButton")


async def _history_of(kiosk: Kiosk, session_id: str) -> Any:
    panel = await unlock(kiosk)
    await kiosk.waits.until(lambda: panel.active.row_of(session_id) is not None)
    panel.open_session(session_id)
    await kiosk.waits.until(lambda: panel.history.history is not None)
    return panel


async def test_the_admin_search_fields_bring_up_a_keyboard_while_they_have_the_focus(start_kiosk: StartKiosk) -> None:
    async with start_kiosk(KIOSK, admin_pin=PIN) as kiosk:
        panel = await unlock(kiosk)
        panel.tabs.setCurrentIndex(panel.tabs.indexOf(panel.history_list_page))
        panel.activateWindow()
        await kiosk.waits.until(panel.isActiveWindow)
        field = panel.history_list.text
        keyboard = next(k.keyboard for k in panel.touch_keyboards if k.field is field)
        assert not keyboard.isVisible()
        field.setFocus(Qt.FocusReason.MouseFocusReason)  # a tap on the field
        await kiosk.waits.until(keyboard.isVisible)
        tap(kiosk.qtbot, keyboard, *"4242")
        assert field.text() == "4242" and keyboard.isVisible()  # taps keep it up
        assert keyboard.geometry().bottom() <= panel.height()  # inside the window
        panel.history_list.search_button.setFocus(Qt.FocusReason.MouseFocusReason)  # a tap elsewhere
        await kiosk.waits.until(lambda: not keyboard.isVisible())
