"""How the payment form offers each way a kiosk takes money (the names are the contract's, as
`GET /api/config` lists them in paymentMethods).

Kiosks in India take UPI by a QR on screen and cards on a terminal; cash needs the operator.
Typed card and typed UPI ids exist only for the headless API and tester mode: the backend offers
them only there.
"""

from __future__ import annotations

from dataclasses import dataclass

from smartcart_contract.payment_methods import PaymentMethod
from smartcart_desktop.translation import QT_TRANSLATE_NOOP

CONTEXT = "payment_methods"

UPI_QR = PaymentMethod.UPI_QR.value
CARD_PRESENT = PaymentMethod.CARD_PRESENT.value
CASH = PaymentMethod.CASH.value
CARD = PaymentMethod.CARD.value  # typed card number (tester mode)
UPI = PaymentMethod.UPI.value  # typed UPI id (tester mode)


@dataclass(frozen=True, slots=True)
class MethodLook:
    label: str
    icon: str  # resources/icons/<icon>.svg


# The labels are English source texts, translated where the form shows them.
LOOKS = {
    UPI_QR: MethodLook(QT_TRANSLATE_NOOP("payment_methods", "UPI (scan QR)"), "qr"),
    CARD_PRESENT: MethodLook(QT_TRANSLATE_NOOP("payment_methods", "Card on terminal"), "terminal"),
    CASH: MethodLook(QT_TRANSLATE_NOOP("payment_methods", "Cash (operator)"), "cash"),
    CARD: MethodLook(QT_TRANSLATE_NOOP("payment_methods", "Typed card (tester)"), "card"),
    UPI: MethodLook(QT_TRANSLATE_NOOP("payment_methods", "UPI ID (tester)"), "upi"),
}

KNOWN = tuple(LOOKS)


def offered(methods: tuple[str, ...]) -> tuple[str, ...]:
    """The methods this window can show, in the backend's order (a newer backend's unknown
    method is left out rather than shown as a button that cannot work)."""
    return tuple(m for m in dict.fromkeys(methods) if m in LOOKS)
