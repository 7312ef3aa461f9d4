"""Status bar: can the gateway be reached, which session is open, and (tester mode) the fault."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLabel, QStatusBar

from smartcart_desktop.flow_state import FlowState
from smartcart_desktop.health_monitor import FAULT_MODES, HealthView
from smartcart_desktop.style import restyle, set_role


class KioskStatusBar(QStatusBar):
    fault_requested = Signal(str)  # tester intent: switch the simulated fault

    def __init__(self) -> None:
        super().__init__()
        self.setSizeGripEnabled(False)
        self.gateway = QLabel("● Gateway: checking…")
        self.gateway.setObjectName("gatewayStatus")
        self.session = QLabel()
        self.session.setObjectName("sessionStatus")
        self.fault = set_role(QLabel(), "fault")
        self.fault.setObjectName("faultStatus")
        self.fault.hide()
        self.fault_picker = QComboBox()
        self.fault_picker.setObjectName("faultPicker")
        self.fault_picker.addItems(FAULT_MODES)
        self.fault_picker.setToolTip("Tester: simulate a fault on the link to the gateway")
        self.fault_picker.hide()
        self.fault_picker.activated.connect(lambda index: self.fault_requested.emit(FAULT_MODES[index]))
        self.addWidget(self.gateway)
        self.addWidget(self.session, 1)
        self.fault_caption = QLabel("Simulate:")
        self.fault_caption.hide()
        self.addPermanentWidget(self.fault)
        self.addPermanentWidget(self.fault_caption)
        self.addPermanentWidget(self.fault_picker)

    def show_health(self, view: HealthView) -> None:
        if view.backend_reachable is False:
            text, health = "✖ Backend unreachable", "down"
        elif view.gateway_reachable is None:
            text, health = "● Gateway: not contacted yet", "unknown"
        elif view.gateway_reachable:
            text, health = "● Gateway reachable", "ok"
        else:
            text, health = "✖ Gateway unreachable", "down"
        if view.offline_pending:
            text += f" · {view.offline_pending} offline payment(s) waiting"
        self.gateway.setText(text)
        self.gateway.setProperty("health", health)
        restyle(self.gateway)
        self._show_fault(view)

    def _show_fault(self, view: HealthView) -> None:
        self.fault_picker.setVisible(view.tester)
        self.fault_caption.setVisible(view.tester)
        active = view.tester and view.fault_mode not in (None, "none")
        self.fault.setVisible(active)
        self.fault.setText(f"⚠ Fault: {view.fault_mode}" if active else "")
        if view.fault_mode in FAULT_MODES and self.fault_picker.currentText() != view.fault_mode:
            self.fault_picker.setCurrentText(view.fault_mode)

    def show_flow(self, state: FlowState) -> None:
        self.session.setText(f"Session {state.session_id}" if state.session_id else "")
