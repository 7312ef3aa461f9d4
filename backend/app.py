"""The application factory: `create_app(settings)` wires one cleanup context per resource."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy.engine import make_url

from backend import app_keys
from backend.clock import STATE_FILE, Clock, TimeSource, system_clock
from backend.db import invoices, migrate
from backend.db.database import Database, check_integrity, restrict_data_dir, sqlite_path
from backend.db.sessions import changed, listener, passes
from backend.errors import StorageFull
from backend.faults.proxy import FaultProxy
from backend.fleet.instance import Instance, claim_id
from backend.gateway.client import GatewayClient
from backend.gateway.monitor import GatewayMonitor
from backend.gateway_sim import GatewaySimConfig, start_gateway_sim
from backend.http.admin_pin import AdminPin
from backend.http.forwarded import forwarded_middleware
from backend.http.middleware import error_middleware
from backend.http.request_id import request_id_middleware
from backend.http.routes import (
    admin,
    exports,
    health,
    metrics,
    offline,
    orders,
    receipts,
    refunds,
    sessions,
    shifts,
    sync,
    tester,
)
from backend.kiosks.registry import KioskRegistry
from backend.observability.metrics import Metrics
from backend.observability.readiness import Readiness, schema_heads
from backend.offline.acceptance import OfflineAcceptance
from backend.offline.forwarder import Forwarder
from backend.offline.repo import OfflineLimits
from backend.offline.sealing import Sealer, load_or_create_key
from backend.payments.changes import SessionChanges
from backend.payments.cleanup import Cleanup
from backend.payments.engine import PaymentEngine
from backend.payments.ids import RandomIds
from backend.payments.reconciler import Reconciler
from backend.payments.sessions import SessionService
from backend.providers.selection import providers_from_settings
from backend.providers.simulated_customer import SimulatedCustomer
from backend.receipts.invoice_series import InvoiceSeries
from backend.refunds.recovery import RefundRecovery
from backend.refunds.service import RefundService
from backend.settings import Settings
from backend.shifts.service import ShiftService
from backend.shop.catalog import load_catalog
from backend.shop.orders import OrderService
from backend.sync.forwarder import SyncForwarder
from backend.sync.outbox import OutboxHook
from smartcart_contract.payment_methods import PaymentMethod
from smartcart_contract.states import Reason

log = logging.getLogger(__name__)


def _offline_limits(settings: Settings) -> OfflineLimits:
    return OfflineLimits(
        max_payment_minor=settings.offline_max_payment_minor,
        max_total_minor=settings.offline_max_total_minor,
        max_count=settings.offline_max_count,
        max_age_ms=int(settings.offline_max_age_s * 1000),
    )


def create_app(settings: Settings, *, clock: TimeSource = system_clock) -> web.Application:
    """`clock`: wall time (epoch ms), and `clock.monotonic()` if it has one (backend/clock.py)."""
    app_clock = Clock(clock, settings.data_dir / STATE_FILE)
    app = web.Application(
        # The client a trusted proxy forwarded (with no proxy trusted there is nothing to take
        # from anyone, so no layer for it), then the request's id for every line logged about
        # it, then errors as JSON (which the id middleware still tags).
        middlewares=[
            *([forwarded_middleware] if settings.trusted_proxies else []),
            request_id_middleware,
            error_middleware,
        ],
        client_max_size=settings.max_body_bytes,
    )
    app[app_keys.SETTINGS] = settings
    app[app_keys.CLOCK] = app_clock
    app[app_keys.REQUEST_IDS] = RandomIds()
    app[app_keys.CATALOG] = load_catalog()
    app[app_keys.METRICS] = Metrics(app_clock)
    app[app_keys.ADMIN_PIN] = AdminPin.from_settings(settings, clock=app_clock)
    app.cleanup_ctx.extend([_database, _changes, _instance, _gateway, _services, _background_tasks])
    app.cleanup_ctx.append(_observability)
    # Streams end before the server waits for its handlers to finish (cleanup comes after).
    app.on_shutdown.append(_end_streams)
    for module in (health, orders, sessions, receipts, admin, exports, offline, metrics, refunds, shifts, sync):
        app.router.add_routes(module.routes)
    if settings.tester:
        # Fault injection exists only in tester mode: a production kiosk has no such route.
        app.router.add_routes(tester.routes)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[app_keys.SETTINGS]
    url = settings.resolved_database_url()
    await asyncio.to_thread(restrict_data_dir, settings.data_dir)
    if (path := sqlite_path(url)) is not None:
        # Before anything opens it: a damaged file is refused, and kept as it is.
        await asyncio.to_thread(check_integrity, path)
    await asyncio.to_thread(migrate.upgrade, url)
    db = Database(
        url,
        busy_timeout_s=settings.db_busy_timeout_s,
        transient_tries=settings.db_retry_tries,
        transient_backoff_s=settings.db_retry_backoff_s,
        wal_limit_bytes=settings.db_wal_limit_bytes,
        wal_autocheckpoint_pages=settings.db_wal_autocheckpoint_pages,
        scrub_wait_s=settings.db_scrub_wait_s,
        on_batch=app[app_keys.METRICS].observe_batch,
        context={invoices.SERIES: InvoiceSeries(settings.invoice_prefix, settings.shop_time_zone)},
    )
    app[app_keys.DATABASE] = db
    server_faults = None
    if settings.sync_url is not None and settings.sync_token is not None:
        server_faults = await _server_fault_proxy(settings.sync_url) if settings.tester else None
        if server_faults is not None:
            app[app_keys.SERVER_FAULTS] = server_faults
        forwarder = SyncForwarder(
            db,
            settings.sync_url,
            settings.sync_token.get_secret_value(),
            clock=app[app_keys.CLOCK],
            retry_s=settings.sync_retry_s,
            retry_max_s=settings.sync_retry_max_s,
            idle_s=settings.sync_idle_s,
            batch=settings.sync_batch,
            max_body_bytes=settings.sync_max_body_bytes,
            timeout_s=settings.sync_timeout_s,
            via=server_faults.url if server_faults is not None else None,
        )
        # Before the change feed's hook (_changes), which takes the marks the outbox reads.
        db.add_commit_hook(OutboxHook(forwarder.poke_threadsafe))
        app[app_keys.SYNC] = forwarder
    yield
    if server_faults is not None:
        await server_faults.close()
    await asyncio.to_thread(db.close)


async def _server_fault_proxy(sync_url: str) -> FaultProxy | None:
    """Tester mode: the same fault proxy as on the gateway link, in front of the fleet server.

    It relays plain HTTP only; an https server is synced to directly (no fault switch) rather
    than through a proxy that would break every request.
    """
    target = urlsplit(sync_url)
    if target.scheme != "http":
        log.warning("tester mode: the fleet server is %s, not http; its link has no fault switch", target.scheme)
        return None
    proxy = FaultProxy(target.hostname or "127.0.0.1", target.port or 80, upstream_name="fleet server")
    await proxy.start()
    return proxy


async def _changes(app: web.Application) -> AsyncIterator[None]:
    settings, db = app[app_keys.SETTINGS], app[app_keys.DATABASE]
    # On PostgreSQL other processes of a fleet commit changes too: hear them by LISTEN.
    # A SQLite file has one backend (a second process's changes reach streams by their re-reads).
    on_postgresql = make_url(db.url).get_backend_name() == "postgresql"
    changes = SessionChanges(hears_other_processes=on_postgresql)
    db.add_commit_hook(changed.ChangeFeed(changes.committed))
    app[app_keys.CHANGES] = changes
    listening = None
    if on_postgresql:
        listening = asyncio.create_task(
            listener.listen(
                db.url,
                on_changed=changes.changed,
                on_connected=changes.wake_all,
                retry_s=settings.stream_listen_retry_s,
            ),
            name="session-changes-listener",
        )
    yield
    if listening is not None:
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)


async def _end_streams(app: web.Application) -> None:
    if app_keys.CHANGES in app:
        app[app_keys.CHANGES].close()


async def _instance(app: web.Application) -> AsyncIterator[None]:
    settings, clock, db = app[app_keys.SETTINGS], app[app_keys.CLOCK], app[app_keys.DATABASE]
    instance_id, lock = await asyncio.to_thread(claim_id, settings.data_dir)
    instance = Instance(db, instance_id, lease_s=settings.instance_lease_s, clock=clock)
    # The lease is renewed by the writes that need it (see backend/fleet/instance.py).
    db.add_commit_hook(instance)
    recovering = None
    try:
        await instance.recover()
    except StorageFull:
        # Start anyway: what is recorded can be read, and the storage may soon have room again.
        log.error("start-up recovery of interrupted payments must wait for storage; trying again")
        recovering = asyncio.create_task(
            instance.recover_when_possible(settings.storage_retry_s), name="instance-recovery"
        )
    app[app_keys.INSTANCE] = instance
    yield
    if recovering is not None:
        recovering.cancel()
        await asyncio.gather(recovering, return_exceptions=True)
    await instance.retire()
    if lock is not None:
        lock.close()


async def _gateway(app: web.Application) -> AsyncIterator[None]:
    settings = app[app_keys.SETTINGS]
    async with contextlib.AsyncExitStack() as stack:
        url = settings.gateway_url
        if url is None:
            simulator = await start_gateway_sim(
                GatewaySimConfig(
                    database_url=settings.resolved_gateway_database_url(),
                    delay_s=settings.gateway_delay_s,
                )
            )
            stack.push_async_callback(simulator.close)
            url = simulator.url
        app[app_keys.GATEWAY_URL] = url
        if settings.tester:
            target = urlsplit(url)
            proxy = FaultProxy(target.hostname or "127.0.0.1", target.port or 80)
            await proxy.start()
            stack.push_async_callback(proxy.close)
            app[app_keys.FAULTS] = proxy
            url = proxy.url
        http = GatewayClient.new_http_session()
        stack.push_async_callback(http.close)
        if settings.tester:
            # The simulated customer pays on their phone, not over the kiosk's link: straight
            # to the simulator, past the fault proxy.
            app[app_keys.CUSTOMER] = SimulatedCustomer(app[app_keys.GATEWAY_URL], http=http)
        app[app_keys.GATEWAY] = GatewayClient(url, timeout_s=settings.gateway_timeout_s, http=http)
        yield


async def _services(app: web.Application) -> AsyncIterator[None]:
    settings, clock, db = app[app_keys.SETTINGS], app[app_keys.CLOCK], app[app_keys.DATABASE]
    gateway = app[app_keys.GATEWAY]
    sealer = Sealer(await asyncio.to_thread(load_or_create_key, settings.resolved_offline_key_file()))
    forwarder = Forwarder(
        db,
        gateway,
        sealer,
        clock=clock,
        # long enough to cover a lookup and a charge that both run into the timeout
        lease_ttl_s=max(10.0, 3 * settings.gateway_timeout_s),
        min_delay_s=settings.reconcile_min_s,
        max_delay_s=settings.reconcile_max_s,
        idle_s=settings.resolved_reconcile_idle_s(),
    )
    offline = (
        OfflineAcceptance(db, sealer, forwarder, _offline_limits(settings), clock=clock)
        if settings.offline_enabled
        else None
    )
    owner = app[app_keys.INSTANCE].id
    providers = providers_from_settings(settings, gateway)
    engine = PaymentEngine(
        db,
        gateway,
        retry_delay_s=settings.retry_delay_s,
        clock=clock,
        owner=owner,
        offline=offline,
        view_changed=app[app_keys.CHANGES].changed,
        providers=providers,
        provider_poll_s=settings.provider_poll_s,
    )
    reconciler = Reconciler(
        db,
        engine,
        clock=clock,
        min_delay_s=settings.reconcile_min_s,
        max_delay_s=settings.reconcile_max_s,
        idle_s=settings.resolved_reconcile_idle_s(),
    )
    monitor = GatewayMonitor(
        gateway,
        period_s=settings.health_probe_s,
        min_backoff_s=settings.reconcile_min_s,
        max_backoff_s=settings.reconcile_max_s,
    )
    # The gateway answering again is when waiting work can move: unknown outcomes, forwards.
    gateway.on_back(reconciler.poke)
    gateway.on_back(forwarder.poke)
    app[app_keys.ENGINE] = engine
    app[app_keys.RECONCILER] = reconciler
    app[app_keys.FORWARDER] = forwarder
    app[app_keys.MONITOR] = monitor
    app[app_keys.KIOSKS] = KioskRegistry(db, cache_s=settings.kiosk_token_cache_s, monotonic_ms=clock.monotonic)
    app[app_keys.ORDERS] = OrderService(db, app[app_keys.CATALOG], clock)
    app[app_keys.SESSIONS] = SessionService(
        db,
        engine,
        max_attempts=settings.max_attempts,
        ttl_s=settings.session_ttl_s,
        clock=clock,
        waiting_ttl_s={PaymentMethod.UPI_QR: settings.upi_qr_ttl_s, PaymentMethod.CARD_PRESENT: settings.terminal_ttl_s},
        terminal_id=settings.terminal_id,
    )
    app[app_keys.REFUNDS] = RefundService(db, gateway, providers.upi_qr, clock=clock)
    app[app_keys.REFUND_RECOVERY] = RefundRecovery(
        app[app_keys.REFUNDS], min_delay_s=settings.reconcile_min_s, max_delay_s=settings.reconcile_max_s
    )
    gateway.on_back(app[app_keys.REFUND_RECOVERY].poke)
    app[app_keys.SHIFTS] = ShiftService(db, gateway, clock=clock, currency=app[app_keys.CATALOG].currency)
    app[app_keys.CLEANUP] = Cleanup(
        db,
        engine,
        reconciler,
        interval_s=settings.cleanup_interval_s,
        retention_days=settings.retention_days,
        clock=clock,
    )
    yield
    await engine.close()
    # Attempts cut short by this shutdown are looked up at the next start, like after a crash,
    # but their history says the app was closed.
    now = clock()
    await db.write(
        lambda conn: passes.interrupt_processing(conn, now, Reason.APP_CLOSED, owner=owner, own=True, orphans=False)
    )


async def _background_tasks(app: web.Application) -> AsyncIterator[None]:
    tasks = [
        asyncio.create_task(app[app_keys.INSTANCE].run(), name="instance-lease"),
        asyncio.create_task(app[app_keys.RECONCILER].run(), name="reconciler"),
        asyncio.create_task(app[app_keys.CLEANUP].run(), name="cleanup"),
        asyncio.create_task(app[app_keys.MONITOR].run(), name="gateway-monitor"),
        # Runs even with offline acceptance switched off: payments accepted before the switch
        # still have to reach the gateway.
        asyncio.create_task(app[app_keys.FORWARDER].run(), name="forwarder"),
        # Its first pass, at start-up, finishes the refunds a crash left pending.
        asyncio.create_task(app[app_keys.REFUND_RECOVERY].run(), name="refund-recovery"),
    ]
    if app_keys.SYNC in app:
        tasks.append(asyncio.create_task(app[app_keys.SYNC].run(), name="sync-forwarder"))
    yield
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _observability(app: web.Application) -> AsyncIterator[None]:
    settings, metrics = app[app_keys.SETTINGS], app[app_keys.METRICS]
    app[app_keys.READINESS] = Readiness(
        app[app_keys.DATABASE],
        app[app_keys.MONITOR],
        heads=schema_heads(),
        probe_write=app[app_keys.INSTANCE].renew,
        timeout_s=settings.ready_timeout_s,
    )
    metrics.watch_gateway(app[app_keys.GATEWAY])
    changes = app[app_keys.CHANGES]
    metrics.count_streams_with(lambda: changes.watched)
    lag = asyncio.create_task(metrics.sample_loop_lag(settings.loop_lag_probe_s), name="loop-lag")
    yield
    lag.cancel()
    await asyncio.gather(lag, return_exceptions=True)
