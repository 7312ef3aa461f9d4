"""The admin panel's window: active sessions and today's figures, a session's history,
offline payments, exports and the history list that finds any payment, each on a tab. It shows the controller's state and forwards
the operator's intents; it never calls the API itself.

Closing the window locks the panel (the admin token is forgotten); so does "Lock".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, QStandardPaths, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from smartcart_desktop.admin.active_view import ActiveSessionsView
from smartcart_desktop.admin.admin_controller import (
    AdminController,
    normalise_session_id,
)
from smartcart_desktop.admin.export_panel import ExportPanel
from smartcart_desktop.admin.export_request import ExportRequest, ExportResult
from smartcart_desktop.admin.exporter import Exporter
from smartcart_desktop.admin.glance_view import TodayView
from smartcart_desktop.admin.history_list import HistoryListView
from smartcart_desktop.admin.history_view import SessionHistoryView
from smartcart_desktop.admin.offline_view import OfflineView
from smartcart_desktop.admin.reason_dialog import ask_reason
from smartcart_desktop.admin.refund_dialog import RefundDialog, run_refund_dialog
from smartcart_desktop.admin.shift_view import ShiftView
from smartcart_desktop.app.background import BackgroundTasks
from smartcart_desktop.ui.awaiting import finished
from smartcart_desktop.ui.scrolling import scrolling
from smartcart_desktop.ui.style import restyle, set_role
from smartcart_desktop.ui.touch_keyboard import KeyboardWhileFocused

PathChooser = Callable[[ExportRequest], Awaitable[Path | None]]
PREFERRED_SIZE = QSize(1200, 780)


class AdminWindow(QWidget):
    lock_requested = Signal()

    def __init__(
        self, controller: AdminController, exporter: Exporter, parent: QWidget | None = None, *, kiosk: bool = False
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("adminWindow")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # the QSS background
        self.setWindowTitle("SmartCart — Admin")
        self._controller = controller
        self._exporter = exporter
        self._kiosk = kiosk
        self._tasks = BackgroundTasks("admin window")
        self._export_fmt = "csv"
        self._closing_quietly = False
        # Where an export goes: a file dialog by default; tests and scripts put their own.
        self.choose_export_path: PathChooser = self._ask_export_path
        self.notice = QLabel()
        self.notice.setObjectName("adminNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setObjectName("refreshButton")
        self.lock_button = set_role(QPushButton("Lock"), "danger")
        self.lock_button.setObjectName("lockButton")
        self.active = ActiveSessionsView()
        self.today = TodayView()
        self.history_list = HistoryListView()
        self.history = SessionHistoryView()
        self.offline = OfflineView()
        self.exports = ExportPanel()
        self.shift = ShiftView()
        self.refund_dialog: RefundDialog | None = None
        # Where a Z report is saved: a file dialog by default; tests and scripts put their own.
        self.choose_report_path: Callable[[str, str], Awaitable[Path | None]] = self._ask_report_path
        self.tabs = QTabWidget()
        self.tabs.setObjectName("adminTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self._overview(), "Overview")
        self.tabs.addTab(self._padded(self.history), "Session history")
        self.offline_page = self._padded(self.offline)
        self.tabs.addTab(self.offline_page, "Offline payments")
        self.exports_page = self._padded(self.exports)
        self.tabs.addTab(self.exports_page, "Exports")
        # Last, so the other tabs keep their places; a row opens the Session history tab.
        self.history_list_page = self._padded(self.history_list)
        self.tabs.addTab(self.history_list_page, "Search")
        self.shift_page = self._padded(self.shift)
        self.tabs.addTab(self.shift_page, "Shift")
        self._build()
        self._connect()
        # A kiosk has no keyboard: the typed fields bring up an on-screen one while in use.
        self.touch_keyboards = (
            [KeyboardWhileFocused(self.history.lookup), KeyboardWhileFocused(self.history_list.text)] if kiosk else []
        )

    # ---- layout -------------------------------------------------------------------------------

    def _overview(self) -> QWidget:
        page = QWidget()
        page.setObjectName("overviewPage")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(16)
        layout.addWidget(self.active, 3)
        layout.addWidget(self.today, 2)
        return scrolling(page)

    @staticmethod
    def _padded(widget: QWidget) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(widget)
        # Taller than a small screen leaves it: it scrolls inside its tab, the window stays.
        return scrolling(page)

    def _build(self) -> None:
        # Refresh and Lock sit in the tab bar's corner: the tables get the height.
        corner = QWidget()
        corner.setObjectName("adminCorner")
        buttons = QHBoxLayout(corner)
        buttons.setContentsMargins(0, 2, 12, 2)
        buttons.setSpacing(10)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.lock_button)
        self.tabs.setCornerWidget(corner, Qt.Corner.TopRightCorner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.notice)

    def _connect(self) -> None:
        controller, exporter, exports = self._controller, self._exporter, self.exports
        controller.sessions_changed.connect(self.active.show_sessions)
        controller.stats_changed.connect(self.today.show_stats)
        controller.offline_changed.connect(self.offline.show_offline)
        controller.history_changed.connect(self.history.show_history)
        controller.history_failed.connect(self.history.show_failure)
        controller.notice.connect(self.show_notice)
        self.active.session_opened.connect(self.open_session)
        controller.history_page.connect(self.history_list.show_page)
        controller.kiosks_seen.connect(self.history_list.kiosk.add_seen)
        controller.kiosks_seen.connect(self.exports.kiosk.add_seen)
        self.history_list.search_requested.connect(controller.search_history)
        self.history_list.more_requested.connect(controller.more_history)
        self.history_list.session_opened.connect(self.open_session)
        self.history.lookup_requested.connect(self.open_session)
        self.history.cancel_requested.connect(lambda sid: self._spawn(self._cancel(sid), "admin-cancel-reason"))
        self.history.reconcile_requested.connect(
            lambda sid: self._spawn(self._reconcile(sid), "admin-reconcile-reason")
        )
        self.history.refund_requested.connect(lambda sid: self._spawn(self._refund(sid), "admin-refund"))
        controller.shift_changed.connect(self.shift.show_shift)
        self.shift.open_requested.connect(
            lambda amount: self._spawn(self._shift_step(controller.open_shift(amount)), "admin-shift-open"))
        self.shift.close_requested.connect(
            lambda counted, note: self._spawn(
                self._shift_step(controller.close_shift(counted, note or None)), "admin-shift-close"))
        self.shift.save_requested.connect(
            lambda shift_id, fmt: self._spawn(self._save_report(shift_id, fmt), "admin-shift-save"))
        self.offline.forward_requested.connect(controller.forward_offline)
        self.refresh_button.clicked.connect(lambda: controller.refresh())
        # Stats and offline payments refresh less often than the live table: at once on a tab change.
        self.tabs.currentChanged.connect(lambda _index: controller.refresh())
        self.tabs.currentChanged.connect(self._tab_shown)
        self.lock_button.clicked.connect(self.lock_requested)
        exports.export_requested.connect(lambda request: self._spawn(self._export(request), "admin-export-path"))
        exports.cancel_requested.connect(exporter.cancel)
        exporter.started.connect(self._export_started)
        exporter.progress.connect(lambda done, expected: exports.show_progress(done, expected, self._export_fmt))
        exporter.finished.connect(self._export_finished)
        exporter.failed.connect(exports.show_failed)
        exporter.cancelled.connect(exports.show_cancelled)

    def present(self) -> None:
        if self.isVisible():  # asked for again while open: bring it to the front
            self.raise_()
            self.activateWindow()
        elif self._kiosk:
            self.showFullScreen()
        else:
            # Roomy where the screen allows, never past it (a small screen gets it all).
            screen = self.screen().availableGeometry()
            self.resize(min(PREFERRED_SIZE.width(), screen.width()), min(PREFERRED_SIZE.height(), screen.height()))
            self.show()

    # ---- intents ------------------------------------------------------------------------------

    def _tab_shown(self, index: int) -> None:
        if self.tabs.widget(index) is self.history_list_page and not self.history_list.loaded:
            self.history_list.search()  # the list's first page, the first time it is seen
        if self.tabs.widget(index) is self.shift_page:
            self._spawn(self._controller.refresh_shift(), "admin-shift-refresh")

    def open_session(self, text: str) -> None:
        self.tabs.setCurrentIndex(1)
        session_id = normalise_session_id(text)
        if session_id is not None:
            self.history.lookup.setText(session_id)
            self.history.show_loading(session_id)
        self._controller.open_session(text)

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        if self._tasks.closed:
            coro.close()
            return
        self._tasks.spawn(coro, name=name)

    async def _cancel(self, session_id: str) -> None:
        reason = await ask_reason(
            self,
            message="Cancel this payment?",
            detail=f"Session {session_id}. If the gateway may have it, the charge is voided first. "
            "Your reason is recorded in the session's history.",
            confirm="Cancel payment",
            confirm_role="danger",
            touch=self._kiosk,
        )
        if reason:
            self._controller.cancel_session(session_id, reason)

    async def _reconcile(self, session_id: str) -> None:
        reason = await ask_reason(
            self,
            message="Ask the gateway about this payment now?",
            detail=f"Session {session_id}. Your reason is recorded in the session's history.",
            confirm="Check now",
            touch=self._kiosk,
        )
        if reason:
            self._controller.reconcile_session(session_id, reason)

    async def _refund(self, session_id: str) -> None:
        history = self.history.history
        if history is None or history.session.session_id != session_id or self.refund_dialog is not None:
            return
        session = history.session
        dialog = RefundDialog(self, session_id=session_id, amount_minor=session.amount_minor,
                              currency=session.currency,
                              refundable_minor=max(0, session.amount_minor - history.refunded_minor))
        self.refund_dialog = dialog

        async def send(amount: int, reason: str) -> None:
            # Every try of this dialog goes with its one key: the backend refunds once.
            problem = await self._controller.refund(session_id, amount, reason, key=dialog.key)
            if problem is None:
                dialog.accept()
            else:
                dialog.show_error(problem)

        dialog.submitted.connect(lambda amount, reason: self._spawn(send(amount, reason), "admin-refund-send"))
        try:
            await run_refund_dialog(dialog)
        finally:
            self.refund_dialog = None

    async def _shift_step(self, step: Awaitable[str | None]) -> None:
        problem = await step
        if problem is not None:
            self.shift.show_error(problem)

    async def _save_report(self, shift_id: int, fmt: str) -> None:
        path = await self.choose_report_path(f"z-report-shift-{shift_id}.{fmt}", fmt)
        if path is not None:
            problem = await self._controller.save_shift_report(shift_id, fmt, path)
            if problem is not None:
                self.shift.show_error(problem)

    async def _ask_report_path(self, name: str, fmt: str) -> Path | None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        dialog = QFileDialog(self, "Save the Z report", str(Path(folder or Path.home()) / name))
        dialog.setObjectName("reportFileDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setNameFilter(f"{fmt.upper()} files (*.{fmt})")
        dialog.setDefaultSuffix(fmt)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        try:
            code = await finished(dialog)
            files = dialog.selectedFiles()
            return Path(files[0]) if code == QDialog.DialogCode.Accepted and files else None
        finally:
            dialog.deleteLater()

    async def _export(self, request: ExportRequest) -> None:
        if self._exporter.busy:
            return
        path = await self.choose_export_path(request)
        if path is not None:
            self._exporter.start(request, path)

    async def _ask_export_path(self, request: ExportRequest) -> Path | None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        dialog = QFileDialog(self, "Save the export", str(Path(folder or Path.home()) / request.suggested_name()))
        dialog.setObjectName("exportFileDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setNameFilter(request.name_filter)
        dialog.setDefaultSuffix(request.suffix.lstrip("."))
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)  # in-process: open() never blocks
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        try:
            code = await finished(dialog)
            files = dialog.selectedFiles()
            return Path(files[0]) if code == QDialog.DialogCode.Accepted and files else None
        finally:
            dialog.deleteLater()

    # ---- showing ------------------------------------------------------------------------------

    def show_notice(self, text: str, is_error: bool) -> None:
        self.notice.setText(text)
        self.notice.setProperty("role", "error" if is_error else "notice")
        restyle(self.notice)
        self.notice.setVisible(bool(text))

    def _export_started(self, request: ExportRequest) -> None:
        self._export_fmt = request.fmt
        self.exports.show_started(request)

    def _export_finished(self, result: ExportResult) -> None:
        self.exports.show_finished(result)

    # ---- closing ------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        event.accept()
        if not self._closing_quietly:
            self.lock_requested.emit()  # closing the panel locks it

    def close_quietly(self) -> None:
        self._closing_quietly = True
        self.close()

    async def stop(self) -> None:
        await self._tasks.cancel_all()
