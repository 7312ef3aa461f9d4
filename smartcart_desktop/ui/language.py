"""The customer's language: English (the texts in the source) or Hindi, through Qt's translation
system (resources/i18n/smartcart_hi.qm, made by scripts/translations.py from the .ts next to it).

Switching installs or removes the Hindi translator; Qt then sends every widget a LanguageChange
event and each screen renders its texts again. The choice belongs to one customer: the window
returns to `DEFAULT` when the next one starts. The translator is the application's, so the
window takes it away again when it stops.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QObject, QTranslator, Signal

from smartcart_desktop.ui.style import RESOURCES_DIR

log = logging.getLogger(__name__)

ENGLISH = "en"
HINDI = "hi"
DEFAULT = ENGLISH
I18N_DIR = RESOURCES_DIR / "i18n"
HINDI_QM = I18N_DIR / "smartcart_hi.qm"

# Each language named in itself: the toggle offers the other one to someone who cannot read this.
NAMES = {ENGLISH: "English", HINDI: "हिन्दी"}


class Language(QObject):
    changed = Signal(str)  # the new language's code

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._current = ENGLISH
        self._hindi: QTranslator | None = None

    @property
    def current(self) -> str:
        return self._current

    def switch(self, code: str) -> None:
        if code not in NAMES:
            raise ValueError(f"no such language: {code!r}")
        if code == self._current:
            return
        app = QCoreApplication.instance()
        if app is None:
            return
        if code == HINDI:
            translator = self._load_hindi()
            if translator is None:
                return
            app.installTranslator(translator)
        elif self._hindi is not None:
            app.removeTranslator(self._hindi)
        self._current = code
        log.info("language: %s", code)
        self.changed.emit(code)

    def reset(self) -> None:
        self.switch(DEFAULT)

    def _load_hindi(self) -> QTranslator | None:
        if self._hindi is None:
            translator = QTranslator(self)
            if not translator.load(str(HINDI_QM)):
                log.error("no Hindi translation at %s: run scripts/translations.py", HINDI_QM)
                return None
            self._hindi = translator
        return self._hindi
