"""Exports: a day range, a status filter and a format; progress while it streams; cancel."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from smartcart_contract.states import Status
from smartcart_desktop.admin.export_request import FORMATS, ExportRequest, ExportResult
from smartcart_desktop.admin.kiosk_choice import KioskChoice
from smartcart_desktop.admin.report_range import DayRange
from smartcart_desktop.ui.style import restyle, set_role

ALL_STATUSES = "All statuses"
_FORMAT_TEXT = {"csv": "CSV", "json": "JSON", "pdf": "PDF summary"}


def _size_text(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


class ExportPanel(QWidget):
    export_requested = Signal(object)  # ExportRequest
    cancel_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        today = QDate.currentDate()
        self.from_date = self._date_edit("fromDate", today)
        self.to_date = self._date_edit("toDate", today)
        self.status = QComboBox()
        self.status.setObjectName("statusFilter")
        self.status.setMinimumWidth(320)
        self.status.addItem(ALL_STATUSES, "")
        for status in Status:
            self.status.addItem(status.value, status.value)
        self.kiosk = KioskChoice("kioskFilter")
        self.format_group = QButtonGroup(self)
        self.format_group.setExclusive(True)
        self.format_buttons: dict[str, QPushButton] = {}
        formats = QHBoxLayout()
        formats.setSpacing(12)
        for fmt in FORMATS:
            button = set_role(QPushButton(_FORMAT_TEXT[fmt]), "method")
            button.setObjectName(f"format-{fmt}")
            button.setCheckable(True)
            self.format_group.addButton(button)
            self.format_buttons[fmt] = button
            formats.addWidget(button)
        formats.addStretch(1)
        self.format_buttons["csv"].setChecked(True)
        self.export_button = set_role(QPushButton("Export…"), "primary")
        self.export_button.setObjectName("exportButton")
        self.cancel_button = set_role(QPushButton("Cancel export"), "danger")
        self.cancel_button.setObjectName("cancelExportButton")
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setObjectName("exportProgress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("")
        self.message = QLabel("Choose a range, a status, a kiosk and a format, then Export.")
        self.message.setObjectName("exportStatus")
        self.message.setWordWrap(True)
        self.export_button.clicked.connect(self._export)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self._build(formats)

    @staticmethod
    def _date_edit(name: str, day: QDate) -> QDateEdit:
        edit = QDateEdit(day)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMaximumDate(day.addYears(1))
        edit.setMinimumWidth(190)
        return edit

    def _build(self, formats: QHBoxLayout) -> None:
        card = set_role(QFrame(), "card")
        grid = QGridLayout(card)
        grid.setContentsMargins(24, 20, 24, 20)
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(16)
        dates = QHBoxLayout()
        dates.setSpacing(12)
        dates.addWidget(self.from_date)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.to_date)
        dates.addStretch(1)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status)
        status_row.addStretch(1)
        kiosk_row = QHBoxLayout()
        kiosk_row.addWidget(self.kiosk)
        kiosk_row.addStretch(1)
        centred = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        rows = (("Created", dates), ("Status", status_row), ("Kiosk", kiosk_row), ("Format", formats))
        for row, (caption, fields) in enumerate(rows):
            grid.addWidget(QLabel(caption), row, 0, alignment=centred)
            grid.addLayout(fields, row, 1)
        grid.setColumnStretch(1, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        layout.addWidget(set_role(QLabel("Export payment sessions"), "subtitle"))
        layout.addWidget(card)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addStretch(1)

    # ---- what was asked ------------------------------------------------------------------------

    def selected_format(self) -> str:
        return next(fmt for fmt, button in self.format_buttons.items() if button.isChecked())

    def set_format(self, fmt: str) -> None:
        self.format_buttons[fmt].setChecked(True)

    def request(self) -> ExportRequest | None:
        first: date = self.from_date.date().toPython()  # type: ignore[assignment]  # QDate -> date
        last: date = self.to_date.date().toPython()  # type: ignore[assignment]
        if last < first:
            self.show_failed("The end date is before the start date.")
            return None
        status = self.status.currentData()
        return ExportRequest(
            fmt=self.selected_format(), days=DayRange(first, last), statuses=(status,) if status else (),
            kiosk=self.kiosk.kiosk(),
        )

    def _export(self) -> None:
        request = self.request()
        if request is not None:
            self.export_requested.emit(request)

    # ---- how it goes ------------------------------------------------------------------------

    def _set_message(self, text: str, role: str = "") -> None:
        self.message.setText(text)
        self.message.setProperty("role", role)
        restyle(self.message)

    def show_started(self, request: ExportRequest) -> None:
        self.export_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)  # busy until the first numbers arrive
        self.progress.setFormat("")
        self._set_message(f"Exporting {request.days.describe()} as {_FORMAT_TEXT[request.fmt]}…")

    def show_progress(self, done: int, expected: int, fmt: str) -> None:
        if fmt == "pdf":
            self.progress.setRange(0, 0)
            self._set_message(f"Receiving the PDF… {_size_text(done)}")
            return
        if expected > 0:
            self.progress.setRange(0, expected)
            self.progress.setValue(min(done, expected))
            self.progress.setFormat(f"{min(done, expected):,} of {expected:,} sessions")
        else:
            self.progress.setRange(0, 0)
            self._set_message(f"Exporting… {done:,} sessions so far")

    def _idle(self) -> None:
        self.export_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def show_finished(self, result: ExportResult) -> None:
        self._idle()
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        what = f"{result.rows:,} sessions, " if result.rows is not None else ""
        self.progress.setFormat("Done")
        self._set_message(f"Saved {result.path} ({what}{_size_text(result.size)}).")

    def show_failed(self, message: str) -> None:
        self._idle()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("")
        self._set_message(message, "error")

    def show_cancelled(self) -> None:
        self._idle()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("")
        self._set_message("Export cancelled; no file was left behind.")
