"""The ApiClient against the real backend: typed answers, typed failures, the bearer token."""

from __future__ import annotations

import pytest

from smartcart_desktop.api.client import ApiClient
from smartcart_desktop.api.errors import (
    AuthError,
    Conflict,
    NetworkInterruption,
    NotFound,
    ValidationError,
)
from smartcart_desktop.api.payment_details import CardDetails
from tests.desktop.conftest import OPERATOR_PIN, StartKiosk

CARD = CardDetails(number="4242424242424242", holder="Asha Rao", expiry="12/39", cvv="123")


async def test_typed_answers(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        products = (await kiosk.api.products()).products
        order = await kiosk.api.create_order({products[0].id: 2})
        assert order.total_minor == 2 * products[0].price_minor
        created = await kiosk.api.create_session(order.order_id)
        assert created.created and (await kiosk.api.session(created.session_id)).status == "INITIATED"


async def test_conflict_carries_the_current_status(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        order = await kiosk.api.create_order({"masala-chai": 1})
        session_id = (await kiosk.api.create_session(order.order_id)).session_id
        await kiosk.api.cancel(session_id)
        with pytest.raises(Conflict) as caught:
            await kiosk.api.pay(session_id, CARD)
        assert caught.value.status == "CANCELLED"


async def test_validation_error_carries_the_backend_message(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        order = await kiosk.api.create_order({"masala-chai": 1})
        session_id = (await kiosk.api.create_session(order.order_id)).session_id
        with pytest.raises(ValidationError) as caught:
            await kiosk.api.complete_cash(session_id, 100, OPERATOR_PIN)
        assert caught.value.message == "The cash received is less than the amount due."


async def test_not_found_and_bad_token(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        with pytest.raises(NotFound):
            await kiosk.api.session("f" * 32)
        stranger = ApiClient(kiosk.api.base_url, "not-the-token")
        try:
            with pytest.raises(AuthError):
                await stranger.products()
        finally:
            await stranger.close()


async def test_unreachable_backend_is_a_network_interruption(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        url = kiosk.api.base_url
        await kiosk.app.shutdown()  # the server is gone
        client = ApiClient(url, "token", timeout_s=2)
        try:
            with pytest.raises(NetworkInterruption):
                await client.health()
        finally:
            await client.close()
