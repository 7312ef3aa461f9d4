"""A scripted stand-in for the ApiClient, for testing CheckoutFlow without a backend."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from datetime import UTC, datetime
from typing import Any

from smartcart_contract.states import Status
from smartcart_desktop.api.errors import ApiError, NotFound
from smartcart_desktop.api.models import (
    BackendConfig,
    Order,
    ReceiptDocument,
    Session,
    SessionCreated,
    Summary,
)
from smartcart_desktop.api.payment_details import PaymentDetails

SESSION_ID = "0" * 31 + "1"


def session(status: str = "INITIATED", **fields: Any) -> Session:
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "session_id": SESSION_ID,
        "order_id": 7,
        "status": status,
        "attempts": 0,
        "max_attempts": 3,
        "can_resume": False,
        "needs_payment_details": False,
        "amount_minor": 8000,
        "currency": "INR",
        "created_at": now,
        "updated_at": now,
        "expires_at": now,
    }
    values.update(fields)
    return Session(**values)


def order(paid: bool = False) -> Order:
    return Order(
        order_id=7,
        status="PAID" if paid else "PENDING",
        total_minor=8000,
        currency="INR",
        items=[],
        created_at=datetime.now(UTC),
    )


class FakeApi:
    """`session()` answers from a script: each entry is a Session or an ApiError to raise;
    the last entry repeats."""

    def __init__(self, *script: Session | ApiError) -> None:
        self.script = list(script)
        self.session_calls = 0
        self.stream_calls = 0
        self.calls: list[str] = []

    async def config(self) -> BackendConfig:
        return BackendConfig(
            gateway_timeout_s=30, max_attempts=3, retry_delay_s=2, session_ttl_s=900, currency="INR"
        )

    async def create_order(self, lines: Mapping[str, int]) -> Order:
        self.calls.append("create_order")
        return order()

    async def create_session(self, order_id: int) -> SessionCreated:
        self.calls.append("create_session")
        return SessionCreated(
            session_id=SESSION_ID, order_id=order_id, max_attempts=3, status=Status.INITIATED,
            created=True, message="",
        )

    async def session(self, session_id: str) -> Session:
        self.session_calls += 1
        entry = self.script[0] if len(self.script) == 1 else self.script.pop(0)
        if isinstance(entry, ApiError):
            raise entry
        return entry

    def session_stream(
        self, session_id: str, *, last_event_id: str | None = None
    ) -> AsyncGenerator[tuple[str, Session], None]:
        """No stream here (as from a backend that has none): the flow falls back to polling."""
        self.stream_calls += 1

        async def refused() -> AsyncGenerator[tuple[str, Session], None]:
            raise NotFound("No such route.", code="not_found", http_status=404)
            yield  # an async generator

        return refused()

    async def pay(self, session_id: str, details: PaymentDetails) -> Session:
        """Answers the session, as the GET that used to follow it would have: the script's next."""
        self.calls.append("pay")
        return await self.session(session_id)

    async def order(self, order_id: int) -> Order:
        return order(paid=True)

    async def summary(self, session_id: str) -> Summary:
        return Summary(
            session_id=session_id, order_id=7, status=Status.COMPLETED, attempts=1, max_attempts=3,
            duration_seconds=0.5, interruptions=0, can_resume=False,
        )

    async def receipt(self, session_id: str) -> ReceiptDocument:
        self.calls.append("receipt")
        return ReceiptDocument(
            title="Receipt", shop_name="Test Shop", shop_address=[], order_id=7,
            issued_at=datetime.now(UTC), issued_at_text="now", lines=[], currency="INR",
            taxable_minor=8000, cgst_minor=0, sgst_minor=0, total_minor=8000, paid_with="Cash",
        )
