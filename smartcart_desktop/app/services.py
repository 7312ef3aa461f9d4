"""Everything the window works with, built once at start-up and passed in (no singletons)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from smartcart_desktop.api.client import ApiClient
from smartcart_desktop.app.backend_link import BackendLink
from smartcart_desktop.app.background import BackgroundTasks
from smartcart_desktop.app.health_monitor import HealthMonitor
from smartcart_desktop.app.options import LaunchOptions
from smartcart_desktop.checkout.cart import Cart
from smartcart_desktop.checkout.catalog_cache import CatalogCache
from smartcart_desktop.checkout.flow import CheckoutFlow
from smartcart_desktop.checkout.validation import PaymentValidator
from smartcart_desktop.printing.receipt_printer import ReceiptPrinter


@dataclass
class Services:
    options: LaunchOptions
    link: BackendLink
    api: ApiClient
    flow: CheckoutFlow
    cart: Cart
    health: HealthMonitor
    validator: PaymentValidator
    tasks: BackgroundTasks
    printer: ReceiptPrinter | None = None  # the kiosk's receipt printer, if it has one

    @classmethod
    def build(cls, options: LaunchOptions, link: BackendLink, data_dir: Path | None = None) -> Services:
        """`data_dir`: where the window keeps what it shows before the backend answers."""
        api = ApiClient(link.url, link.kiosk_token)
        return cls(
            options=options,
            link=link,
            api=api,
            flow=CheckoutFlow(
                api,
                gateway_timeout_s=link.gateway_timeout_s,
                poll_interval_s=options.poll_interval_s,
                cancel_answer_s=options.cancel_answer_s,
            ),
            cart=Cart(api, CatalogCache(data_dir)),
            health=HealthMonitor(
                api, interval_s=options.health_interval_s, settled_interval_s=options.health_settled_interval_s
            ),
            validator=PaymentValidator(api),
            tasks=BackgroundTasks("services"),
            printer=ReceiptPrinter(options.receipt_printer) if options.receipt_printer else None,
        )

    def start(self) -> None:
        self.health.start()
        self.tasks.spawn(self.cart.load_catalog(), name="catalog")

    async def stop(self) -> None:
        """Stop polling; report a payment left in flight. The HTTP client is closed separately."""
        await self.flow.leave()
        await self.flow.stop()
        await self.health.stop()
        await self.validator.stop()
        await self.tasks.cancel_all()
