"""Status bar: Online / Offline, offline payments waiting to be sent, what is still to sync to
the fleet server (hidden when the kiosk does not sync), the open session, and
(when the backend runs in tester mode) the simulated fault, in a warning colour while active.

It only shows; the faults are switched from the tester panel. The fault's description is the
tester's, in English like the tester panel.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QLabel, QStatusBar

from smartcart_desktop.app.health_monitor import HealthView
from smartcart_desktop.checkout.state import FlowState
from smartcart_desktop.tester.faults import describe_faults
from smartcart_desktop.translation import QT_TRANSLATE_NOOP, translate
from smartcart_desktop.ui.style import restyle, set_role

_CONTEXT = "KioskStatusBar"
ONLINE = QT_TRANSLATE_NOOP("KioskStatusBar", "● Online")
OFFLINE = QT_TRANSLATE_NOOP("KioskStatusBar", "✖ Offline")
CHECKING = QT_TRANSLATE_NOOP("KioskStatusBar", "● Checking…")
BACKEND_UNREACHABLE = QT_TRANSLATE_NOOP("KioskStatusBar", "✖ Backend unreachable")


def waiting_to_send(count: int) -> str:
    return translate(_CONTEXT, QT_TRANSLATE_NOOP("KioskStatusBar", "{count} waiting to send")).format(count=count)


SYNCED = QT_TRANSLATE_NOOP("KioskStatusBar", "Synced")
SYNC_REFUSED = QT_TRANSLATE_NOOP("KioskStatusBar", "✖ Sync refused")


def to_sync(count: int) -> str:
    return translate(_CONTEXT, QT_TRANSLATE_NOOP("KioskStatusBar", "{count} to sync")).format(count=count)


def refused_because(message: str) -> str:
    """The tooltip of a refusal; the server's message is its own, in English."""
    text = QT_TRANSLATE_NOOP(
        "KioskStatusBar", "The shop's server refused these payments, and will until this is fixed: {message}"
    )
    return translate(_CONTEXT, text).format(message=message)


class KioskStatusBar(QStatusBar):
    def __init__(self) -> None:
        super().__init__()
        self.setSizeGripEnabled(False)
        self._health: HealthView | None = None
        self._flow_state: FlowState | None = None
        self.gateway = QLabel(translate(_CONTEXT, CHECKING))
        self.gateway.setObjectName("gatewayStatus")
        self.gateway.setProperty("health", "unknown")
        self.pending = QLabel()
        self.pending.setObjectName("offlinePending")
        self.pending.hide()
        self.sync = QLabel()
        self.sync.setObjectName("syncPending")
        self.sync.hide()
        self.session = QLabel()
        self.session.setObjectName("sessionStatus")
        self.fault = set_role(QLabel(), "fault")
        self.fault.setObjectName("faultStatus")
        self.fault.setToolTip("Tester mode: a simulated network fault is active")
        self.fault.hide()
        self.addWidget(self.gateway)
        self.addWidget(self.pending)
        self.addWidget(self.sync)
        self.addWidget(self.session, 1)
        self.addPermanentWidget(self.fault)
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() is QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.gateway.setToolTip(self.tr("Whether the payment gateway (the bank) can be reached"))
        self.pending.setToolTip(self.tr("Payments accepted offline, sent to the bank when the connection returns"))
        if self._health is not None:
            self.show_health(self._health)
        else:
            self.gateway.setText(translate(_CONTEXT, CHECKING))
        if self._flow_state is not None:
            self.show_flow(self._flow_state)

    def show_health(self, view: HealthView) -> None:
        self._health = view
        if view.backend_reachable is False:
            text, health = BACKEND_UNREACHABLE, "down"
        elif view.gateway_reachable is None:
            text, health = CHECKING, "unknown"
        elif view.gateway_reachable:
            text, health = ONLINE, "ok"
        else:
            text, health = OFFLINE, "down"
        self.gateway.setText(translate(_CONTEXT, text))
        self.gateway.setProperty("health", health)
        restyle(self.gateway)
        # Shown wherever offline payments can exist: with store-and-forward on, or while some
        # accepted earlier still wait (the setting may have been switched off since).
        self.pending.setVisible(view.offline_enabled or view.offline_pending > 0)
        self.pending.setText(waiting_to_send(view.offline_pending))
        self.pending.setProperty("health", "warn" if view.offline_pending else "ok")
        restyle(self.pending)
        self.sync.setVisible(view.sync_enabled)
        self._show_sync(view)
        # Each link's active fault; the server link's is named, the gateway's is the usual one.
        active = [
            prefix + describe_faults(faults)
            for prefix, faults in (("", view.faults), ("server ", view.server_faults))
            if view.tester and faults is not None and faults.active
        ]
        self.fault.setVisible(bool(active))
        self.fault.setText(f"⚠ Fault: {' · '.join(active)}" if active else "")

    def _show_sync(self, view: HealthView) -> None:
        # A refusal is not a count that will drain by itself: it says so, in the error colour,
        # with the server's reason where the operator (or the support line) can read it.
        if view.sync_refused:
            text, health = translate(_CONTEXT, SYNC_REFUSED), "down"
            tip = refused_because(view.sync_refusal or "")
        else:
            text = to_sync(view.sync_pending) if view.sync_pending else translate(_CONTEXT, SYNCED)
            health = "warn" if view.sync_pending else "ok"
            tip = self.tr("Payments recorded here, not yet copied to the shop's server")
        self.sync.setText(text)
        self.sync.setToolTip(tip)
        self.sync.setProperty("health", health)
        restyle(self.sync)

    def show_flow(self, state: FlowState) -> None:
        # For the operator while a payment runs; not beside the receipt the customer reads.
        self._flow_state = state
        shown = state.session_id if state.receipt is None else None
        self.session.setText(self.tr("Session {id}").format(id=shown) if shown else "")
