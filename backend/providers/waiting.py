"""A payment the provider holds open for the customer (a UPI QR, a terminal prompt), as looked up."""

from __future__ import annotations

from dataclasses import dataclass

from backend.gateway.client import Charge


@dataclass(frozen=True, slots=True)
class WaitingPayment:
    id: str
    # Still accepting the customer's payment; False once paid, declined or closed.
    open: bool
    # A QR's content (upi://pay?...); None for a terminal.
    payload: str | None
    # The money under the session's key, if any has moved: succeeded, declined or voided (refunded).
    charge: Charge | None
