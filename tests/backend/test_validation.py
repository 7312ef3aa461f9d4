"""Bad input gets a clear JSON error (code + message) and changes nothing."""

from __future__ import annotations

import pytest

from tests.backend.api import GOOD_CARD, OPERATOR_PIN

CREATE = "/api/payments/session/create"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"orderId": 1, "extra": True}, "invalid_input"),  # unknown field
        ({"orderId": "1"}, "invalid_input"),  # wrong type
        ({"orderId": 1.5}, "invalid_input"),
        ({}, "invalid_input"),  # missing field
        ([1, 2], "invalid_input"),  # not an object
    ],
)
async def test_bad_bodies_are_400_json(api, body, code):
    reply = await api.call("POST", CREATE, body)
    assert reply.status == 400 and reply.content_type == "application/json"
    assert reply.body["code"] == code and reply.body["message"]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'{"orderId": ', "malformed_json"),
        (b"\xff\xfe\x00garbage", "malformed_json"),  # not UTF-8
        (b"", "body_required"),
    ],
)
async def test_unparseable_bodies_are_400_json(api, raw, code):
    reply = await api.call("POST", CREATE, raw=raw)
    assert (reply.status, reply.body["code"]) == (400, code)


async def test_a_body_over_64_kib_is_413_json(api):
    reply = await api.call("POST", "/api/orders", raw=b'{"items": "' + b"x" * 70_000 + b'"}')
    assert (reply.status, reply.body["code"]) == (413, "payload_too_large")


@pytest.mark.parametrize(
    "path",
    [
        "/api/payments/session/" + "0" * 32,  # well-formed, unknown
        "/api/payments/session/not-a-session-id",
        "/api/orders/999999",
        "/api/orders/abc",
        "/api/no-such-route",
    ],
)
async def test_unknown_ids_and_routes_are_404_json(api, path):
    reply = await api.call("GET", path)
    assert reply.status == 404 and reply.content_type == "application/json"
    assert reply.body["code"]


async def test_an_unknown_order_for_a_session_is_404(api):
    reply = await api.call("POST", CREATE, {"orderId": 424242})
    assert (reply.status, reply.body["code"]) == (404, "order_not_found")


@pytest.mark.parametrize("order_id", [2**31, 2**62], ids=["2^31", "2^62"])
async def test_an_order_id_past_32_bits_is_an_unknown_order_not_a_server_error(api, order_id):
    # The API takes ids up to 2**62; an INTEGER column on PostgreSQL (int4) used to answer 500.
    by_path = await api.call("GET", f"/api/orders/{order_id}")
    assert (by_path.status, by_path.body["code"]) == (404, "order_not_found")
    by_body = await api.call("POST", CREATE, {"orderId": order_id})
    assert (by_body.status, by_body.body["code"]) == (404, "order_not_found")


async def test_a_wrong_method_is_405_json(api):
    reply = await api.call("DELETE", "/api/orders")
    assert reply.status == 405 and reply.body["code"] == "method_not_allowed"


async def test_an_unknown_product_is_refused_and_no_order_is_made(api):
    reply = await api.call("POST", "/api/orders", {"items": [{"productId": "caviar", "quantity": 1}]})
    assert reply.status == 404
    assert (await api.call("GET", "/api/orders/1")).status == 404


@pytest.mark.parametrize(
    ("card", "field"),
    [
        ({**GOOD_CARD, "number": "4242424242424241"}, "Card number is not valid"),  # Luhn
        ({**GOOD_CARD, "number": "42424242"}, "16 digits"),
        ({**GOOD_CARD, "expiry": "01/20"}, "expired"),
        ({**GOOD_CARD, "expiry": "13/30"}, "MM/YY"),
        ({**GOOD_CARD, "cvv": "12"}, "CVV"),
    ],
)
async def test_an_invalid_card_is_400_and_leaves_the_session_untouched(api, card, field):
    session_id = await api.session()
    before = await api.get(session_id)

    reply = await api.pay(session_id, card)

    assert reply.status == 400 and field in reply.body["message"]
    assert card["number"] not in reply.body["message"]  # a card number never lands in an error
    assert await api.get(session_id) == before


async def test_an_invalid_upi_id_is_400(api):
    session_id = await api.session()
    reply = await api.action(session_id, "pay", {"method": "upi", "upiId": "not-an-upi-id"})
    assert reply.status == 400 and "name@bank" in reply.body["message"]
    assert (await api.get(session_id))["status"] == "INITIATED"


async def test_a_card_payment_without_a_card_is_400(api):
    session_id = await api.session()
    reply = await api.action(session_id, "pay", {"method": "card", "upiId": "asha@okbank"})
    assert reply.status == 400


async def test_cash_short_of_the_amount_is_refused(api):
    session_id = await api.session()
    reply = await api.action(session_id, "complete", {"method": "cash", "amountReceivedMinor": 1, "operatorPin": OPERATOR_PIN})
    assert (reply.status, reply.body["code"]) == (400, "insufficient_cash")
    assert (await api.get(session_id))["status"] == "INITIATED"


async def test_validate_reports_each_problem_without_echoing_values(api):
    reply = await api.call("POST", "/api/payments/validate",
                           {"number": "4242 4242 4242 4241", "expiry": "01/20", "cvv": "1"})
    assert reply.body["valid"] is False
    assert set(reply.body["errors"]) == {"number", "expiry", "cvv"}
    assert "4241" not in str(reply.body)
    good = await api.call("POST", "/api/payments/validate", {"number": GOOD_CARD["number"]})
    assert good.body == {"valid": True, "errors": {}, "brand": "visa"}
