"""Result: the receipt the backend issued for a verified payment (or one accepted offline,
marked as such), or why it ended otherwise.

A finished receipt stays for `return_after_s`, counting down, then the screen asks for the next
order by itself; "New order" does so at once. Print (shown when the kiosk has a printer) asks
the window to print the same document.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, QElapsedTimer, QEvent, QLocale, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from smartcart_contract.money import format_money
from smartcart_desktop.api.models import ReceiptDocument
from smartcart_desktop.checkout import messages
from smartcart_desktop.checkout.messages import Kind, Message
from smartcart_desktop.checkout.state import FlowState, Receipt, Stage
from smartcart_desktop.translation import QT_TRANSLATE_NOOP, translate
from smartcart_desktop.ui.kind_icon import KindIcon, headline_row, show_message
from smartcart_desktop.ui.scrolling import scrolling
from smartcart_desktop.ui.style import centred_label, set_role

_CONTEXT = "ResultScreen"

# The backend's texts, made here in the customer's language from the document's structured fields
# (backend/receipts/document.py keeps its English ones for the PDF and the printer).
_TITLES = {
    "tax_invoice": QT_TRANSLATE_NOOP("ResultScreen", "Tax invoice"),
    "receipt": QT_TRANSLATE_NOOP("ResultScreen", "Receipt"),
    "provisional": QT_TRANSLATE_NOOP("ResultScreen", "Provisional receipt - payment accepted offline"),
}
_METHODS = {
    "card": QT_TRANSLATE_NOOP("ResultScreen", "Card"),
    "upi": "UPI",
    "cash": QT_TRANSLATE_NOOP("ResultScreen", "Cash"),
    "upi_qr": "UPI (QR)",
    "card_present": QT_TRANSLATE_NOOP("ResultScreen", "Card on terminal"),
}
_BRANDS = {
    "visa": QT_TRANSLATE_NOOP("ResultScreen", "Visa card"),
    "mastercard": QT_TRANSLATE_NOOP("ResultScreen", "Mastercard"),
    "amex": QT_TRANSLATE_NOOP("ResultScreen", "Amex card"),
    "rupay": QT_TRANSLATE_NOOP("ResultScreen", "RuPay card"),
}
_CARD_ENDING = QT_TRANSLATE_NOOP("ResultScreen", "{brand} ending {last4}")
_TERMINAL_CARD_ENDING = QT_TRANSLATE_NOOP("ResultScreen", "{brand} ending {last4} (terminal)")
_CASH_CHANGE = QT_TRANSLATE_NOOP("ResultScreen", "Cash: received {received}, change {change}")
# The date's locale and pattern, translated like a text. English: Qt's C locale, whose "Dec" and
# "Sep" are the backend's strftime("%d %b %Y") to the letter. Hindi: hi_IN with the month's full
# name ("01 दिसंबर 2026"): it reads as a Hindi date does, where hi_IN's abbreviations ("सित॰") look
# clipped and all-digit 01/12/2026 would read as 12 January to a visitor used to month-first dates.
_DATE_LOCALE = QT_TRANSLATE_NOOP("ResultScreen", "C")
_DATE_FORMAT = QT_TRANSLATE_NOOP("ResultScreen", "dd MMM yyyy")


class ResultScreen(QWidget):
    new_order_requested = Signal()
    back_requested = Signal()
    another_method_requested = Signal()
    print_requested = Signal(object)  # ReceiptDocument

    def __init__(self, *, return_after_s: float = 20.0, can_print: bool = False) -> None:
        super().__init__()
        self.setObjectName("screen")
        self._can_print = can_print
        self._shown: ReceiptDocument | None = None  # the document on screen (its countdown runs)
        self._filled: Receipt | None = None  # the receipt drawn below, redrawn in another language
        self._print_source = ""
        self._state = FlowState()
        self.headline_icon = KindIcon()
        self.headline = centred_label("title", "headline", wrap=True)
        self.detail = centred_label("subtitle", "detail", wrap=True)
        self.receipt = set_role(QFrame(), "receipt")
        self.receipt.setObjectName("receipt")
        self.receipt.setMinimumWidth(480)
        self._receipt_layout = QVBoxLayout(self.receipt)
        self._receipt_layout.setContentsMargins(28, 12, 28, 12)
        self._receipt_layout.setSpacing(2)
        self.new_order_button = set_role(QPushButton(), "primary")
        self.new_order_button.setObjectName("newOrderButton")
        self.print_button = QPushButton()
        self.print_button.setObjectName("printButton")
        self.back_button = QPushButton()
        self.back_button.setObjectName("backButton")
        self.another_button = set_role(QPushButton(), "primary")
        self.another_button.setObjectName("anotherMethodButton")
        self.print_status = centred_label("muted", "printStatus")
        self.countdown = centred_label("muted", "returnCountdown")
        self.new_order_button.clicked.connect(self.new_order_requested)
        self.print_button.clicked.connect(self._print)
        self.back_button.clicked.connect(self.back_requested)
        self.another_button.clicked.connect(self.another_method_requested)
        self._return_ms = max(0, round(return_after_s * 1000))
        self._since = QElapsedTimer()
        self._return_timer = QTimer(self)  # steps the countdown; the elapsed timer is the truth
        self._return_timer.setInterval(min(250, max(1, self._return_ms)))
        self._return_timer.timeout.connect(self._tick)
        self._build()
        self.retranslate()

    def retranslate(self) -> None:
        """The texts that do not depend on the session (show_state renders the rest); the
        receipt is drawn again with its captions in the new language."""
        self.new_order_button.setText(self.tr("New order"))
        self.print_button.setText(self.tr("Print receipt"))
        self.back_button.setText(self.tr("Back to cart"))
        self.another_button.setText(self.tr("Use another method"))
        self.print_status.setText(translate(_CONTEXT, self._print_source))
        if self._return_timer.isActive():
            self._tick()
        if self._filled is not None:
            self._fill_receipt(self._filled)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() is QEvent.Type.LanguageChange:  # the customer switched language
            self.retranslate()
            self.show_state(self._state)
        super().changeEvent(event)

    def _build(self) -> None:
        receipt_row = QHBoxLayout()
        receipt_row.addStretch(1)
        self._receipt_scroll = scrolling(self.receipt)  # a long receipt scrolls, the buttons stay
        # Never taller than the receipt: spare height goes around it, not into its lines.
        self._receipt_scroll.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        receipt_row.addWidget(self._receipt_scroll)
        receipt_row.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.back_button, self.another_button, self.print_button, self.new_order_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 16, 40, 12)
        layout.setSpacing(10)
        layout.addStretch(1)
        layout.addLayout(headline_row(self.headline_icon, self.headline))
        layout.addWidget(self.detail)
        layout.addLayout(receipt_row)
        layout.addStretch(1)
        layout.addWidget(self.print_status)
        layout.addLayout(buttons)
        layout.addWidget(self.countdown)

    def show_state(self, state: FlowState) -> None:
        self._state = state
        session = state.session
        if session is None:
            self._stop_countdown()
            return
        stage = state.stage
        finished = (stage is Stage.COMPLETED and state.receipt is not None) or stage is Stage.OFFLINE_ACCEPTED
        document = state.receipt.document if state.receipt is not None else None
        self.new_order_button.setVisible(finished)
        self.print_button.setVisible(self._can_print and document is not None)
        self.back_button.setVisible(stage in (Stage.DECLINED, Stage.FAILED, Stage.EXPIRED))
        self.another_button.setVisible(stage is Stage.DECLINED)
        self.another_button.setEnabled(not state.busy)
        self.receipt.setVisible(document is not None)
        self._receipt_scroll.setVisible(document is not None)
        if stage is Stage.COMPLETED:
            if state.receipt is None:
                self._show(messages.SUBMITTED, "")
            else:
                # The amount where it is seen without scrolling the receipt on a small screen.
                thanks = self.tr("Thank you! Please take your items.")
                if document is not None:
                    paid = self.tr("Paid {amount}.").format(amount=format_money(document.total_minor, document.currency))
                    thanks = f"{paid} {thanks}"
                self._show(messages.COMPLETED, thanks)
        elif stage is Stage.OFFLINE_ACCEPTED:
            self._show(messages.ACCEPTED_OFFLINE, messages.OFFLINE_ACCEPTED)
        elif stage is Stage.DECLINED:
            self._show(messages.declined(session), self.tr("No money was taken. You can pay another way."))
        elif stage is Stage.FAILED:
            self._show(messages.MAX_RETRIES, messages.MAX_RETRIES_DETAIL)
        elif stage is Stage.EXPIRED:
            self._show(messages.EXPIRED, messages.EXPIRED_DETAIL)
        if finished and state.receipt is not None:
            if document is not self._shown:
                self._fill_receipt(state.receipt)
                self._start_countdown(document)
        else:
            self._stop_countdown()

    def show_print_status(self, text: str, *, failed: bool = False) -> None:
        """`text`: one of ours in English (shown translated) or the printer's own message."""
        set_role(self.print_status, "error" if failed else "muted")
        self.print_status.style().polish(self.print_status)
        self._print_source = text
        self.print_status.setText(translate(_CONTEXT, text))
        self.print_status.setVisible(bool(text))

    # ---- back to the cart by itself -------------------------------------------------------------

    def _start_countdown(self, document: ReceiptDocument | None) -> None:
        self._shown = document
        self.show_print_status("")
        self._since.start()
        self._return_timer.start()
        self._tick()

    def _stop_countdown(self) -> None:
        self._shown = None
        self._return_timer.stop()
        self.countdown.clear()

    def _tick(self) -> None:
        left_ms = self._return_ms - self._since.elapsed()
        if left_ms <= 0:
            self._stop_countdown()
            self.new_order_requested.emit()
            return
        self.countdown.setText(self.tr("Back to the start in {seconds} s").format(seconds=-(-left_ms // 1000)))

    def _print(self) -> None:
        if self._shown is not None:
            self.print_requested.emit(self._shown)

    def _show(self, headline: Message, detail: str) -> None:
        show_message(self.headline, self.headline_icon, headline)
        self.detail.setText(messages.tr(detail))
        self.detail.setVisible(bool(detail))

    # ---- the document -------------------------------------------------------------------------

    def _fill_receipt(self, receipt: Receipt) -> None:
        self._filled = receipt
        layout = self._receipt_layout
        while layout.count():
            item = layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        document = receipt.document
        if document is None:
            return
        if receipt.offline:
            # Marked on the receipt itself, not only in the headline: it is what the customer keeps.
            layout.addWidget(_offline_mark())
        for key, line, role in _header_lines(document):
            label = set_role(QLabel(line), role)
            label.setObjectName(f"receipt-{key}")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            layout.addWidget(label)
        rows = QGridLayout()
        rows.setContentsMargins(0, 8, 0, 0)
        rows.setHorizontalSpacing(24)
        rows.setVerticalSpacing(4)
        for row, (caption, value) in enumerate(receipt_lines(receipt)):
            name = set_role(QLabel(translate(_CONTEXT, caption)), "muted")
            text = QLabel(value)
            text.setObjectName(f"receipt-{caption.lower().replace(' ', '-').rstrip('.')}")
            # One item per line, unbroken: the receipt widens to its longest line (the screen's
            # width is kept by the scroll area and the window's fit).
            text.setTextFormat(Qt.TextFormat.PlainText)
            rows.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            rows.addWidget(text, row, 1)
        holder = QWidget()
        holder.setLayout(rows)
        layout.addWidget(holder)


def _offline_mark() -> QWidget:
    row = QWidget()
    line = QHBoxLayout(row)
    line.setContentsMargins(0, 0, 0, 0)
    warning = KindIcon(32)
    warning.show_kind(Kind.WARNING)
    mark = set_role(QLabel(messages.tr(messages.OFFLINE_MARK)), "offlineMark")
    mark.setObjectName("receipt-status")
    mark.setWordWrap(True)
    line.addWidget(warning, 0, Qt.AlignmentFlag.AlignVCenter)
    line.addWidget(mark, 1)
    return row


def _header_lines(document: ReceiptDocument) -> list[tuple[str, str, str]]:
    lines = [("shop", document.shop_name, "subtitle"), ("address", "\n".join(document.shop_address), "muted")]
    if document.gstin:
        lines.append(("gstin", f"GSTIN {document.gstin}", "muted"))
    lines.append(("title", title_text(document), "muted"))
    return lines


def title_text(document: ReceiptDocument) -> str:
    source = _TITLES.get(document.title_kind or "")
    return translate(_CONTEXT, source) if source is not None else document.title  # an older backend's


def issued_at_text(document: ReceiptDocument) -> str:
    """"01 Dec 2026, 21:10" as the backend prints it, in the customer's language: in the shop's
    time zone (the offset the backend sent), whatever the kiosk machine's is."""
    at = document.issued_at
    locale = QLocale(translate(_CONTEXT, _DATE_LOCALE))
    day = locale.toString(QDate(at.year, at.month, at.day), translate(_CONTEXT, _DATE_FORMAT))
    return f"{day}, {at:%H:%M}"


def paid_with_text(document: ReceiptDocument) -> str:
    """How it was paid, in the customer's language. The same rule as the backend's _paid_with
    (backend/receipts/document.py), which makes the English `paid_with` for the PDF and the printer
    only: in English the two read the same, word for word (tests/desktop/test_receipt_language.py)."""
    method, last4 = document.method, document.card_last4

    def brand() -> str:
        return translate(_CONTEXT, _BRANDS.get(document.card_brand or "", _METHODS["card"]))

    if method == "card":
        return translate(_CONTEXT, _CARD_ENDING).format(brand=brand(), last4=last4) if last4 else brand()
    if method == "upi" and document.upi_id:
        return f"UPI {document.upi_id}"
    if method == "card_present" and last4:
        return translate(_CONTEXT, _TERMINAL_CARD_ENDING).format(brand=brand(), last4=last4)
    if method == "cash" and document.cash_received_minor is not None:
        return translate(_CONTEXT, _CASH_CHANGE).format(
            received=format_money(document.cash_received_minor, document.currency),
            change=format_money(document.cash_change_minor or 0, document.currency),
        )
    source = _METHODS.get(method or "")
    return translate(_CONTEXT, source) if source is not None else (method or "—").upper()


def receipt_lines(receipt: Receipt) -> list[tuple[str, str]]:
    """The document's rows as (label, value): what the customer reads, nothing of the payment's
    internals (attempts, interruptions, ids: the admin's history has those). The labels are
    English source texts (the screen shows them translated); the values are the document's,
    its title, date and "paid with" made here in the customer's language."""
    document = receipt.document
    if document is None:
        return []

    def money(minor: int) -> str:
        return format_money(minor, document.currency)

    # One line per item: the taxable value of each is on the printed and PDF copies.
    items = [
        f"{line.quantity} × {line.name}   {money(line.total_minor)}"
        + (f"   (GST {line.tax.rate_percent}%)" if line.tax is not None else "")
        for line in document.lines
    ]
    lines = []
    if document.invoice_number:
        lines.append((QT_TRANSLATE_NOOP("ResultScreen", "Invoice no."), document.invoice_number))
    lines += [
        (QT_TRANSLATE_NOOP("ResultScreen", "Date"), issued_at_text(document)),
        (QT_TRANSLATE_NOOP("ResultScreen", "Order"), f"#{document.order_id}"),
        (QT_TRANSLATE_NOOP("ResultScreen", "Items"), "\n".join(items) or "—"),
    ]
    if document.taxed:
        lines += [
            (QT_TRANSLATE_NOOP("ResultScreen", "Taxable value"), money(document.taxable_minor)),
            ("CGST", money(document.cgst_minor)),
            ("SGST", money(document.sgst_minor)),
        ]
    lines += [
        (QT_TRANSLATE_NOOP("ResultScreen", "Total"), money(document.total_minor)),
        (QT_TRANSLATE_NOOP("ResultScreen", "Paid with"), paid_with_text(document)),
    ]
    if document.gateway_reference:
        lines.append((QT_TRANSLATE_NOOP("ResultScreen", "Bank reference"), document.gateway_reference))
    return lines
