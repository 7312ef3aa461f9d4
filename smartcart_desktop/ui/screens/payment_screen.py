"""Payment form: method, fields checked as they are typed (by the backend's rules), Pay, Cancel.

The card number and CVV live only in their line edits while this screen is up, and are wiped
when it is left. The screen never calls the backend: it emits what was typed for checking
and what the customer wants (pay, pay cash, cancel).
"""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from smartcart_contract.money import format_money, parse_money
from smartcart_contract.states import Status
from smartcart_desktop.api.models import Session, Validation
from smartcart_desktop.api.payment_details import (
    CardDetails,
    PaymentDetails,
    UpiDetails,
)
from smartcart_desktop.checkout import messages
from smartcart_desktop.checkout.state import FlowState, Stage
from smartcart_desktop.ui.scrolling import scrolling
from smartcart_desktop.ui.style import icon, restyle, set_role

CARD, UPI, CASH = "card", "upi", "cash"
_METHODS = (CARD, UPI, CASH)


class Field(QWidget):
    """A labelled line edit with the backend's complaint about it underneath."""

    def __init__(self, name: str, label: str, placeholder: str = "", *, pattern: str = "") -> None:
        super().__init__()
        self.name = name
        self.edit = QLineEdit()
        self.edit.setObjectName(f"{name}Edit")
        self.edit.setPlaceholderText(placeholder)
        if pattern:
            self.edit.setValidator(QRegularExpressionValidator(QRegularExpression(pattern), self.edit))
        self.problem = set_role(QLabel(), "fieldError")
        self.problem.setObjectName(f"{name}Error")
        self.touched = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(set_role(QLabel(label), "muted"))
        layout.addWidget(self.edit)
        layout.addWidget(self.problem)

    def text(self) -> str:
        return self.edit.text()

    def show_problem(self, problem: str | None) -> None:
        shown = problem if self.touched else None
        self.problem.setText(shown or "")
        self.edit.setProperty("invalid", bool(shown))
        restyle(self.edit)

    def clear(self) -> None:
        # setText, not clear(): clear() is undoable, so Ctrl+Z would bring the card number back.
        self.edit.setText("")
        self.touched = False
        self.show_problem(None)


