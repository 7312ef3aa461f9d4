"""Which screen and which question a backend session calls for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from smartcart_desktop.api.models import BackendConfig
from smartcart_desktop.checkout import messages
from smartcart_desktop.checkout.payment_methods import offered
from smartcart_desktop.checkout.state import PromptKind, Stage, prompt_of, stage_of
from tests.desktop.fakes import session

RESUMABLE: dict[str, Any] = {"attempts": 1, "interruptions": 1, "can_resume": True}


@pytest.mark.parametrize(
    ("fields", "stage"),
    [
        ({"status": "INITIATED"}, Stage.DETAILS),
        ({"status": "PROCESSING", "attempts": 1}, Stage.PROCESSING),
        ({"status": "PROCESSING", "settling_to": "CANCELLED"}, Stage.CANCELLING),
        ({"status": "PROCESSING", "upi_qr": {"payload": "upi://pay?pa=a@b", "expiresAt": 1}}, Stage.SCAN_QR),
        ({"status": "PROCESSING", "terminal": {"terminalId": "T1", "expiresAt": 1}}, Stage.ON_TERMINAL),
        ({"status": "PROCESSING", "settling_to": "CANCELLED", "upi_qr": {"payload": "u", "expiresAt": 1}},
         Stage.CANCELLING),
        ({"status": "INTERRUPTED", "last_interruption_reason": "TIMEOUT", **RESUMABLE}, Stage.INTERRUPTED),
        ({"status": "INTERRUPTED", "settling_to": "FAILED_MAX_RETRIES", "attempts": 3}, Stage.SETTLING),
        ({"status": "INTERRUPTED", "attempts": 3, "can_resume": False}, Stage.SETTLING),
        ({"status": "INTERRUPTED", "needs_payment_details": True, **RESUMABLE}, Stage.DETAILS),
        ({"status": "COMPLETED"}, Stage.COMPLETED),
        ({"status": "DECLINED"}, Stage.DECLINED),
        ({"status": "FAILED_MAX_RETRIES"}, Stage.FAILED),
        ({"status": "EXPIRED"}, Stage.EXPIRED),
        ({"status": "CANCELLED"}, Stage.CART),
        ({"status": "OFFLINE_ACCEPTED"}, Stage.OFFLINE_ACCEPTED),
    ],
)
def test_stage_follows_the_backend_session(fields: dict[str, Any], stage: Stage) -> None:
    assert stage_of(session(**fields)) is stage


@pytest.mark.parametrize(
    ("reason", "kind"),
    [("TIMEOUT", PromptKind.TIMEOUT), ("NETWORK_ERROR", PromptKind.NETWORK),
     ("GATEWAY_ERROR", PromptKind.NETWORK), ("APP_CLOSED", PromptKind.INTERRUPTED),
     ("CRASH_RECOVERED", PromptKind.INTERRUPTED)],
)
def test_interruptions_ask_by_reason(reason: str, kind: PromptKind) -> None:
    prompt = prompt_of(session("INTERRUPTED", last_interruption_reason=reason, **RESUMABLE))
    assert prompt is not None and prompt.kind is kind


def test_no_question_while_the_backend_settles() -> None:
    assert prompt_of(session("INTERRUPTED", settling_to="CANCELLED", **RESUMABLE)) is None


def test_a_failed_action_asks_again() -> None:
    interrupted = session("INTERRUPTED", last_interruption_reason="TIMEOUT", **RESUMABLE)
    first, again = prompt_of(interrupted, 0), prompt_of(interrupted, 1)
    assert first and again and first.identity == again.identity and first.serial != again.serial


def test_seed_messages() -> None:
    interrupted = session("INTERRUPTED", **RESUMABLE)
    assert messages.timeout(interrupted) == messages.Message(
        messages.Kind.WAITING, "Payment timeout (attempt 1/3). You can retry or cancel."
    )
    assert messages.network_error(interrupted) == messages.Message(
        messages.Kind.NETWORK, "Network error detected (attempt 1/3). Would you like to retry?"
    )
    assert messages.retry_countdown(1.6) == "Retrying automatically in 2 s…"
    assert messages.unfinished_payment(session(order_id=12, amount_minor=123450)) == (
        "An unfinished payment for order #12 (₹1,234.50) was found."
    )


def test_network_countdown_reads_the_backend_retry_time() -> None:
    from smartcart_desktop.ui.dialogs import seconds_until

    left = seconds_until(datetime.now(UTC) + timedelta(seconds=5))
    assert left is not None and 4 < left <= 5


def test_the_window_reads_the_backends_payment_methods() -> None:
    config = BackendConfig.model_validate({
        "gatewayTimeoutS": 30, "maxAttempts": 3, "retryDelayS": 2, "sessionTtlS": 900, "currency": "INR",
        "paymentMethods": ["upi_qr", "card_present", "cash", "bitcoin"],
    })
    assert offered(config.payment_methods) == ("upi_qr", "card_present", "cash")  # unknown left out
