"""The tester panel (only with `--tester`): switch the simulated fault on the link to the
gateway or, when the kiosk syncs to a fleet server, on the link to that server (one set of
switches, showing the link chosen above them), read which session each fault hit, play the customer of a UPI QR or card-terminal
payment, and run the crash drill.

A dock beside the checkout, so the tester watches the customer's screen while breaking the
network under it. It shows the backend's fault state (from the HealthMonitor) and emits what
the tester wants; TesterControl talks to the backend.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDockWidget,
    QFrame,
    QGridLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from smartcart_contract.payment_methods import CUSTOMER_ACTIONS as CONTRACT_CUSTOMER_ACTIONS
from smartcart_desktop.api.models import FaultHit, Faults
from smartcart_desktop.app.background import BackgroundTasks
from smartcart_desktop.app.health_monitor import HealthView
from smartcart_desktop.checkout.state import FlowState, Stage
from smartcart_desktop.tester.faults import (
    FAULT_HINTS,
    FAULT_MODES,
    FAULT_NAMES,
    LINKS,
    FaultSetting,
    describe_faults,
)
from smartcart_desktop.ui.dialogs import Answer, ask, crash_confirm_dialog
from smartcart_desktop.ui.scrolling import scrolling
from smartcart_desktop.ui.style import restyle, set_role

NOT_TESTER_BACKEND = "This backend is not in tester mode: it has no fault switch."
LOG_COLUMNS = ("Time", "Fault", "Request", "Session")
SESSION_ROLE = Qt.ItemDataRole.UserRole
# What the simulated customer can do (POST /api/dev/customer/{id}), as the buttons say it.
_CUSTOMER_TEXTS = {"pay": "Pay", "decline": "Decline", "walk_away": "Walk away", "pay_after_close": "Pay after close"}
CUSTOMER_ACTIONS = {action: _CUSTOMER_TEXTS[action] for action in CONTRACT_CUSTOMER_ACTIONS}
NO_CUSTOMER = "No payment waits on a UPI QR or the terminal."
_WAITING = {Stage.SCAN_QR: "UPI QR", Stage.ON_TERMINAL: "terminal"}


class TesterDock(QDockWidget):
    fault_requested = Signal(object)  # FaultSetting
    crash_requested = Signal()  # confirmed by the tester
    customer_requested = Signal(str, str)  # session id, action (see CUSTOMER_ACTIONS)

    def __init__(self, dialog_parent: QWidget) -> None:
        super().__init__("Tester panel", dialog_parent)
        self.setObjectName("testerDock")
        self.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self._dialog_parent = dialog_parent
        self._tasks = BackgroundTasks("tester panel")
        self._confirming = False
        self._available = False  # the backend has the fault switch (tester mode)
        self._shown_log: list[FaultHit] | None = None
        self._link = "gateway"  # the link the switches below show and act on
        self._health: HealthView | None = None
        self.link_group = QButtonGroup(self)
        self.link_buttons: dict[str, QRadioButton] = {}
        for index, (link, name) in enumerate(LINKS.items()):
            link_button = QRadioButton(name)
            link_button.setObjectName(f"link-{link}")
            self.link_group.addButton(link_button, index)
            self.link_buttons[link] = link_button
        self.link_buttons["gateway"].setChecked(True)
        self.link_buttons["server"].setToolTip("Only when this kiosk syncs to a fleet server over http")
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[str, QRadioButton] = {}
        self.latency = _spin("latencyMs", " ms", 0, 600_000, 1_500, step=250)
        self.flaky_rate = _spin("flakyRate", " %", 0, 100, 50, step=10)
        self.reply_lost_rate = _spin("replyLostRate", " %", 0, 100, 100, step=10)
        self._parameters = {"latency": self.latency, "flaky": self.flaky_rate, "reply_lost": self.reply_lost_rate}
        self.active = set_role(QLabel("Active: —"), "testerActive")
        self.active.setObjectName("activeFault")
        self.active_hint = set_role(QLabel(), "testerMuted")
        self.active_hint.setObjectName("activeFaultHint")
        self.active_hint.setWordWrap(True)
        self.notice = set_role(QLabel(NOT_TESTER_BACKEND), "testerNotice")
        self.notice.setObjectName("testerNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.error = set_role(QLabel(), "testerError")
        self.error.setObjectName("testerError")
        self.error.setWordWrap(True)
        self.error.hide()
        self.log = QTreeWidget()
        self.log.setObjectName("faultLog")
        self.log.setHeaderLabels(list(LOG_COLUMNS))
        self.log.setRootIsDecorated(False)
        self.log.setUniformRowHeights(True)
        self.log.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.log.header()
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(40)
        for column in range(len(LOG_COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.log.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.log_count = set_role(QLabel(), "testerMuted")
        self.log_count.setObjectName("faultLogCount")
        self.customer_buttons: dict[str, QPushButton] = {}
        for action, text in CUSTOMER_ACTIONS.items():
            button = set_role(QPushButton(text), "testerAction")
            button.setObjectName(f"customer-{action}")
            button.clicked.connect(lambda _=False, a=action: self._customer_clicked(a))
            self.customer_buttons[action] = button
        self.customer_label = set_role(QLabel(NO_CUSTOMER), "testerMuted")
        self.customer_label.setObjectName("customerSession")
        self.customer_label.setWordWrap(True)
        self._customer_session: str | None = None  # the session waiting on the customer now
        self.crash_button = set_role(QPushButton("Crash now"), "danger")
        self.crash_button.setObjectName("crashNowButton")
        self.crash_button.setToolTip("Kill the backend process at once (SIGKILL), then restart to recover")
        self._build()
        self.mode_group.idClicked.connect(self._mode_clicked)
        self.link_group.idClicked.connect(self._link_clicked)
        for mode, spin in self._parameters.items():
            spin.valueChanged.connect(lambda _value, m=mode: self._parameter_changed(m))
        self.crash_button.clicked.connect(self._crash_clicked)
        self._show_log([])
        self._set_available(False)  # until the backend says it has the fault switch

    # ---- layout -------------------------------------------------------------------------------

    def _build(self) -> None:
        modes = QGridLayout()
        modes.setHorizontalSpacing(10)
        modes.setVerticalSpacing(2)
        for row, mode in enumerate(FAULT_MODES):
            button = QRadioButton(FAULT_NAMES[mode])
            button.setObjectName(f"fault-{mode}")
            button.setToolTip(FAULT_HINTS[mode])
            self.mode_group.addButton(button, row)
            self.mode_buttons[mode] = button
            modes.addWidget(button, row, 0)
            if mode in self._parameters:
                modes.addWidget(self._parameters[mode], row, 1)
        modes.setColumnStretch(0, 1)
        body = QWidget()
        body.setObjectName("testerPanel")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(14, 10, 14, 12)
        layout.setSpacing(8)
        layout.addWidget(set_role(QLabel("Network fault"), "testerHeading"))
        layout.addWidget(self.notice)
        links = QGridLayout()
        links.setSpacing(2)
        for index, link_button in enumerate(self.link_buttons.values()):
            links.addWidget(link_button, 0, index)
        layout.addLayout(links)
        layout.addWidget(_rule())
        layout.addLayout(modes)
        layout.addWidget(self.active)
        layout.addWidget(self.active_hint)
        layout.addWidget(self.error)
        layout.addWidget(_rule())
        layout.addWidget(set_role(QLabel("Faults applied"), "testerHeading"))
        layout.addWidget(self.log, 1)
        layout.addWidget(self.log_count)
        layout.addWidget(_rule())
        layout.addWidget(set_role(QLabel("Customer (UPI QR, terminal)"), "testerHeading"))
        layout.addWidget(self.customer_label)
        customer = QGridLayout()
        customer.setSpacing(6)
        for index, customer_button in enumerate(self.customer_buttons.values()):
            customer.addWidget(customer_button, index // 2, index % 2)
        layout.addLayout(customer)
        layout.addWidget(_rule())
        layout.addWidget(set_role(QLabel("Recovery drill"), "testerHeading"))
        drill = set_role(
            QLabel("Kills the backend like a power cut. The next start offers to resume the payment."),
            "testerMuted",
        )
        drill.setWordWrap(True)
        layout.addWidget(drill)
        layout.addWidget(self.crash_button)
        # Scrolls rather than make the window taller than a small screen (docked, the panel's
        # minimum height is the window's).
        self.setWidget(scrolling(body))

    # ---- what the backend says ----------------------------------------------------------------

    def show_health(self, view: HealthView) -> None:
        if view.backend_reachable is None:
            return  # not asked yet
        self.notice.setVisible(view.backend_reachable is True and not view.tester)
        self._health = view
        self._set_available(view.tester)
        faults = self._link_faults(view)
        if faults is None:
            return
        self._show_faults(faults)

    def _link_faults(self, view: HealthView) -> Faults | None:
        return view.server_faults if self._link == "server" else view.faults

    def _set_available(self, available: bool) -> None:
        self._available = available
        for button in self.mode_buttons.values():
            button.setEnabled(available)
        for spin in self._parameters.values():
            spin.setEnabled(available)
        server_link = self._health is not None and self._health.server_faults is not None
        self.link_buttons["server"].setEnabled(available and server_link)
        if self._link == "server" and not server_link:
            self._choose_link("gateway")
        self.crash_button.setEnabled(available and not self._confirming)
        self._enable_customer()

    # ---- the simulated customer ---------------------------------------------------------------

    def show_flow(self, state: FlowState) -> None:
        """The customer's buttons act on the payment the window waits on (QR or terminal).
        "Pay after close" too: the payment is then made to land just after the QR or the
        terminal is closed (cancel it, or let it expire), which the backend must refund."""
        waiting_on = _WAITING.get(state.stage)
        session_id = state.session_id
        self._customer_session = session_id if waiting_on is not None else None
        if waiting_on is not None and session_id is not None:
            self.customer_label.setText(f"Session {session_id[:8]} waits on the {waiting_on}.")
        else:
            self.customer_label.setText(NO_CUSTOMER)
        self._enable_customer()

    def _enable_customer(self) -> None:
        for button in self.customer_buttons.values():
            button.setEnabled(self._available and self._customer_session is not None)

    def _customer_clicked(self, action: str) -> None:
        if self._customer_session is not None:
            self.error.hide()
            self.customer_requested.emit(self._customer_session, action)

    def show_customer_acted(self, session_id: str, action: str) -> None:
        # The tester sees the act was taken before the next tap (a cancel) races it.
        self.customer_label.setText(f"Session {session_id[:8]}: the customer chose {CUSTOMER_ACTIONS[action]!r}.")

    def _show_faults(self, faults: Faults) -> None:
        self.active.setText(f"Active: {describe_faults(faults)}")
        self.active.setToolTip(FAULT_HINTS.get(faults.mode, ""))
        self.active_hint.setText(FAULT_HINTS.get(faults.mode, ""))
        self.active.setProperty("active", faults.active)
        restyle(self.active)
        button = self.mode_buttons.get(faults.mode)
        if button is not None and not button.isChecked():
            button.setChecked(True)
        # The backend's values, unless the tester is typing into that box right now.
        values = {"latency": faults.latency_ms, "flaky": _percent(faults.rate), "reply_lost": _percent(faults.rate)}
        spin = self._parameters.get(faults.mode)
        if spin is not None and not spin.hasFocus():
            spin.blockSignals(True)
            spin.setValue(values[faults.mode])
            spin.blockSignals(False)
        if faults.log != self._shown_log:
            self._show_log(faults.log)

    def _show_log(self, hits: list[FaultHit]) -> None:
        self._shown_log = list(hits)
        self.log.clear()
        for hit in reversed(hits):  # newest first
            session = hit.session_id or ""
            item = QTreeWidgetItem(
                [_clock_time(hit.at), hit.mode, f"{hit.method} {hit.path}", session[:8] or "—"]
            )
            item.setData(3, SESSION_ROLE, session)
            item.setToolTip(3, session or "no session (a probe or look-up without a key)")
            item.setToolTip(0, hit.at)
            self.log.addTopLevelItem(item)
        count = len(hits)
        self.log_count.setText("No request hit by a fault yet." if not count else f"{count} request(s) hit.")

    def logged_sessions(self) -> list[str]:
        """Session ids in the log, newest first (for tests and screenshots)."""
        items = (self.log.topLevelItem(i) for i in range(self.log.topLevelItemCount()))
        return [str(item.data(3, SESSION_ROLE) or "") for item in items if item is not None]

    # ---- what the tester does -----------------------------------------------------------------

    @property
    def link(self) -> str:
        return self._link

    def _link_clicked(self, index: int) -> None:
        self._choose_link(list(LINKS)[index])

    def _choose_link(self, link: str) -> None:
        """Show the chosen link's fault and log; the switches act on it from now on."""
        self._link = link
        self.link_buttons[link].setChecked(True)
        self.error.hide()
        faults = self._link_faults(self._health) if self._health is not None else None
        self._show_faults(faults or Faults(mode="none", rate=1.0, latency_ms=0))

    def setting(self, mode: str) -> FaultSetting:
        """The switch to `mode` with the values now in the boxes, for the chosen link."""
        return FaultSetting(
            link=self._link,
            mode=mode,
            rate=self._parameters[mode].value() / 100 if mode in ("flaky", "reply_lost") else 1.0,
            latency_ms=self.latency.value() if mode == "latency" else 0,
        )

    def _mode_clicked(self, index: int) -> None:
        self.error.hide()
        self.fault_requested.emit(self.setting(FAULT_MODES[index]))

    def _parameter_changed(self, mode: str) -> None:
        if self.mode_buttons[mode].isChecked():  # a new value for the active fault: apply it now
            self.fault_requested.emit(self.setting(mode))

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def _crash_clicked(self) -> None:
        if self._confirming or self._tasks.closed:
            return
        self._confirming = True
        self.crash_button.setEnabled(False)
        self._tasks.spawn(self._confirm_crash(), name="confirm-crash")

    async def _confirm_crash(self) -> None:
        try:
            answer = await ask(crash_confirm_dialog(self._dialog_parent))
        finally:
            self._confirming = False
            self.crash_button.setEnabled(self._available)
        if answer is Answer.CRASH:
            self.crash_requested.emit()

    async def stop(self) -> None:
        await self._tasks.cancel_all()


def _spin(name: str, suffix: str, low: int, high: int, value: int, *, step: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setRange(low, high)
    spin.setSingleStep(step)
    spin.setSuffix(suffix)
    spin.setValue(value)
    spin.setKeyboardTracking(False)  # one switch when the value is committed, not per keystroke
    spin.setAccelerated(True)
    return spin


def _rule() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setObjectName("testerRule")
    return line


def _percent(rate: float) -> int:
    return round(rate * 100)


def _clock_time(at: str) -> str:
    try:
        return datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone().strftime("%H:%M:%S")
    except ValueError:
        return at
