"""Marking and translating the texts a customer reads (Qt's translation system; see
ui/language.py for switching). English is the source: untranslated, a text shows as written.

Translated where shown, not where defined: a text kept in a constant or in the flow's state
follows a language switch the next time the window renders it.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks `text` for pyside6-lupdate (Qt's own is typed as returning object)."""
    del context
    return text


def translate(context: str, text: str) -> str:
    """`text` in the current language if it is one of ours; anything else (a backend's own
    message, a product's name) comes back as it is."""
    return QCoreApplication.translate(context, text)
