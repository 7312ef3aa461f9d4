"""A label counting down to a deadline the backend set (a UPI QR's or a terminal's expiry).

The deadline is the backend's, in wall-clock time: this only shows how long is left, ticking a
QTimer. It decides nothing; when the time is up the backend closes the payment and says so.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel

from smartcart_desktop.translation import QT_TRANSLATE_NOOP, translate

CONTEXT = "Countdown"
EXPIRES_IN = QT_TRANSLATE_NOOP("Countdown", "Expires in {time}")


def remaining_text(seconds: float) -> str:
    whole = max(0, math.ceil(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


class Countdown(QObject):
    expired = Signal()  # the deadline has passed (once per deadline)

    def __init__(
        self,
        label: QLabel,
        *,
        template: str = EXPIRES_IN,  # an English source text in CONTEXT, with {time}
        clock: Callable[[], float] = time.time,
        interval_ms: int = 250,
    ) -> None:
        super().__init__(label)
        self._label = label
        self._template = template
        self._clock = clock
        self._deadline: float | None = None
        self._fired = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.tick)

    def run_until(self, deadline: datetime | None) -> None:
        at = deadline.timestamp() if deadline is not None else None
        if at != self._deadline:
            self._deadline = at
            self._fired = False
        if at is None:
            self.stop()
            self._label.clear()
            return
        if not self._timer.isActive():
            self._timer.start()
        self.tick()

    def stop(self) -> None:
        self._timer.stop()

    def remaining_s(self) -> float | None:
        return None if self._deadline is None else max(0.0, self._deadline - self._clock())

    @property
    def is_expired(self) -> bool:
        left = self.remaining_s()
        return left is not None and left <= 0

    def tick(self) -> None:
        left = self.remaining_s()
        if left is None:
            return
        # Translated at each tick: a language switch shows at the next one.
        self._label.setText(translate(CONTEXT, self._template).format(time=remaining_text(left)))
        if left <= 0:
            self._timer.stop()
            if not self._fired:
                self._fired = True
                self.expired.emit()
