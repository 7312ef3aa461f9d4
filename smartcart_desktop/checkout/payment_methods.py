"""How the payment form offers each way a kiosk takes money (the names are the contract's, as
`GET /api/config` lists them in paymentMethods).

Kiosks in India take UPI by a QR on screen and cards on a terminal; cash needs the operator.
Typed card and typed UPI ids exist only for the headless API and tester mode: the backend offers
them only there.
"""

from __future__ import annotations

from dataclasses import dataclass

from smartcart_contract.payment_methods import PaymentMethod

UPI_QR = PaymentMethod.UPI_QR.value
CARD_PRESENT = PaymentMethod.CARD_PRESENT.value
CASH = PaymentMethod.CASH.value
CARD = PaymentMethod.CARD.value  # typed card number (tester mode)
UPI = PaymentMethod.UPI.value  # typed UPI id (tester mode)


@dataclass(frozen=True, slots=True)
class MethodLook:
    label: str
    icon: str  # resources/icons/<icon>.svg


LOOKS = {
    UPI_QR: MethodLook("UPI (scan QR)", "qr"),
    CARD_PRESENT: MethodLook("Card on terminal", "terminal"),
    CASH: MethodLook("Cash (operator)", "cash"),
    CARD: MethodLook("Typed card (tester)", "card"),
    UPI: MethodLook("UPI ID (tester)", "upi"),
}

KNOWN = tuple(LOOKS)


def offered(methods: tuple[str, ...]) -> tuple[str, ...]:
    """The methods this window can show, in the backend's order (a newer backend's unknown
    method is left out rather than shown as a button that cannot work)."""
    return tuple(m for m in dict.fromkeys(methods) if m in LOOKS)
