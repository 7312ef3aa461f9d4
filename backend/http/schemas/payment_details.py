"""Payment details a kiosk sends (card, UPI) and the as-you-type validation.

Card numbers and CVVs are SecretStr: they stay out of reprs, logs and tracebacks."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Field,
    RootModel,
    SecretStr,
    field_validator,
)

from backend.gateway.client import CardSource, PaymentSource, UpiSource
from backend.http.schemas.common import RequestModel, ResponseModel
from backend.payments import card_rules
from smartcart_contract import limits


class CardIn(RequestModel):
    # SecretStr keeps the number and CVV out of reprs, logs and tracebacks.
    number: SecretStr = Field(
        description="16 digits, Luhn-valid; spaces allowed",
        json_schema_extra={"pattern": card_rules.CARD_NUMBER_PATTERN},
    )
    holder: str = Field(min_length=1, max_length=limits.CARD_HOLDER_MAX)
    expiry: str = Field(
        description="MM/YY, not in the past",
        json_schema_extra={"pattern": card_rules.EXPIRY_PATTERN},
    )
    cvv: SecretStr = Field(description="3 digits", json_schema_extra={"pattern": r"^[0-9]{3}$"})

    @field_validator("number")
    @classmethod
    def _number(cls, value: SecretStr) -> SecretStr:
        problem = card_rules.card_number_problem(value.get_secret_value())
        if problem:
            raise ValueError(problem)
        return SecretStr(card_rules.normalise_card_number(value.get_secret_value()))

    @field_validator("expiry")
    @classmethod
    def _expiry(cls, value: str) -> str:
        problem = card_rules.expiry_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("cvv")
    @classmethod
    def _cvv(cls, value: SecretStr) -> SecretStr:
        problem = card_rules.cvv_problem(value.get_secret_value())
        if problem:
            raise ValueError(problem)
        return value


def _upi_id(value: str) -> str:
    if problem := card_rules.upi_problem(value):
        raise ValueError(problem)
    return value


UpiId = Annotated[
    str,
    Field(max_length=limits.UPI_ID_MAX, json_schema_extra={"pattern": card_rules.UPI_PATTERN}),
    AfterValidator(_upi_id),
]


class CardPaymentIn(RequestModel):
    method: Literal["card"]
    card: CardIn

    def source(self) -> PaymentSource:
        return CardSource(
            number=self.card.number.get_secret_value(),
            expiry=self.card.expiry,
            cvv=self.card.cvv.get_secret_value(),
        )


class UpiPaymentIn(RequestModel):
    method: Literal["upi"]
    upi_id: UpiId

    def source(self) -> PaymentSource:
        return UpiSource(upi_id=self.upi_id)


class UpiQrPaymentIn(RequestModel):
    """Show a UPI QR for the exact amount; the customer's UPI app pays it."""

    method: Literal["upi_qr"]


class CardPresentPaymentIn(RequestModel):
    """Start the payment on the kiosk's card terminal; the card never reaches the kiosk."""

    method: Literal["card_present"]


PaymentDetailsIn = CardPaymentIn | UpiPaymentIn


WaitingPaymentIn = UpiQrPaymentIn | CardPresentPaymentIn


PaymentDetails = Annotated[PaymentDetailsIn | WaitingPaymentIn, Field(discriminator="method")]


class PayIn(RootModel[PaymentDetails]):
    pass


class NoDetailsIn(RequestModel):
    """An empty body: resume with the details this process still holds."""


class ResumeIn(RootModel[CardPaymentIn | UpiPaymentIn | NoDetailsIn]):
    """Payment details are needed again only when this process no longer holds them."""

    def details(self) -> CardPaymentIn | UpiPaymentIn | None:
        return None if isinstance(self.root, NoDetailsIn) else self.root


class ValidateIn(RequestModel):
    """Partial details, as typed so far; every field optional."""

    number: str | None = Field(None, max_length=40)
    expiry: str | None = Field(None, max_length=10)
    cvv: str | None = Field(None, max_length=10)
    holder: str | None = Field(None, max_length=200)
    upi_id: str | None = Field(None, max_length=200)


class ValidateOut(ResponseModel):
    valid: bool
    errors: dict[str, str]
    brand: str | None = None
