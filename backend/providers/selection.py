"""Which implementation backs each capability, chosen by settings (SMARTCART_PAYMENT_PROVIDER)."""

from __future__ import annotations

from dataclasses import dataclass

from backend.gateway.client import GatewayClient
from backend.providers.card_not_present import CardNotPresent
from backend.providers.card_terminal import CardTerminal
from backend.providers.simulator import SimulatorTerminal, SimulatorUpiQr
from backend.providers.upi_qr import UpiQr
from backend.settings import Settings


@dataclass(frozen=True, slots=True)
class Providers:
    card: CardNotPresent
    upi_qr: UpiQr
    terminal: CardTerminal


def providers_from_settings(settings: Settings, gateway: GatewayClient) -> Providers:
    """The simulator (the bundled one, or any gateway speaking its HTTP API) for every capability;
    with SMARTCART_PAYMENT_PROVIDER=razorpay, UPI QR codes through Razorpay. Razorpay takes typed
    cards only through its browser Checkout, and its POS terminals are another product: those
    two capabilities stay with the gateway."""
    upi_qr: UpiQr = SimulatorUpiQr(gateway, payee_vpa=settings.upi_payee_vpa, payee_name=settings.upi_payee_name)
    if settings.payment_provider == "razorpay":
        # Imported only when chosen: the SDK (and requests) stay out of every other start-up.
        from backend.providers.razorpay_upi_qr import RazorpayUpiQr

        upi_qr = RazorpayUpiQr(
            key_id=settings.razorpay_key_id,
            key_secret=settings.razorpay_key_secret.get_secret_value(),
            base_url=settings.razorpay_base_url,
            timeout_s=settings.gateway_timeout_s,
            payee_name=settings.upi_payee_name,
        )
    return Providers(card=gateway, upi_qr=upi_qr, terminal=SimulatorTerminal(gateway))
