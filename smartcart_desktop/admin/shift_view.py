"""The till's shift: open it with the float in the drawer, close it with the cash counted, and
read the Z report that closing gives (money by method, the drawer, what is not settled, the
reconciliation with the gateway), which can be saved as PDF or CSV.

It shows the controller's state and forwards the operator's intents; it never calls the API.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from smartcart_contract.money import format_money, parse_money
from smartcart_desktop.admin.admin_models import Shift, ZReport
from smartcart_desktop.admin.durations import local_time
from smartcart_desktop.ui.style import set_role

NOTE_MAX = 500


def report_rows(z: ZReport) -> list[tuple[str, str]]:
    """The Z report as (item, amount) rows, in the order it is read."""

    def money(minor: int | None) -> str:
        return "—" if minor is None else format_money(minor, z.currency)

    rows: list[tuple[str, str]] = [("Money by method", "")]
    for m in z.methods:
        refunds = f", {m.refunds} refunded {money(m.refunded_minor)}" if m.refunds else ""
        rows.append((f"  {m.method}: {m.payments} paid {money(m.taken_minor)}{refunds}", money(m.net_minor)))
    rows.append(("  All methods, less refunds", money(z.net_minor)))
    rows += [
        ("Cash drawer", ""),
        ("  Opening float", money(z.opening_float_minor)),
        ("  + Cash taken", money(z.cash_taken_minor)),
        ("  − Cash refunded", money(z.cash_refunded_minor)),
        ("  = Expected", money(z.expected_cash_minor)),
        ("  Counted", money(z.counted_cash_minor)),
        ("  Difference", money(z.difference_minor)),
        (f"Not settled ({len(z.unsettled)})", ""),
    ]
    rows += [(f"  {u.kind}: {u.detail} ({u.session_id[:8]}…)", money(u.amount_minor)) for u in z.unsettled]
    rec = z.reconciliation
    if not rec.checked:
        rows.append((f"Reconciliation: not checked ({rec.detail})", ""))
    else:
        verdict = "everything matches" if not rec.mismatches else f"{len(rec.mismatches)} mismatches"
        rows.append((f"Reconciliation: {rec.matched_charges} charge(s), {rec.matched_refunds} refund(s) matched; "
                     f"{verdict}", ""))
        rows += [(f"  {x.kind}: {x.detail}", money(x.amount_minor)) for x in rec.mismatches]
    return rows


class ShiftView(QWidget):
    open_requested = Signal(int)  # opening float, minor units
    close_requested = Signal(int, str)  # counted cash, note
    save_requested = Signal(int, str)  # shift id, "pdf" or "csv"

    def __init__(self) -> None:
        super().__init__()
        self._shift: Shift | None = None
        self.currency = "INR"
        self.status = set_role(QLabel("Loading the shift…"), "subtitle")
        self.status.setObjectName("shiftStatus")
        self.status.setWordWrap(True)
        self.float_edit = QLineEdit()
        self.float_edit.setObjectName("floatEdit")
        self.float_edit.setPlaceholderText("Cash in the drawer now, e.g. 2000.00")
        self.open_button = set_role(QPushButton("Open shift"), "primary")
        self.open_button.setObjectName("openShiftButton")
        self.counted_edit = QLineEdit()
        self.counted_edit.setObjectName("countedEdit")
        self.counted_edit.setPlaceholderText("Cash counted in the drawer")
        self.note_edit = QLineEdit()
        self.note_edit.setObjectName("noteEdit")
        self.note_edit.setPlaceholderText("Note (optional)")
        self.note_edit.setMaxLength(NOTE_MAX)
        self.close_button = set_role(QPushButton("Close shift"), "danger")
        self.close_button.setObjectName("closeShiftButton")
        self.error = set_role(QLabel(), "fieldError")
        self.error.setObjectName("shiftError")
        self.error.setWordWrap(True)
        self.error.hide()
        self.report = QTreeWidget()
        self.report.setObjectName("zReport")
        self.report.setHeaderLabels(["Z report", "Amount"])
        self.report.setRootIsDecorated(False)
        self.report.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.report.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.save_pdf_button = QPushButton("Save PDF…")
        self.save_pdf_button.setObjectName("savePdfButton")
        self.save_csv_button = QPushButton("Save CSV…")
        self.save_csv_button.setObjectName("saveCsvButton")
        self.open_button.clicked.connect(self._open)
        self.float_edit.returnPressed.connect(self._open)
        self.close_button.clicked.connect(self._close)
        self.save_pdf_button.clicked.connect(lambda: self._save("pdf"))
        self.save_csv_button.clicked.connect(lambda: self._save("csv"))
        for edit in (self.float_edit, self.counted_edit, self.note_edit):
            edit.textEdited.connect(lambda _text: self.error.hide())
        self._build()
        self.show_shift(None, loaded=False)

    def _build(self) -> None:
        self.open_box = QWidget()
        opening = QHBoxLayout(self.open_box)
        opening.setContentsMargins(0, 0, 0, 0)
        opening.addWidget(QLabel("Opening float"))
        opening.addWidget(self.float_edit, 1)
        opening.addWidget(self.open_button)
        self.close_box = QWidget()
        closing = QHBoxLayout(self.close_box)
        closing.setContentsMargins(0, 0, 0, 0)
        closing.addWidget(QLabel("Counted"))
        closing.addWidget(self.counted_edit, 1)
        closing.addWidget(self.note_edit, 1)  # the count's placeholder stays readable at 800 px
        closing.addWidget(self.close_button)
        saving = QHBoxLayout()
        saving.addStretch(1)
        saving.addWidget(self.save_pdf_button)
        saving.addWidget(self.save_csv_button)
        card = set_role(QFrame(), "card")
        inner = QVBoxLayout(card)
        inner.setContentsMargins(18, 12, 18, 12)
        inner.addWidget(self.status)
        inner.addWidget(self.open_box)
        inner.addWidget(self.close_box)
        inner.addWidget(self.error)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(card)
        layout.addWidget(self.report, 1)
        layout.addLayout(saving)

    # ---- intents ----------------------------------------------------------------------------

    def _open(self) -> None:
        amount = parse_money(self.float_edit.text(), self.currency)
        if amount is None:
            self.show_error("Enter the cash in the drawer, e.g. 2000.00 (0 for an empty drawer).")
            return
        self.open_button.setEnabled(False)
        self.open_requested.emit(amount)

    def _close(self) -> None:
        amount = parse_money(self.counted_edit.text(), self.currency)
        if amount is None:
            self.show_error("Count the cash in the drawer and enter it, e.g. 2540.00.")
            return
        self.close_button.setEnabled(False)
        self.close_requested.emit(amount, self.note_edit.text().strip())

    def _save(self, fmt: str) -> None:
        if self._shift is not None:
            self.save_requested.emit(self._shift.shift_id, fmt)

    # ---- showing ----------------------------------------------------------------------------

    @property
    def shift(self) -> Shift | None:
        return self._shift

    def show_error(self, text: str) -> None:
        self.open_button.setEnabled(True)
        self.close_button.setEnabled(True)
        self.error.setText(text)
        self.error.show()

    def show_shift(self, shift: Shift | None, *, loaded: bool = True) -> None:
        """None: no shift is open. A closed shift (just closed) shows its Z report."""
        # The report of a shift just closed stays until another one opens.
        if shift is None and self._shift is not None and self._shift.status == "closed":
            shift = self._shift
        self._shift = shift
        self.open_button.setEnabled(True)
        self.close_button.setEnabled(True)
        is_open = shift is not None and shift.status == "open"
        self.open_box.setVisible(loaded and not is_open)
        self.close_box.setVisible(is_open)
        if shift is not None:
            self.currency = shift.currency
        if is_open:
            self.float_edit.clear()  # the next opening counts its own float
        else:
            self.counted_edit.clear()
            self.note_edit.clear()
        if not loaded:
            self.status.setText("Loading the shift…")
        elif shift is None:
            self.status.setText("No shift is open. Count the float in the drawer and open one.")
        elif is_open:
            self.status.setText(f"Shift {shift.shift_id} open since {local_time(shift.opened_at)}, "
                                f"float {format_money(shift.opening_float_minor, shift.currency)}.")
        else:
            self.status.setText(f"Shift {shift.shift_id} closed at {local_time(shift.closed_at)}. "
                                "Open the next one when the drawer is ready.")
        self._fill(shift.report if shift is not None else None)
        can_save = shift is not None and shift.report is not None
        self.save_pdf_button.setEnabled(can_save)
        self.save_csv_button.setEnabled(can_save)

    def _fill(self, z: ZReport | None) -> None:
        self.report.clear()
        if z is None:
            return
        self.report.setHeaderLabels(["Z report" if z.final else "So far (closes with the count)", "Amount"])
        for text, amount in report_rows(z):
            item = QTreeWidgetItem([text, amount])
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if not text.startswith(" "):
                font = item.font(0)
                font.setBold(True)
                item.setFont(0, font)
            self.report.addTopLevelItem(item)

    def rows(self) -> list[tuple[str, str]]:
        """What the report shows, for tests and screenshots."""
        items = (self.report.topLevelItem(i) for i in range(self.report.topLevelItemCount()))
        return [(item.text(0), item.text(1)) for item in items if item is not None]
