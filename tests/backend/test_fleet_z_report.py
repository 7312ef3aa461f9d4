"""The fleet server's Z report covers the fleet: a kiosk's payments and refunds, replicated to
the server, count in the server's open shift (issue 17).

A real server app (SQLite and PostgreSQL) and a real kiosk app on its own SQLite file syncing to
it; both take money through the one gateway simulator, as a fleet shares one payment account, so
the server's close reconciles the kiosk's charges and refunds against that gateway's ledger.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from backend import app_keys
from tests.backend.api import ADMIN_TOKEN, Api, eventually
from tests.backend.conftest import AppFactory
from tests.backend.test_shifts import CHAI, COFFEE
from tests.backend.test_sync import _kiosk, _register, _server_url, _synced

FLOAT = 20000


async def _refund(admin: Api, session_id: str, amount: int) -> None:
    await admin.ok("POST", f"/api/payments/session/{session_id}/refund",
                   {"amountMinor": amount, "reason": "not dispensed"}, headers={"Idempotency-Key": uuid.uuid4().hex})


def _lines(report: dict[str, Any]) -> dict[str, tuple[int, int, int, int]]:
    return {m["method"]: (m["payments"], m["takenMinor"], m["refunds"], m["refundedMinor"]) for m in report["methods"]}


async def test_the_servers_shift_counts_a_kiosks_payments_and_refunds(
    start_app: AppFactory, aiohttp_client: Any, tmp_path: Path
) -> None:
    _, server_app, server_client = await start_app()
    admin = Api(server_client.session, _server_url(server_client), token=ADMIN_TOKEN)
    await admin.ok("POST", "/api/shifts/open", {"openingFloatMinor": FLOAT})
    token = await _register(server_app, "till-a")
    kiosk, _ = await _kiosk(aiohttp_client, tmp_path, "till-a", _server_url(server_client), token,
                            gateway_url=server_app[app_keys.GATEWAY_URL])
    kiosk_admin = Api(kiosk.http, kiosk.base, token=ADMIN_TOKEN)

    card = await kiosk.session(await kiosk.order(("filter-coffee", 2)))
    assert (await kiosk.pay(card)).status < 300
    await kiosk.wait_for(card, "COMPLETED")
    cash = await kiosk.session(await kiosk.order(("masala-chai", 2)))
    assert (await kiosk.cash(cash)).status < 300
    await _refund(kiosk_admin, card, 3000)
    await _refund(kiosk_admin, cash, CHAI)  # out of the kiosk's drawer
    await _synced(kiosk)

    expected = {"card": (1, 2 * COFFEE, 1, 3000), "cash": (1, 2 * CHAI, 1, CHAI)}
    current = await eventually(lambda: admin.ok("GET", "/api/shifts/current"),
                               lambda c: _lines(c["report"]) == expected, what="the kiosk's money in the server's shift")
    z = current["report"]
    assert (z["cashTakenMinor"], z["cashRefundedMinor"]) == (2 * CHAI, CHAI)
    assert z["expectedCashMinor"] == FLOAT + 2 * CHAI - CHAI

    closed = await admin.ok("POST", "/api/shifts/current/close", {"countedCashMinor": FLOAT + CHAI})
    final = closed["report"]
    assert _lines(final) == expected and final["differenceMinor"] == 0
    rec = final["reconciliation"]
    assert (rec["checked"], rec["matchedCharges"], rec["matchedRefunds"], rec["mismatches"]) == (True, 1, 1, [])
