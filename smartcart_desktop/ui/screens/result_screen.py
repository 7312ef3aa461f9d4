"""Result: the receipt after a verified payment (or one accepted offline, marked as such), or
why it ended otherwise."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from smartcart_contract.money import format_money
from smartcart_desktop.checkout import messages
from smartcart_desktop.checkout.messages import Kind, Message
from smartcart_desktop.checkout.state import FlowState, Receipt, Stage
from smartcart_desktop.ui.kind_icon import KindIcon, headline_row, show_message
from smartcart_desktop.ui.scrolling import scrolling
from smartcart_desktop.ui.style import set_role


class ResultScreen(QWidget):
    new_order_requested = Signal()
    back_requested = Signal()
    another_method_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("screen")
        self.headline_icon = KindIcon()
        self.headline = set_role(QLabel(), "title")
        self.headline.setObjectName("headline")
        self.headline.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.headline.setWordWrap(True)
        self.detail = set_role(QLabel(), "subtitle")
        self.detail.setObjectName("detail")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail.setWordWrap(True)
        self.receipt = set_role(QFrame(), "receipt")
        self.receipt.setObjectName("receipt")
        self.receipt.setMinimumWidth(420)
        self._rows = QGridLayout(self.receipt)
        self._rows.setContentsMargins(28, 20, 28, 20)
        self._rows.setHorizontalSpacing(28)
        self._rows.setVerticalSpacing(8)
        self.new_order_button = set_role(QPushButton("New order"), "primary")
        self.new_order_button.setObjectName("newOrderButton")
        self.back_button = QPushButton("Back to cart")
        self.back_button.setObjectName("backButton")
        self.another_button = set_role(QPushButton("Use another method"), "primary")
        self.another_button.setObjectName("anotherMethodButton")
        self.new_order_button.clicked.connect(self.new_order_requested)
        self.back_button.clicked.connect(self.back_requested)
        self.another_button.clicked.connect(self.another_method_requested)
        self._build()

    def _build(self) -> None:
        receipt_row = QHBoxLayout()
        receipt_row.addStretch(1)
        self._receipt_scroll = scrolling(self.receipt)  # a long receipt scrolls, the buttons stay
        receipt_row.addWidget(self._receipt_scroll)
        receipt_row.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.back_button, self.another_button, self.new_order_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 28, 40, 24)
        layout.setSpacing(18)
        layout.addStretch(1)
        layout.addLayout(headline_row(self.headline_icon, self.headline))
        layout.addWidget(self.detail)
        layout.addLayout(receipt_row)
        layout.addStretch(1)
        layout.addLayout(buttons)

    def show_state(self, state: FlowState) -> None:
        session = state.session
        if session is None:
            return
        stage = state.stage
        finished = (stage is Stage.COMPLETED and state.receipt is not None) or stage is Stage.OFFLINE_ACCEPTED
        self.new_order_button.setVisible(finished)
        self.back_button.setVisible(stage in (Stage.DECLINED, Stage.FAILED, Stage.EXPIRED))
        self.another_button.setVisible(stage is Stage.DECLINED)
        self.another_button.setEnabled(not state.busy)
        self.receipt.setVisible(state.receipt is not None)
        self._receipt_scroll.setVisible(state.receipt is not None)
        if stage is Stage.COMPLETED:
            if state.receipt is None:
                self._show(messages.SUBMITTED, "")
            else:
                self._show(messages.COMPLETED, "Thank you! Please take your items.")
                self._fill_receipt(state.receipt)
        elif stage is Stage.OFFLINE_ACCEPTED:
            self._show(messages.ACCEPTED_OFFLINE, messages.OFFLINE_ACCEPTED)
            if state.receipt is not None:
                self._fill_receipt(state.receipt)
        elif stage is Stage.DECLINED:
            self._show(messages.declined(session), "No money was taken. You can pay another way.")
        elif stage is Stage.FAILED:
            self._show(messages.MAX_RETRIES, messages.MAX_RETRIES_DETAIL)
        elif stage is Stage.EXPIRED:
            self._show(messages.EXPIRED, messages.EXPIRED_DETAIL)

    def _show(self, headline: Message, detail: str) -> None:
        show_message(self.headline, self.headline_icon, headline)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))

    def _fill_receipt(self, receipt: Receipt) -> None:
        while self._rows.count():
            item = self._rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        first = 0
        if receipt.offline:
            # Marked on the receipt itself, not only in the headline: it is what the customer keeps.
            mark = set_role(QLabel(messages.OFFLINE_MARK), "offlineMark")
            mark.setObjectName("receipt-status")
            mark.setWordWrap(True)
            warning = KindIcon(32)
            warning.show_kind(Kind.WARNING)
            self._rows.addWidget(warning, 0, 0, Qt.AlignmentFlag.AlignVCenter)
            self._rows.addWidget(mark, 0, 1)
            first = 1
        for row, (label, value) in enumerate(receipt_lines(receipt), start=first):
            name = set_role(QLabel(label), "muted")
            text = QLabel(value)
            text.setObjectName(f"receipt-{label.lower().replace(' ', '-')}")
            text.setWordWrap(True)
            self._rows.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            self._rows.addWidget(text, row, 1)


def receipt_lines(receipt: Receipt) -> list[tuple[str, str]]:
    session, order = receipt.session, receipt.order
    items = "\n".join(
        f"{i.quantity} × {i.name}   {format_money(i.line_total_minor, order.currency)}" for i in order.items
    )
    when = (session.finished_at or session.updated_at).astimezone()
    lines = [
        ("Order", f"#{order.order_id}"),
        ("Items", items or "—"),
        ("Amount", format_money(session.amount_minor, session.currency)),
        ("Paid with", messages.paid_with(session, receipt.cash_received_minor)),
        ("Time", when.strftime("%d %b %Y, %H:%M:%S")),
    ]
    summary = receipt.summary
    if summary is not None:
        if summary.attempts:  # a cash payment makes no attempt at the gateway
            lines.append(("Attempts", f"{summary.attempts} of {summary.max_attempts}"))
        if summary.interruptions:
            reason = summary.last_interruption_reason
            last = f" (last: {reason})" if reason else ""
            lines.append(("Interruptions", f"{summary.interruptions}{last}"))
        lines.append(("Duration", f"{summary.duration_seconds:.1f} s"))
    lines.append(("Session", session.session_id))
    return lines
