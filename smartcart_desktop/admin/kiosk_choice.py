"""Which kiosk's payments: "All kiosks" or one of the kiosks the panel has seen so far.

The backend has no list of kiosks for the window; every session names its kiosk (`kioskId`),
so the choice grows with the sessions the panel reads (the live table, the history list)."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QComboBox

ALL_KIOSKS = "All kiosks"
_ROOM = 64  # the padding either side and the arrow


class KioskChoice(QComboBox):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.addItem(ALL_KIOSKS, None)
        # As wide as its widest id, not wider: the filter rows stay within an 800 px screen.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)

    def kiosk(self) -> str | None:
        """The chosen kiosk's id; None for every kiosk."""
        data = self.currentData()
        return str(data) if data else None

    def kiosks(self) -> list[str]:
        return [str(self.itemData(i)) for i in range(1, self.count())]

    def add_seen(self, kiosk_ids: Iterable[str]) -> None:
        """Offer kiosks not offered yet, in order; the current choice stays (no new search)."""
        known = set(self.kiosks())
        for kiosk_id in sorted(set(kiosk_ids) - known):
            self.addItem(kiosk_id, kiosk_id)
        # The style's padding is not in the combo's own measure: a 17-character id was cut off.
        widest = max(self.fontMetrics().horizontalAdvance(self.itemText(i)) for i in range(self.count()))
        self.setMinimumWidth(widest + _ROOM)

    def choose(self, kiosk_id: str | None) -> None:
        self.setCurrentIndex(max(0, self.findData(kiosk_id)) if kiosk_id else 0)
