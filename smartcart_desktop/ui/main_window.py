"""The kiosk window: the screens on a stack (cart, payment form, UPI QR, card terminal,
processing, result), the status bar, and the close guard.

It shows the flow's state and forwards what the customer asks for; it never calls the API.

Language: the cart screen's toggle switches between English and Hindi (ui/language.py); on Qt's
LanguageChange each screen, the prompt and the status bar render their texts again. The next
customer starts in English again: the choice is reset when a receipt hands over to a new order.

Quitting: Ctrl+Q or the title bar closes the window (after the close guard if a payment is
in flight). In kiosk mode (full screen) customers cannot close it; the operator presses
Ctrl+Alt+Shift+Q and enters the admin PIN.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QPushButton, QStackedWidget, QWidget

from smartcart_desktop.admin.admin_entry import AdminEntry
from smartcart_desktop.admin.operator_quit import pin_allows_quit
from smartcart_desktop.api.models import ReceiptDocument
from smartcart_desktop.app.background import BackgroundTasks
from smartcart_desktop.app.services import Services
from smartcart_desktop.checkout.state import FlowState, Stage
from smartcart_desktop.printing.receipt_printer import PrintFailed, ReceiptPrinter
from smartcart_desktop.translation import QT_TRANSLATE_NOOP
from smartcart_desktop.ui.dialogs import (
    Answer,
    KioskDialog,
    ask,
    close_guard_dialog,
    resume_offer_dialog,
)
from smartcart_desktop.ui.language import Language
from smartcart_desktop.ui.prompt_presenter import PromptPresenter
from smartcart_desktop.ui.screens.cart_screen import CartScreen
from smartcart_desktop.ui.screens.payment_screen import PaymentScreen
from smartcart_desktop.ui.screens.processing_screen import ProcessingScreen
from smartcart_desktop.ui.screens.result_screen import ResultScreen
from smartcart_desktop.ui.screens.terminal_screen import TerminalScreen
from smartcart_desktop.ui.screens.upi_qr_screen import UpiQrScreen
from smartcart_desktop.ui.status_bar import KioskStatusBar
from smartcart_desktop.ui.style import icon

if TYPE_CHECKING:
    from smartcart_desktop.tester.control import TesterControl
    from smartcart_desktop.tester.dock import TesterDock

log = logging.getLogger(__name__)

OPERATOR_QUIT_SHORTCUT = "Ctrl+Alt+Shift+Q"
TESTER_PANEL_SHORTCUT = "F12"

_NORMAL_SIZE = QSize(1200, 780)
_PROCESSING_STAGES = {Stage.PROCESSING, Stage.INTERRUPTED, Stage.SETTLING, Stage.CANCELLING}
_RESULT_STAGES = {Stage.COMPLETED, Stage.OFFLINE_ACCEPTED, Stage.DECLINED, Stage.FAILED, Stage.EXPIRED}


class MainWindow(QMainWindow):
    closed = Signal()  # the window really closed (not just asked to)

    def __init__(self, services: Services) -> None:
        super().__init__()
        self._services = services
        self._flow = services.flow
        self._kiosk = services.options.kiosk
        self._tasks = BackgroundTasks("main window")
        self._close_allowed = False
        self._operator_quit = False
        self._guard: KioskDialog | None = None
        self._quit_asking: asyncio.Task[None] | None = None
        self.setWindowTitle("SmartCart")
        self.setWindowIcon(icon("app"))
        self.language = Language(self)
        self.cart_screen = CartScreen(services.cart)
        self.payment_screen = PaymentScreen()
        self.processing_screen = ProcessingScreen()
        self.result_screen = ResultScreen(
            return_after_s=services.options.receipt_return_s, can_print=services.printer is not None
        )
        self._auto_printed: ReceiptDocument | None = None
        self.upi_qr_screen = UpiQrScreen()
        self.terminal_screen = TerminalScreen()
        self.stack = QStackedWidget()
        for screen in (self.cart_screen, self.payment_screen, self.processing_screen, self.result_screen,
                       self.upi_qr_screen, self.terminal_screen):
            self.stack.addWidget(screen)
        self.setCentralWidget(self.stack)
        self.status = KioskStatusBar()
        self.setStatusBar(self.status)
        self.prompts = PromptPresenter(self._flow, self.processing_screen)
        self.tester_dock: TesterDock | None = None
        self.tester_control: TesterControl | None = None
        if services.options.tester:
            self._add_tester_panel()
        self._connect()
        self._add_actions()
        self.admin = AdminEntry(self, services)  # "Admin…" / long press on the status bar → PIN
        self._render(self._flow.state)

    # ---- wiring -------------------------------------------------------------------------------

    def _connect(self) -> None:
        flow, cart, services = self._flow, self._services.cart, self._services
        flow.state_changed.connect(self._render)
        self.cart_screen.checkout_requested.connect(lambda: flow.checkout(cart.lines()))
        self.cart_screen.language_requested.connect(self.language.switch)
        self.language.changed.connect(self.cart_screen.show_language)
        self.payment_screen.pay_requested.connect(flow.pay)
        self.payment_screen.cash_requested.connect(flow.pay_cash)
        self.payment_screen.cancel_requested.connect(flow.cancel)
        self.payment_screen.fields_edited.connect(services.validator.request)
        self.payment_screen.fields_cleared.connect(services.validator.forget)
        services.validator.validated.connect(self.payment_screen.show_validation)
        self.processing_screen.cancel_requested.connect(flow.cancel)
        self.upi_qr_screen.cancel_requested.connect(flow.cancel)
        self.terminal_screen.cancel_requested.connect(flow.cancel)
        self.result_screen.new_order_requested.connect(self._new_order)
        self.result_screen.back_requested.connect(flow.back_to_cart)
        self.result_screen.another_method_requested.connect(flow.use_another_method)
        self.result_screen.print_requested.connect(self._print_receipt)
        services.health.changed.connect(self.status.show_health)
        # A poll from before the payment ended (e.g. "Offline") must not stay on screen.
        flow.session_finished.connect(services.health.refresh)

    def _add_actions(self) -> None:
        if self._kiosk:
            self._action("Operator: quit", OPERATOR_QUIT_SHORTCUT, self._operator_requested_quit)
        else:
            # Spelled out: StandardKey.Quit is empty on platforms without a desktop theme.
            self._action("Quit", "Ctrl+Q", self.close)

    def _add_tester_panel(self) -> None:
        """Tester mode: the fault switch, its log and the crash drill, docked on the right."""
        # Imported here: a production kiosk never loads the tester's panel (1 MB resident).
        from smartcart_desktop.tester.control import TesterControl
        from smartcart_desktop.tester.dock import TesterDock

        services = self._services
        control = TesterControl(services.api, services.health, self)
        dock = TesterDock(self)
        services.health.changed.connect(dock.show_health)
        dock.fault_requested.connect(control.apply)
        dock.crash_requested.connect(control.crash)
        dock.customer_requested.connect(control.customer)
        control.failed.connect(dock.show_error)
        control.customer_acted.connect(dock.show_customer_acted)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        toggle = dock.toggleViewAction()
        toggle.setShortcut(QKeySequence(TESTER_PANEL_SHORTCUT))
        self.addAction(toggle)
        self.tester_dock, self.tester_control = dock, control

    def _action(self, text: str, shortcut: str, slot: object) -> None:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        self.addAction(action)

    def present(self) -> None:
        screen = self.screen().availableGeometry()
        self._float_tester_panel_if_cramped(screen.width())
        if self._kiosk:
            self.showFullScreen()
            return
        # 1200×780 where there is room; within the screen's free area (and its frame) where not.
        frame = 40  # title bar and borders, before the window manager has said how wide they are
        self.resize(min(_NORMAL_SIZE.width(), screen.width() - frame), min(_NORMAL_SIZE.height(), screen.height() - frame))
        self.show()

    def _float_tester_panel_if_cramped(self, screen_width: int) -> None:
        """Docked beside the checkout on a small screen, the panel would push the window past the
        screen's edge (a window is never narrower than its docks and its screens); it floats as
        a window of its own there instead."""
        dock = self.tester_dock
        if dock is None:
            return
        needed = self.stack.minimumSizeHint().width() + dock.minimumSizeHint().width()
        if needed > screen_width:
            dock.setFloating(True)
            dock.resize(dock.sizeHint().boundedTo(QSize(360, 560)))

    # ---- showing the flow ---------------------------------------------------------------------


    def _render(self, state: FlowState) -> None:
        self.cart_screen.show_state(state)
        self.payment_screen.show_state(state)
        self.processing_screen.show_state(state)
        self.result_screen.show_state(state)
        self.upi_qr_screen.show_state(state)
        self.terminal_screen.show_state(state)
        self.status.show_flow(state)
        if self.tester_dock is not None:
            self.tester_dock.show_flow(state)
        document = state.receipt.document if state.receipt is not None else None
        if document is not None and self._services.options.receipt_auto_print and document is not self._auto_printed:
            self._auto_printed = document
            self._print_receipt(document)
        screen = self._screen_for(state.stage)
        if screen is not self.stack.currentWidget():
            self.stack.setCurrentWidget(screen)
            self._focus(screen)
        elif self.focusWidget() is screen:
            self._focus(screen)  # held by the screen until its button could take it: now, maybe

    def _focus(self, screen: QWidget) -> None:
        """The keyboard focus goes to the new screen's main button, never on to whatever comes
        next in the focus chain (the tester panel's boxes, say) when the old screen's widget goes."""
        target = getattr(screen, "focus_target", None)
        widget = target() if callable(target) else _primary_button(screen)
        if not isinstance(widget, QWidget) or not widget.isVisibleTo(screen) or not widget.isEnabled():
            widget = screen
        widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def _screen_for(self, stage: Stage) -> QWidget:
        if stage is Stage.DETAILS:
            return self.payment_screen
        if stage is Stage.SCAN_QR:
            return self.upi_qr_screen
        if stage is Stage.ON_TERMINAL:
            return self.terminal_screen
        if stage in _PROCESSING_STAGES:
            return self.processing_screen
        if stage in _RESULT_STAGES:
            return self.result_screen
        return self.cart_screen

    def _print_receipt(self, document: ReceiptDocument) -> None:
        if self._services.printer is not None and not self._tasks.closed:
            self._tasks.spawn(self._print(self._services.printer, document), name="print-receipt")

    async def _print(self, printer: ReceiptPrinter, document: ReceiptDocument) -> None:
        self.result_screen.show_print_status(QT_TRANSLATE_NOOP("ResultScreen", "Printing the receipt…"))
        try:
            await printer.print(document)
        except PrintFailed as exc:
            self.result_screen.show_print_status(str(exc), failed=True)  # the printer's words, as they are
            return
        self.result_screen.show_print_status(QT_TRANSLATE_NOOP("ResultScreen", "Receipt printed."))

    def _new_order(self) -> None:
        self.language.reset()  # a new customer: the kiosk's own language again
        self._services.cart.clear()
        self._flow.back_to_cart()

    # ---- start-up: unfinished payments --------------------------------------------------------

    def offer_unfinished(self) -> None:
        self._tasks.spawn(self._offer_unfinished(), name="offer-unfinished")

    async def _offer_unfinished(self) -> None:
        for session in await self._flow.find_unfinished():
            answer = await ask(resume_offer_dialog(self, session))
            if answer is Answer.RESUME:
                await self._flow.adopt(session)
                return  # one payment at a time; the others wait for the next start
            if answer is Answer.DISCARD:
                await self._flow.discard(session)
                await self._flow.until_idle()  # one question at a time

    # ---- closing ------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        customer_may_close = not self._kiosk or self._operator_quit
        if self._close_allowed or (customer_may_close and not self._flow.state.payment_in_flight):
            event.accept()
            self.closed.emit()
            return
        event.ignore()
        if customer_may_close and self._guard is None and not self._tasks.closed:
            self._tasks.spawn(self._confirm_leave(), name="close-guard")

    async def _confirm_leave(self) -> None:
        self._guard = close_guard_dialog(self)
        try:
            answer = await ask(self._guard)
        finally:
            self._guard = None
        if answer is not Answer.LEAVE:
            self._operator_quit = False
            return  # No: everything keeps running
        await self._flow.leave()  # records APP_CLOSED; the session stays resumable
        self._close_allowed = True
        self.close()

    def _operator_requested_quit(self) -> None:
        if self._quit_asking is None or self._quit_asking.done():  # one PIN question at a time
            self._quit_asking = self._tasks.spawn(self._confirm_operator_quit(), name="operator-quit")

    async def _confirm_operator_quit(self) -> None:
        if await pin_allows_quit(self, self._services.link):
            self._operator_quit = True
            self.close()  # a payment in flight still gets the close guard's question

    def force_close(self) -> None:
        """Shutdown from outside (SIGTERM, app quit): no questions."""
        self._close_allowed = True
        if self.isVisible():
            self.close()

    async def stop(self) -> None:
        if self.tester_dock is not None and self.tester_control is not None:
            await self.tester_dock.stop()
            await self.tester_control.stop()
        await self.admin.stop()
        await self.prompts.stop()
        self.language.reset()  # the translator is the application's: not left to whatever runs next
        await self._tasks.cancel_all()


def _primary_button(screen: QWidget) -> QWidget | None:
    buttons = [b for b in screen.findChildren(QPushButton) if b.isVisibleTo(screen) and b.isEnabled()]
    primary = [b for b in buttons if b.property("role") == "primary"]
    found = primary or buttons
    return found[0] if found else None
