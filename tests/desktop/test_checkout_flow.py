"""CheckoutFlow on its own: no widgets, a scripted API."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from smartcart_desktop.api.errors import NetworkInterruption
from smartcart_desktop.api.payment_details import CardDetails
from smartcart_desktop.checkout.flow import CheckoutFlow
from smartcart_desktop.checkout.state import FlowState, Stage
from tests.desktop.conftest import Waits
from tests.desktop.fakes import FakeApi, session

CARD = CardDetails(number="4242424242424242", holder="A", expiry="12/39", cvv="123")


@contextlib.asynccontextmanager
async def running_flow(api: FakeApi, interval: float = 0.02) -> AsyncIterator[CheckoutFlow]:
    """Stopped inside the test's own loop run, whatever happens (see conftest's docstring)."""
    flow = CheckoutFlow(api, gateway_timeout_s=30, poll_interval_s=interval)  # type: ignore[arg-type]
    try:
        yield flow
    finally:
        await flow.stop()


async def test_checkout_opens_the_payment_form(waits: Waits) -> None:
    async with running_flow(FakeApi(session("INITIATED"))) as flow:
        await flow.checkout({"masala-chai": 2})
        assert flow.state.stage is Stage.DETAILS
        assert flow.state.order is not None and flow.state.order.order_id == 7


async def test_polling_continues_through_transient_errors(waits: Waits) -> None:
    lost = NetworkInterruption("backend unreachable")
    api = FakeApi(session("INITIATED"), lost, lost, lost, session("PROCESSING", attempts=1),
                  session("COMPLETED", attempts=1))
    async with running_flow(api) as flow:
        reachable: list[bool] = []
        flow.backend_reachable.connect(reachable.append)
        await flow.checkout({"masala-chai": 1})
        await waits.until(lambda: flow.state.receipt is not None)
        assert reachable == [True, False, True]


async def test_polling_stops_on_a_terminal_state(waits: Waits) -> None:
    api = FakeApi(session("INITIATED"), session("DECLINED", attempts=1, decline_code="card_declined"))
    async with running_flow(api) as flow:
        await flow.checkout({"masala-chai": 1})
        await waits.until(lambda: flow.state.stage is Stage.DECLINED)
        await waits.until(lambda: not flow.watching)  # the poller has ended, not just paused


async def test_each_action_refreshes_at_once(waits: Waits) -> None:
    api = FakeApi(session("INITIATED"), session("PROCESSING", attempts=1))
    async with running_flow(api, interval=60) as flow:  # the poller alone would wait a minute
        await flow.checkout({"masala-chai": 1})
        await flow.pay(CARD)
        assert flow.state.stage is Stage.PROCESSING and api.calls[-1] == "pay"


async def test_the_flow_shows_what_the_backend_says(waits: Waits) -> None:
    api = FakeApi(session("INITIATED"), session("PROCESSING", attempts=1),
                  session("INTERRUPTED", attempts=1, interruptions=1, can_resume=True,
                          last_interruption_reason="TIMEOUT", outcome_unknown=True))
    async with running_flow(api) as flow:
        stages: list[Stage] = []
        flow.state_changed.connect(lambda state: _record(stages, state))
        await flow.checkout({"masala-chai": 1})
        await flow.pay(CARD)
        await waits.until(lambda: flow.state.stage is Stage.INTERRUPTED)
        assert stages == [Stage.CART, Stage.DETAILS, Stage.PROCESSING, Stage.INTERRUPTED]
        assert flow.state.prompt is not None and flow.state.prompt.kind.name == "TIMEOUT"


def _record(stages: list[Stage], state: FlowState) -> Any:
    if not stages or stages[-1] is not state.stage:
        stages.append(state.stage)


async def test_card_details_never_show_in_a_repr() -> None:
    assert "4242424242424242" not in repr(CARD) and "123" not in repr(CARD)
