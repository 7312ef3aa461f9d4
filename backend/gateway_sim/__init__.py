"""A Stripe-like payment gateway simulator, spoken to over real HTTP (DESIGN.md §7).

It runs as an aiohttp server on loopback with its own SQLite ledger, so it survives its own
restart. Test sources are listed in `cards.py`; `SLOW_CARD` (4000000000000606) approves
after `slow_delay_s`. Start it in-process with `start_gateway_sim`, or as
`python -m backend.gateway_sim`.

Besides charges it shows UPI QR codes (`upi_qr.py`) and drives card terminals (`terminal.py`),
waiting for a customer that tests and tester mode play through `/v1/_sim/customer/{key}`
(`customer.py`); their money lands in the same ledger (`waiting_payments.py`).
"""

from .app import RunningGateway, create_gateway_app, start_gateway_sim
from .cards import APPROVE_CARD, DECLINE_CARD, INSUFFICIENT_FUNDS_CARD, SLOW_CARD
from .config import GatewaySimConfig

__all__ = [
    "APPROVE_CARD",
    "DECLINE_CARD",
    "INSUFFICIENT_FUNDS_CARD",
    "SLOW_CARD",
    "GatewaySimConfig",
    "RunningGateway",
    "create_gateway_app",
    "start_gateway_sim",
]
