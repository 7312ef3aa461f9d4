"""The admin's refund dialog and the close-shift flow against the real embedded backend and
simulator: inline errors, one Idempotency-Key per dialog reused by its own retry, and a shift
opened, closed with a count and its Z report shown and saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from backend import app_keys
from smartcart_desktop.admin.admin_window import AdminWindow
from tests.backend.api import eventually
from tests.desktop.conftest import GOOD_CARD, Kiosk, StartKiosk
from tests.desktop.test_admin_panel import PIN, card, new_session, unlock

SMALL_SCREEN_WIDTH = 800


async def gateway_refunds(kiosk: Kiosk) -> list[dict[str, Any]]:
    url = kiosk.backend_app[app_keys.GATEWAY_URL] + "/v1/refunds"
    async with aiohttp.ClientSession() as http, http.get(url) as reply:
        refunds: list[dict[str, Any]] = (await reply.json())["refunds"]
        return refunds


async def paid_and_opened(kiosk: Kiosk) -> tuple[AdminWindow, str]:
    session_id = await new_session(kiosk, {"paneer-roll": 1})  # ₹149.00
    await kiosk.api.pay(session_id, card(GOOD_CARD))
    await eventually(lambda: kiosk.api.session(session_id), lambda s: s.status == "COMPLETED")
    panel = await unlock(kiosk)
    panel.open_session(session_id)
    await kiosk.waits.until(lambda: panel.history.history is not None and panel.history.refund_button.isVisible())
    return panel, session_id


def fill(kiosk: Kiosk, edit: Any, text: str) -> None:
    edit.clear()
    kiosk.qtbot.keyClicks(edit, text)


async def test_the_refund_dialog_refuses_bad_input_inline_and_its_retry_refunds_once(
    start_kiosk: StartKiosk,
) -> None:
    async with start_kiosk(admin_pin=PIN) as kiosk:
        panel, _ = await paid_and_opened(kiosk)
        kiosk.click(panel.history.refund_button)
        await kiosk.waits.until(lambda: panel.refund_dialog is not None and panel.refund_dialog.isVisible())
        dialog = panel.refund_dialog
        assert dialog is not None and dialog.amount.text() == "149.00"
        assert dialog.minimumSizeHint().width() <= SMALL_SCREEN_WIDTH

        fill(kiosk, dialog.amount, "150")
        kiosk.click(dialog.refund_button)
        assert dialog.error.isVisible() and "At most ₹149.00 is left" in dialog.error.text()
        fill(kiosk, dialog.amount, "40")
        kiosk.click(dialog.refund_button)
        assert "Enter a reason" in dialog.error.text()

        await kiosk.fault("reply_lost")  # the gateway refunds, the answer never arrives
        fill(kiosk, dialog.reason, "roll not dispensed")
        kiosk.click(dialog.refund_button)
        await kiosk.waits.until(lambda: "has not answered yet" in dialog.error.text(), timeout=8000)
        assert dialog.isVisible()
        await kiosk.fault("none")
        kiosk.click(dialog.refund_button)  # the same dialog: the same key
        await kiosk.waits.until(lambda: panel.refund_dialog is None, timeout=8000)

        refunds = await gateway_refunds(kiosk)
        assert [r["amountMinor"] for r in refunds] == [4000]
        await kiosk.waits.until(lambda: "refunded" in panel.history.event_kinds())
        assert panel.notice.text() == "Refunded ₹40.00."
        assert panel.history.facts["refunded"].text() == "₹40.00 (1 refund)"


async def test_a_refund_made_elsewhere_meanwhile_is_refused_inline_and_a_new_dialog_knows(
    start_kiosk: StartKiosk,
) -> None:
    async with start_kiosk(admin_pin=PIN) as kiosk:
        panel, session_id = await paid_and_opened(kiosk)
        kiosk.click(panel.history.refund_button)
        await kiosk.waits.until(lambda: panel.refund_dialog is not None)
        dialog = panel.refund_dialog
        assert dialog is not None and dialog.amount.text() == "149.00"
        await refund_elsewhere(kiosk, session_id, 10000)  # another admin, another window

        fill(kiosk, dialog.reason, "wrong item")
        kiosk.click(dialog.refund_button)
        await kiosk.waits.until(lambda: dialog.error.isVisible() and dialog.refund_button.isEnabled())
        assert dialog.error.text() == "Only ₹49.00 of this payment is left to refund."
        fill(kiosk, dialog.amount, "49")
        kiosk.click(dialog.refund_button)
        await kiosk.waits.until(lambda: panel.refund_dialog is None)
        assert sorted(r["amountMinor"] for r in await gateway_refunds(kiosk)) == [4900, 10000]

        kiosk.click(panel.history.refund_button)  # a new dialog: nothing is left
        await kiosk.waits.until(lambda: panel.refund_dialog is not None)
        assert panel.refund_dialog is not None and panel.refund_dialog.amount.text() == "0.00"
        assert panel.history.facts["refunded"].text() == "₹149.00 (2 refunds)"
        kiosk.click(panel.refund_dialog.back_button)


async def refund_elsewhere(kiosk: Kiosk, session_id: str, amount: int) -> None:
    services = kiosk.app.services
    assert services is not None
    url = f"{services.link.url}/api/payments/session/{session_id}/refund"
    headers = {"Authorization": f"Bearer {services.link.admin_token}", "Idempotency-Key": "elsewhere-1"}
    async with aiohttp.ClientSession() as http, http.post(
        url, json={"amountMinor": amount, "reason": "at the counter"}, headers=headers
    ) as reply:
        assert reply.status == 200, await reply.text()


async def test_open_then_close_a_shift_shows_the_z_report_and_saves_it(start_kiosk: StartKiosk, tmp_path: Path) -> None:
    async with start_kiosk(admin_pin=PIN) as kiosk:
        panel = await unlock(kiosk)
        view = panel.shift
        panel.tabs.setCurrentWidget(panel.shift_page)
        await kiosk.waits.until(view.open_box.isVisible)
        assert view.minimumSizeHint().width() <= SMALL_SCREEN_WIDTH - 40  # the tab's own margins
        fill(kiosk, view.float_edit, "abc")
        kiosk.click(view.open_button)
        assert view.error.isVisible()
        fill(kiosk, view.float_edit, "2000")
        kiosk.click(view.open_button)
        await kiosk.waits.until(view.close_box.isVisible)

        cash = await new_session(kiosk, {"masala-chai": 2})  # ₹80.00 into the drawer
        await kiosk.api.complete_cash(cash, 8000, PIN)
        fill(kiosk, view.counted_edit, "2070")
        fill(kiosk, view.note_edit, "one coin short")
        kiosk.click(view.close_button)
        await kiosk.waits.until(lambda: view.shift is not None and view.shift.status == "closed")
        rows = dict(view.rows())
        assert rows["  = Expected"] == "₹2,080.00"
        assert (rows["  Counted"], rows["  Difference"]) == ("₹2,070.00", "-₹10.00")
        assert any(text.startswith("Reconciliation: 0 charge(s), 0 refund(s) matched; everything matches")
                   for text, _ in view.rows())

        saved = tmp_path / "z.pdf"

        async def choose(_name: str, _fmt: str) -> Path:
            return saved

        panel.choose_report_path = choose
        kiosk.click(view.save_pdf_button)
        await kiosk.waits.until(saved.exists)
        assert saved.read_bytes().startswith(b"%PDF")