class PaymentScreen(QWidget):
    pay_requested = Signal(object)  # PaymentDetails
    cash_requested = Signal(int)  # amount received, minor units
    cancel_requested = Signal()
    fields_edited = Signal(dict)  # what to check now: backend field name → text
    fields_cleared = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("screen")
        self._session: Session | None = None
        self._verdict: Validation | None = None
        self._busy = False
        self._showing = False
        self._hint_applied: tuple[str, str] | None = None
        self.title = set_role(QLabel("Payment"), "title")
        self.order_label = set_role(QLabel(), "subtitle")
        self.order_label.setObjectName("orderLabel")
        self.amount_label = set_role(QLabel(), "total")
        self.amount_label.setObjectName("amountLabel")
        self.hint = set_role(QLabel(), "notice")
        self.hint.setObjectName("resumeHint")
        self.hint.hide()
        self.error = set_role(QLabel(), "error")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.hide()
        self.attempt_label = set_role(QLabel(), "subtitle")
        self.attempt_label.setObjectName("attemptLabel")
        self.session_label = set_role(QLabel(), "mono")
        self.session_label.setObjectName("sessionLabel")
        self.session_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.number = Field("number", "Card number", "1234 5678 9012 3456", pattern=r"[0-9 ]{0,19}")
        self.holder = Field("holder", "Name on card", "As printed on the card")
        self.expiry = Field("expiry", "Expiry", "MM/YY", pattern=r"[0-9]{0,2}(/[0-9]{0,2})?")
        self.cvv = Field("cvv", "CVV", "123", pattern=r"[0-9]{0,3}")
        self.cvv.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.upi = Field("upiId", "UPI ID", "name@bank")
        self.cash = Field("cash", "Cash received (operator)", "0.00", pattern=r"[0-9,]{0,9}(\.[0-9]{0,2})?")
        self.brand = set_role(QLabel(), "subtitle")
        self.brand.setObjectName("brandLabel")
        self.change_label = set_role(QLabel(), "subtitle")
        self.change_label.setObjectName("changeLabel")
        self.methods = QButtonGroup(self)
        self.method_buttons: dict[str, QPushButton] = {}
        self.method_pages = QStackedWidget()
        self.cancel_button = set_role(QPushButton("Cancel"), "danger")
        self.cancel_button.setObjectName("cancelButton")
        self.pay_button = set_role(QPushButton("Pay"), "primary")
        self.pay_button.setObjectName("payButton")
        self._build()
        self._connect()
        self._select(CARD)

    # ---- layout -----------------------------------------------------------------------------

    def _build(self) -> None:
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.attempt_label)
        order_row = QHBoxLayout()
        order_row.addWidget(self.order_label)
        order_row.addStretch(1)
        order_row.addWidget(self.amount_label)
        method_row = QHBoxLayout()
        for key, text in ((CARD, "Card"), (UPI, "UPI"), (CASH, "Cash")):
            button = set_role(QPushButton(text), "method")
            button.setObjectName(f"{key}Method")
            button.setCheckable(True)
            button.setIcon(icon(key))
            button.setIconSize(button.iconSize() * 2)
            self.methods.addButton(button)
            self.method_buttons[key] = button
            method_row.addWidget(button)
        method_row.addStretch(1)
        self.method_pages.addWidget(self._card_page())
        self.method_pages.addWidget(self._single_page(self.upi))
        self.method_pages.addWidget(self._cash_page())
        form = set_role(QFrame(), "card")
        form_layout = QVBoxLayout(form)
        form_layout.setContentsMargins(24, 20, 24, 12)
        form_layout.addLayout(method_row)
        form_layout.addWidget(self.method_pages)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        self.pay_button.setMinimumWidth(320)
        buttons.addWidget(self.pay_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 20, 32, 12)
        layout.setSpacing(12)
        layout.addLayout(header)
        layout.addLayout(order_row)
        layout.addWidget(self.hint)
        layout.addWidget(scrolling(form), 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        layout.addWidget(self.session_label)

    def _card_page(self) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        grid.setContentsMargins(0, 12, 0, 0)
        grid.setHorizontalSpacing(20)
        grid.addWidget(self.number, 0, 0, 1, 2)
        grid.addWidget(self.brand, 0, 2, Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(self.holder, 1, 0, 1, 3)
        grid.addWidget(self.expiry, 2, 0)
        grid.addWidget(self.cvv, 2, 1)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 1)
        return page

    def _single_page(self, field: Field) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 12, 0, 0)
        layout.addWidget(field)
        layout.addStretch(1)
        return page

    def _cash_page(self) -> QWidget:
        page = self._single_page(self.cash)
        layout = page.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(1, self.change_label)
        hint = set_role(QLabel("Operator: count the cash, enter the amount, then confirm."), "muted")
        layout.insertWidget(2, hint)
        return page

    def _connect(self) -> None:
        self.methods.buttonClicked.connect(self._method_clicked)
        for field in [*self._card_fields(), self.upi]:
            field.edit.textEdited.connect(lambda _text, f=field: self._edited(f))
            field.edit.returnPressed.connect(self._submit)
        self.cash.edit.textEdited.connect(lambda _text: self._cash_edited())
        self.cash.edit.returnPressed.connect(self._submit)
        self.expiry.edit.textEdited.connect(self._expiry_slash)
        self.pay_button.clicked.connect(self._submit)
        self.cancel_button.clicked.connect(self.cancel_requested)

    # ---- what the flow says -----------------------------------------------------------------

    def show_state(self, state: FlowState) -> None:
        session = state.session
        if state.stage is not Stage.DETAILS or session is None:
            if self._showing:
                self.clear()
            return
        if self._session is None or session.session_id != self._session.session_id or not self._showing:
            self.clear()
        self._showing = True
        self._session = session
        self._busy = state.busy
        resuming = session.status is Status.INTERRUPTED
        method = state.method_hint
        if method is not None and method in _METHODS and not resuming:
            hint = (session.session_id, method)
            if hint != self._hint_applied:
                self._hint_applied = hint  # once: the customer may still switch to another method
                self._select(method)
                if method == CASH:
                    self.cash.edit.setFocus()  # the operator types the amount received straight away
        self.title.setText("Resume payment" if resuming else "Payment")
        self.hint.setText(messages.RESUME_DETAILS)
        self.hint.setVisible(resuming)
        self.method_buttons[CASH].setVisible(not resuming)  # cash cannot finish an attempted payment
        if resuming and self.method() == CASH:
            self._select(CARD)
        self.order_label.setText(f"Order #{session.order_id}")
        self.amount_label.setText(format_money(session.amount_minor, session.currency))
        self.attempt_label.setText(messages.next_attempt(session))
        self.session_label.setText(f"Session {session.session_id}")
        self.error.setText(state.error or "")
        self.error.setVisible(bool(state.error))
        self._update_pay_button()

    def show_validation(self, verdict: Validation) -> None:
        self._verdict = verdict
        for field in [*self._card_fields(), self.upi]:
            field.show_problem(verdict.errors.get(field.name))
        self.brand.setText((verdict.brand or "").capitalize())
        self._update_pay_button()

    def clear(self) -> None:
        """Wipe everything typed, card number and CVV first."""
        for field in [*self._card_fields(), self.upi, self.cash]:
            field.clear()
        self.brand.clear()
        self.change_label.clear()
        self._verdict = None
        self._session = None
        self._showing = False
        self._select(CARD)
        self.fields_cleared.emit()

    # ---- what the customer does -------------------------------------------------------------

    def method(self) -> str:
        return next((k for k, b in self.method_buttons.items() if b.isChecked()), CARD)

    def _method_clicked(self, button: QPushButton) -> None:
        self._select(next(k for k, b in self.method_buttons.items() if b is button))

    def _select(self, method: str) -> None:
        self.method_buttons[method].setChecked(True)
        self.method_pages.setCurrentIndex((CARD, UPI, CASH).index(method))
        self._verdict = None
        self._request_check()
        self._update_pay_button()

    def _edited(self, field: Field) -> None:
        field.touched = True
        self._verdict = None  # the last verdict was about other text
        self._update_pay_button()
        self._request_check()

    def _expiry_slash(self, text: str) -> None:
        if len(text) == 2 and text.isdigit():
            self.expiry.edit.setText(text + "/")

    def _cash_edited(self) -> None:
        self.cash.touched = True
        received = parse_money(self.cash.text())
        due = self._session.amount_minor if self._session else 0
        currency = self._session.currency if self._session else "INR"
        if received is None:
            self.change_label.setText("")
        elif received < due:
            self.change_label.setText(f"Still due: {format_money(due - received, currency)}")
        else:
            self.change_label.setText(f"Change: {format_money(received - due, currency)}")
        self._update_pay_button()

    def _request_check(self) -> None:
        fields = self._fields_of(self.method())
        if any(f.text() for f in fields):
            self.fields_edited.emit({f.name: f.text() for f in fields})
        else:
            self.fields_cleared.emit()  # also drops a verdict still on its way

    def _submit(self) -> None:
        if not self.pay_button.isEnabled():
            return
        method = self.method()
        if method == CASH:
            amount = parse_money(self.cash.text())
            if amount is not None:
                self.cash_requested.emit(amount)
            return
        self.pay_requested.emit(self._details(method))

    def _details(self, method: str) -> PaymentDetails:
        if method == UPI:
            return UpiDetails(upi_id=self.upi.text().strip())
        return CardDetails(
            number=self.number.text().replace(" ", ""),
            holder=self.holder.text().strip(),
            expiry=self.expiry.text(),
            cvv=self.cvv.text(),
        )

    def _update_pay_button(self) -> None:
        session = self._session
        method = self.method()
        if session is None:
            ready = False
        elif method == CASH:
            received = parse_money(self.cash.text())
            ready = received is not None and received >= session.amount_minor
        else:
            ready = self._verdict is not None and self._verdict.valid
        self.pay_button.setEnabled(ready and not self._busy)
        amount = format_money(session.amount_minor, session.currency) if session else ""
        if method == CASH:
            self.pay_button.setText("Confirm cash received")
        elif session is not None and session.status is Status.INTERRUPTED:
            self.pay_button.setText(f"Resume payment {amount}")
        else:
            self.pay_button.setText(f"Pay {amount}".strip())

    def _card_fields(self) -> list[Field]:
        return [self.number, self.holder, self.expiry, self.cvv]

    def _fields_of(self, method: str) -> list[Field]:
        return {CARD: self._card_fields(), UPI: [self.upi], CASH: []}[method]
