"""Payment form: the methods this kiosk offers (UPI by QR, card on the terminal, cash with the
operator; typed card and UPI id in tester mode), fields checked as they are typed (by the
backend's rules), Pay, Cancel.

The card number, CVV and operator PIN live only in their line edits while this screen is up, and
are wiped when it is left. The screen never calls the backend: it emits what was typed for
checking and what the customer wants (pay, pay cash, cancel).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRegularExpression, QSize, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from smartcart_contract.money import format_money
from smartcart_contract.states import Status
from smartcart_desktop.api.models import Session, Validation
from smartcart_desktop.api.payment_details import (
    CardDetails,
    PaymentDetails,
    TerminalRequest,
    UpiDetails,
    UpiQrRequest,
)
from smartcart_desktop.checkout import messages, payment_methods
from smartcart_desktop.checkout.payment_methods import CARD, CARD_PRESENT, CASH, KNOWN, LOOKS, UPI, UPI_QR
from smartcart_desktop.checkout.state import FlowState, Stage
from smartcart_desktop.translation import QT_TRANSLATE_NOOP, translate
from smartcart_desktop.ui.cash_panel import CashPanel
from smartcart_desktop.ui.grouped_digits import DigitGrouper
from smartcart_desktop.ui.scrolling import scrolling
from smartcart_desktop.ui.style import icon, restyle, set_role

_METHOD_COLUMNS = 3  # five methods (tester mode) in two rows still fit an 800 px screen
_CONTEXT = "PaymentScreen"
UPI_QR_INTRO = QT_TRANSLATE_NOOP(
    "PaymentScreen", "A QR code for the exact amount appears on the next screen. Scan it with any UPI app."
)
TERMINAL_INTRO = QT_TRANSLATE_NOOP(
    "PaymentScreen", "Pay on the card terminal beside this screen: tap, insert or swipe your card."
)


class Field(QWidget):
    """A labelled line edit with the backend's complaint about it underneath (the label and
    placeholder are English source texts, shown translated)."""

    def __init__(self, name: str, label: str, placeholder: str = "", *, pattern: str = "") -> None:
        super().__init__()
        self.name = name
        self._label_source, self._placeholder_source = label, placeholder
        self.label = set_role(QLabel(), "muted")
        self.edit = QLineEdit()
        self.edit.setObjectName(f"{name}Edit")
        if pattern:
            self.edit.setValidator(QRegularExpressionValidator(QRegularExpression(pattern), self.edit))
        self.problem = set_role(QLabel(), "fieldError")
        self.problem.setObjectName(f"{name}Error")
        self.touched = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.label)
        layout.addWidget(self.edit)
        layout.addWidget(self.problem)
        self.retranslate()

    def retranslate(self) -> None:
        self.label.setText(translate(_CONTEXT, self._label_source))
        self.edit.setPlaceholderText(translate(_CONTEXT, self._placeholder_source) if self._placeholder_source else "")

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


class OnePage(QWidget):
    """Shows one of its pages. Not a QStackedWidget: that asks for the room of its tallest page
    (and the height-for-width of all of them), so the UPI QR's one line would scroll for the room
    the card form needs. Hidden pages take no room in a layout."""

    def __init__(self) -> None:
        super().__init__()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._current: QWidget | None = None

    def addWidget(self, page: QWidget) -> None:
        self._layout.addWidget(page)
        page.setVisible(self._current is None)
        if self._current is None:
            self._current = page

    def setCurrentWidget(self, page: QWidget) -> None:
        for index in range(self._layout.count()):
            item = self._layout.itemAt(index)
            other = item.widget() if item is not None else None
            if other is not None and other is not page:
                other.hide()
        page.show()
        self._current = page

    def currentWidget(self) -> QWidget | None:
        return self._current


class PaymentScreen(QWidget):
    pay_requested = Signal(object)  # PaymentDetails
    cash_requested = Signal(int, str)  # amount received (minor units), the operator's PIN
    cancel_requested = Signal()
    fields_edited = Signal(dict)  # what to check now: backend field name → text
    fields_cleared = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("screen")
        self._session: Session | None = None
        self._state = FlowState()
        self._verdict: Validation | None = None
        self._busy = False
        self._showing = False
        self._hint_applied: tuple[str, str] | None = None
        self._offered: tuple[str, ...] = ()
        self._pin_error_shown: str | None = None
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # holds the focus while Pay is disabled
        self.title = set_role(QLabel(self.tr("Payment")), "title")
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
        self.attempt_label = set_role(QLabel(), "muted")
        self.attempt_label.setObjectName("attemptLabel")
        self.session_label = set_role(QLabel(), "mono")
        self.session_label.setObjectName("sessionLabel")
        self.session_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Up to 19 digits, grouped in fours as typed.
        number_label = QT_TRANSLATE_NOOP("PaymentScreen", "Card number")
        self.number = Field("number", number_label, "1234 5678 9012 3456", pattern=r"[0-9 ]{0,23}")
        DigitGrouper(self.number.edit)
        holder_hint = QT_TRANSLATE_NOOP("PaymentScreen", "As printed on the card")
        self.holder = Field("holder", QT_TRANSLATE_NOOP("PaymentScreen", "Name on card"), holder_hint)
        expiry = QT_TRANSLATE_NOOP("PaymentScreen", "Expiry")
        self.expiry = Field("expiry", expiry, QT_TRANSLATE_NOOP("PaymentScreen", "MM/YY"), pattern=r"[0-9]{0,2}(/[0-9]{0,2})?")
        self.cvv = Field("cvv", QT_TRANSLATE_NOOP("PaymentScreen", "CVV"), "123", pattern=r"[0-9]{0,3}")
        self.cvv.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.upi = Field("upiId", QT_TRANSLATE_NOOP("PaymentScreen", "UPI ID"), "name@bank")
        self._notes: list[tuple[QLabel, str]] = []
        self.cash = CashPanel()
        self.brand = set_role(QLabel(), "subtitle")
        self.brand.setObjectName("brandLabel")
        self.methods = QButtonGroup(self)
        self.method_buttons: dict[str, QPushButton] = {}
        self.method_grid = QGridLayout()
        self.method_pages = OnePage()
        self._page_of: dict[str, QWidget] = {}
        self.cancel_button = set_role(QPushButton(), "danger")
        self.cancel_button.setObjectName("cancelButton")
        self.pay_button = set_role(QPushButton(), "primary")
        self.pay_button.setObjectName("payButton")
        self._build()
        self.retranslate()
        self._connect()
        self._show_methods(KNOWN)

    # ---- layout -----------------------------------------------------------------------------

    def _build(self) -> None:
        # One row for what is paid, one at the foot for which attempt of which session: the
        # cash keypad needs the height between them on an 800×600 screen.
        header = QHBoxLayout()
        header.setSpacing(18)
        header.addWidget(self.title)
        header.addWidget(self.order_label, 0, Qt.AlignmentFlag.AlignBottom)
        header.addStretch(1)
        header.addWidget(self.amount_label)
        foot = QHBoxLayout()
        foot.addWidget(self.session_label)
        foot.addStretch(1)
        foot.addWidget(self.attempt_label)
        self.method_grid.setSpacing(10)
        for key in KNOWN:
            look = LOOKS[key]
            button = set_role(QPushButton(), "method")
            button.setObjectName(f"{key}Method")
            button.setCheckable(True)
            button.setIcon(icon(look.icon))
            button.setIconSize(QSize(28, 28))
            self.methods.addButton(button)
            self.method_buttons[key] = button
        self._page_of = {
            UPI_QR: self._note_page(UPI_QR_INTRO, "upiQrIntro"),
            CARD_PRESENT: self._note_page(TERMINAL_INTRO, "terminalIntro"),
            CASH: self.cash,
            CARD: self._card_page(),
            UPI: self._single_page(self.upi),
        }
        for page in self._page_of.values():
            self.method_pages.addWidget(page)
        form = set_role(QFrame(), "card")
        form_layout = QVBoxLayout(form)
        form_layout.setContentsMargins(24, 20, 24, 12)
        form_layout.addLayout(self.method_grid)
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
        layout.addWidget(self.hint)
        layout.addWidget(scrolling(form), 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        layout.addLayout(foot)

    def retranslate(self) -> None:
        """The texts that do not depend on the session (show_state renders the rest)."""
        for key, button in self.method_buttons.items():
            button.setText(translate(payment_methods.CONTEXT, LOOKS[key].label))
        for field in [*self._card_fields(), self.upi]:
            field.retranslate()
        for note, source in self._notes:
            note.setText(translate(_CONTEXT, source))
        self.cash.retranslate()
        self.cancel_button.setText(self.tr("Cancel"))
        self._update_pay_button()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() is QEvent.Type.LanguageChange:  # the customer switched language
            self.retranslate()
            self.show_state(self._state)
        super().changeEvent(event)

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

    def _note_page(self, text: str, name: str) -> QWidget:
        note = set_role(QLabel(translate(_CONTEXT, text)), "subtitle")
        note.setObjectName(name)
        self._notes.append((note, text))
        note.setWordWrap(True)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 16, 0, 0)
        layout.addWidget(note)
        layout.addStretch(1)
        return page

    def _show_methods(self, offered: tuple[str, ...]) -> None:
        """Only the methods the backend offers, in its order, three to a row."""
        if offered == self._offered:
            return
        self._offered = offered
        for button in self.method_buttons.values():
            self.method_grid.removeWidget(button)
            button.hide()
        for index, key in enumerate(offered):
            button = self.method_buttons[key]
            self.method_grid.addWidget(button, index // _METHOD_COLUMNS, index % _METHOD_COLUMNS)
            button.show()
        if offered and self.method() not in offered:
            self._select(offered[0])

    def _connect(self) -> None:
        self.methods.buttonClicked.connect(self._method_clicked)
        for field in [*self._card_fields(), self.upi]:
            field.edit.textEdited.connect(lambda _text, f=field: self._edited(f))
            field.edit.returnPressed.connect(self._submit)
        self.cash.changed.connect(self._update_pay_button)
        self.cash.submitted.connect(self._submit)
        self.expiry.edit.textEdited.connect(self._expiry_slash)
        self.pay_button.clicked.connect(self._submit)
        self.cancel_button.clicked.connect(self.cancel_requested)

    # ---- what the flow says -----------------------------------------------------------------

    def show_state(self, state: FlowState) -> None:
        self._state = state
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
        self._show_methods(self._usable(state.payment_methods, resuming=resuming))
        method = state.method_hint
        if method is not None and method in self._offered and not resuming:
            hint = (session.session_id, method)
            if hint != self._hint_applied:
                self._hint_applied = hint  # once: the customer may still switch to another method
                self._select(method)
                if method == CASH:
                    self.cash.start()  # the operator types straight away
        self.title.setText(self.tr("Resume payment") if resuming else self.tr("Payment"))
        self.hint.setText(messages.tr(messages.RESUME_DETAILS))
        self.hint.setVisible(resuming)
        self.cash.show_due(session.amount_minor, session.currency)
        if state.operator_pin_error != self._pin_error_shown:
            self._pin_error_shown = state.operator_pin_error  # once: the PIN is then typed again
            self.cash.show_pin_error(state.operator_pin_error)
        self.order_label.setText(self.tr("Order #{order}").format(order=session.order_id))
        self.amount_label.setText(format_money(session.amount_minor, session.currency))
        self.attempt_label.setText(messages.next_attempt(session))
        self.session_label.setText(self.tr("Session {id}").format(id=session.session_id))
        self.error.setText(messages.tr(state.error or ""))
        self.error.setVisible(bool(state.error))
        self._update_pay_button()

    def show_validation(self, verdict: Validation) -> None:
        self._verdict = verdict
        for field in [*self._card_fields(), self.upi]:
            field.show_problem(verdict.errors.get(field.name))
        self.brand.setText((verdict.brand or "").capitalize())
        self._update_pay_button()

    def clear(self) -> None:
        """Wipe everything typed, card number, CVV and operator PIN first."""
        for field in [*self._card_fields(), self.upi]:
            field.clear()
        self.cash.clear()
        self.brand.clear()
        self._verdict = None
        self._session = None
        self._showing = False
        self._pin_error_shown = None
        if self._offered:
            self._select(self._offered[0])
        self.fields_cleared.emit()

    def focus_target(self) -> QWidget:
        """Where the keyboard focus goes when this screen comes up."""
        return self.pay_button

    # ---- what the customer does -------------------------------------------------------------

    def method(self) -> str:
        return next((k for k, b in self.method_buttons.items() if b.isChecked()), "")

    def _method_clicked(self, button: QPushButton) -> None:
        self._select(next(k for k, b in self.method_buttons.items() if b is button))

    def _select(self, method: str) -> None:
        self.method_buttons[method].setChecked(True)
        self.method_pages.setCurrentWidget(self._page_of[method])
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
            amount = self.cash.received_minor()
            if amount is not None:
                self.cash_requested.emit(amount, self.cash.operator_pin())
            return
        self.pay_requested.emit(self._details(method))

    def _details(self, method: str) -> PaymentDetails:
        if method == UPI_QR:
            return UpiQrRequest()
        if method == CARD_PRESENT:
            return TerminalRequest()
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
        if session is None or not method:
            ready = False
        elif method == CASH:
            ready = self.cash.ready()
        elif method in (UPI_QR, CARD_PRESENT):
            ready = True  # nothing to type: the phone or the terminal takes it from here
        else:
            ready = self._verdict is not None and self._verdict.valid
        enabled = ready and not self._busy
        if self.pay_button.hasFocus() and not enabled:
            # A disabled button hands the focus to the next widget in the chain, which may be
            # the tester panel's; the screen keeps it instead.
            self.setFocus(Qt.FocusReason.OtherFocusReason)
        self.pay_button.setEnabled(enabled)
        self.pay_button.setText(self._pay_text(method, session))

    def _pay_text(self, method: str, session: Session | None) -> str:
        amount = format_money(session.amount_minor, session.currency) if session else ""
        if method == CASH:
            return self.tr("Confirm cash received")
        if session is not None and session.status is Status.INTERRUPTED:
            return self.tr("Resume payment {amount}").format(amount=amount).strip()
        if method == UPI_QR:
            return self.tr("Show QR code · {amount}").format(amount=amount)
        if method == CARD_PRESENT:
            return self.tr("Pay {amount} on the terminal").format(amount=amount)
        return self.tr("Pay {amount}").format(amount=amount).strip()

    @staticmethod
    def _usable(offered: tuple[str, ...], *, resuming: bool) -> tuple[str, ...]:
        # Cash cannot finish an attempted payment; a resume needs the details typed again.
        return tuple(m for m in offered if m in (CARD, UPI)) if resuming else offered

    def _card_fields(self) -> list[Field]:
        return [self.number, self.holder, self.expiry, self.cvv]

    def _fields_of(self, method: str) -> list[Field]:
        return {CARD: self._card_fields(), UPI: [self.upi]}.get(method, [])
