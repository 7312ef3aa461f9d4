"""Typed keys for everything the aiohttp application holds."""

from __future__ import annotations

from aiohttp import web

from backend.clock import Clock
from backend.db.database import Database
from backend.faults.proxy import FaultProxy
from backend.fleet.instance import Instance
from backend.gateway.client import GatewayClient
from backend.gateway.monitor import GatewayMonitor
from backend.http.admin_pin import AdminPin
from backend.kiosks.registry import KioskRegistry
from backend.observability.metrics import Metrics
from backend.observability.readiness import Readiness
from backend.offline.forwarder import Forwarder
from backend.payments.changes import SessionChanges
from backend.payments.cleanup import Cleanup
from backend.payments.engine import PaymentEngine
from backend.payments.ids import RandomIds
from backend.payments.reconciler import Reconciler
from backend.payments.sessions import SessionService
from backend.providers.simulated_customer import SimulatedCustomer
from backend.refunds.recovery import RefundRecovery
from backend.refunds.service import RefundService
from backend.settings import Settings
from backend.shifts.service import ShiftService
from backend.shop.catalog import Catalog
from backend.shop.orders import OrderService
from backend.sync.forwarder import SyncForwarder

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey[Clock]("clock")
CATALOG = web.AppKey("catalog", Catalog)
DATABASE = web.AppKey("database", Database)
GATEWAY = web.AppKey("gateway", GatewayClient)
GATEWAY_URL = web.AppKey("gateway_url", str)
FAULTS = web.AppKey("faults", FaultProxy)
# Tester mode with sync configured: the fault proxy on the kiosk → fleet server link.
SERVER_FAULTS = web.AppKey("server_faults", FaultProxy)
ENGINE = web.AppKey("engine", PaymentEngine)
ORDERS = web.AppKey("orders", OrderService)
SESSIONS = web.AppKey("sessions", SessionService)
RECONCILER = web.AppKey("reconciler", Reconciler)
CLEANUP = web.AppKey("cleanup", Cleanup)
MONITOR = web.AppKey("monitor", GatewayMonitor)
FORWARDER = web.AppKey("forwarder", Forwarder)
ADMIN_PIN = web.AppKey("admin_pin", AdminPin)
INSTANCE = web.AppKey("instance", Instance)
CHANGES = web.AppKey("changes", SessionChanges)
METRICS = web.AppKey("metrics", Metrics)
READINESS = web.AppKey("readiness", Readiness)
CUSTOMER = web.AppKey("customer", SimulatedCustomer)
KIOSKS = web.AppKey("kiosks", KioskRegistry)
REFUNDS = web.AppKey("refunds", RefundService)
REFUND_RECOVERY = web.AppKey("refund_recovery", RefundRecovery)
SHIFTS = web.AppKey("shifts", ShiftService)
SYNC = web.AppKey("sync", SyncForwarder)
REQUEST_IDS = web.AppKey("request_ids", RandomIds)
