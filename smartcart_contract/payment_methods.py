"""The ways a kiosk takes money, as the API names them (`method` of a pay request and of a session).

Waiting methods are paid by the customer away from the kiosk's screen (their phone scans a UPI QR,
their card meets the terminal): the backend waits on the provider for the outcome.
"""

from __future__ import annotations

from enum import StrEnum


class PaymentMethod(StrEnum):
    UPI_QR = "upi_qr"
    CARD_PRESENT = "card_present"
    CASH = "cash"
    # Typed on the screen: for the headless API and tester mode only.
    CARD = "card"
    UPI = "upi"


WAITING = frozenset({PaymentMethod.UPI_QR, PaymentMethod.CARD_PRESENT})
TYPED = frozenset({PaymentMethod.CARD, PaymentMethod.UPI})

# What a customer does at a QR or a terminal, as tester mode's simulated customer acts it out.
CUSTOMER_ACTIONS = ("pay", "decline", "walk_away", "pay_after_close")
