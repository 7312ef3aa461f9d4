"""Hindi and English (issue 14, item 8): the cart's toggle switches every customer-facing screen
to Hindi at once, no English is left on them (beyond what an allow list names: catalog names,
ids, acronyms; the receipt's title, date and "paid with" are Hindi too), the next customer starts in English again, and
the committed translation is complete and compiled from the .ts as it is.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QWidget

from smartcart_desktop.api.models import ReceiptDocument
from smartcart_desktop.checkout.state import FlowState, Prompt, PromptKind, Stage
from smartcart_desktop.translation import translate
from smartcart_desktop.ui.dialogs import PromptDialog
from smartcart_desktop.ui.language import ENGLISH, HINDI, HINDI_QM
from smartcart_desktop.ui.main_window import MainWindow
from tests.desktop.conftest import OPERATOR_PIN, Kiosk, StartKiosk
from tests.desktop.fakes import session
from tests.desktop.test_window_fit import OPTIONS, fits, receipt_state, shown

ROOT = Path(__file__).resolve().parents[2]
# Words that are the same in a Hindi kiosk: acronyms, the brand, and the toggle's own "English".
ALLOWED_WORDS = {"UPI", "QR", "GSTIN", "GST", "CGST", "SGST", "CVV", "MM", "YY", "SmartCart", "English"}
_LATIN = re.compile(r"[A-Za-z]+")


def translations_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("translations", ROOT / "scripts" / "translations.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def visible_texts(root: QWidget) -> list[tuple[str, str]]:
    """(object name, text) of every label, button and placeholder a customer sees under `root`."""
    found: list[tuple[str, str]] = []
    for label in root.findChildren(QLabel):
        if label.isVisible() and label.text():
            found.append((label.objectName(), label.text()))
    for button in root.findChildren(QPushButton):
        if button.isVisible() and button.text():
            found.append((button.objectName(), button.text()))
    for edit in root.findChildren(QLineEdit):
        if edit.isVisible() and edit.placeholderText():
            found.append((edit.objectName(), edit.placeholderText()))
    return found


def english_left(texts: Iterable[tuple[str, str]], allowed: Iterable[str]) -> list[tuple[str, str]]:
    """The texts with a Latin word in them once the allowed phrases (longest first) are taken out."""
    phrases = sorted({a for a in allowed if a}, key=len, reverse=True)
    left = []
    for name, text in texts:
        rest = text
        for phrase in phrases:
            rest = rest.replace(phrase, " ")
        if any(word not in ALLOWED_WORDS for word in _LATIN.findall(rest)):
            left.append((name, text))
    return left


def backend_phrases(kiosk: Kiosk) -> set[str]:
    """What the backend names and the window shows as it is: products, ids, the receipt's texts."""
    services = kiosk.app.services
    assert services is not None
    phrases = {p.name for p in services.cart.products}
    state = kiosk.flow.state
    if state.session is not None:
        phrases.add(state.session.session_id)
        if state.session.terminal is not None:
            phrases.add(state.session.terminal.terminal_id)
    if state.receipt is not None and state.receipt.document is not None:
        phrases |= document_phrases(state.receipt.document)
    return phrases


def document_phrases(document: ReceiptDocument) -> set[str]:
    """The shop's own words, product names and ids: the title, date and "paid with" are not here,
    the window makes them in the customer's language."""
    return {document.shop_name, *document.shop_address, document.invoice_number or "",
            document.gateway_reference or "", document.gstin or "", document.upi_id or "",
            *(line.name for line in document.lines)}


def assert_all_hindi(window: MainWindow, allowed: Iterable[str]) -> None:
    screen = window.stack.currentWidget()
    texts = [*visible_texts(screen), *visible_texts(window.status)]
    assert texts, screen.objectName()
    left = english_left(texts, allowed)
    assert not left, (type(screen).__name__, left)


async def to_hindi(kiosk: Kiosk) -> None:
    cart = kiosk.window.cart_screen
    assert cart.language_button.text() == "हिन्दी"
    kiosk.click(cart.language_button)
    await kiosk.waits.until(lambda: cart.checkout_button.text() == "भुगतान करें")


# ---- the translation itself ---------------------------------------------------------------------


def test_every_customer_text_has_a_hindi_translation_and_the_qm_is_compiled_from_it(tmp_path: Path) -> None:
    script = translations_script()
    ts = tmp_path / "smartcart_hi.ts"
    shutil.copy(script.TS, ts)
    script.collect(ts)  # the sources' texts as they are now, merged into a copy of the committed .ts
    assert script.unfinished(ts) == []  # a text added to the code without a Hindi translation fails here
    assert ts.read_bytes() == Path(script.TS).read_bytes(), "run scripts/translations.py: the .ts is stale"
    qm = tmp_path / "smartcart_hi.qm"
    script.compile_qm(ts, qm)
    assert qm.read_bytes() == HINDI_QM.read_bytes(), "run scripts/translations.py: the .qm is stale"


# ---- switching ----------------------------------------------------------------------------------


async def test_a_customer_pays_in_hindi_with_no_english_left_and_the_next_one_starts_in_english(
    start_kiosk: StartKiosk,
) -> None:
    async with start_kiosk(OPTIONS, tester=False) as kiosk:
        window = kiosk.window
        await kiosk.fill_cart(("masala-chai", 2))
        cart = window.cart_screen
        await to_hindi(kiosk)
        # At once, on the screen the customer is looking at, the order included.
        assert cart.language_button.text() == "English" and window.language.current == HINDI
        assert cart.total.text().startswith("कुल ₹")
        assert_all_hindi(window, backend_phrases(kiosk))

        # The UPI QR, then cancelled: the cart's notice is in Hindi too.
        kiosk.click(cart.checkout_button)
        await kiosk.stage(Stage.DETAILS)
        form = window.payment_screen
        for method in ("upi_qr", "card_present", "cash"):
            kiosk.choose(method)
            assert_all_hindi(window, backend_phrases(kiosk))
        kiosk.choose("upi_qr")
        kiosk.click(form.pay_button)
        await kiosk.stage(Stage.SCAN_QR)
        qr = window.upi_qr_screen
        await kiosk.waits.until(lambda: bool(qr.countdown_label.text()))
        assert_all_hindi(window, {*backend_phrases(kiosk), qr.payee.text().removeprefix("प्राप्तकर्ता: ")})
        kiosk.click(qr.cancel_button)
        await kiosk.stage(Stage.CART)
        await kiosk.waits.until(cart.notice.isVisible)
        assert cart.notice.text().startswith("भुगतान रद्द हुआ")
        assert_all_hindi(window, backend_phrases(kiosk))

        # The card terminal, then cancelled.
        kiosk.click(cart.checkout_button)
        await kiosk.stage(Stage.DETAILS)
        kiosk.choose("card_present")
        kiosk.click(form.pay_button)
        await kiosk.stage(Stage.ON_TERMINAL)
        terminal = window.terminal_screen
        await kiosk.waits.until(lambda: bool(terminal.countdown_label.text()))
        assert_all_hindi(window, backend_phrases(kiosk))
        kiosk.click(terminal.cancel_button)
        await kiosk.stage(Stage.CART)

        # Cash with the operator, to the receipt.
        kiosk.click(cart.checkout_button)
        await kiosk.stage(Stage.DETAILS)
        kiosk.enter_cash("500", OPERATOR_PIN)
        assert form.cash.change_label.text().startswith("लौटाने हैं: ₹")
        assert_all_hindi(window, backend_phrases(kiosk))
        kiosk.click(form.pay_button)
        await kiosk.receipt()
        await kiosk.waits.until(lambda: bool(window.result_screen.countdown.text()))
        assert window.result_screen.headline.text() == "भुगतान पूरा हुआ"
        assert_all_hindi(window, backend_phrases(kiosk))

        # The next customer: the cart in English again.
        kiosk.click(window.result_screen.new_order_button)
        await kiosk.stage(Stage.CART)
        await kiosk.waits.until(lambda: cart.checkout_button.text() == "Checkout")
        assert window.language.current == ENGLISH and cart.language_button.text() == "हिन्दी"
        assert cart.title.text() == "Choose your items"


async def test_the_processing_prompts_and_every_result_follow_a_switch_and_fit_800_by_600(
    start_kiosk: StartKiosk,
) -> None:
    """Screens filled in English are re-rendered when the language changes; each one in Hindi
    is free of English and still fits an 800×600 screen."""
    async with start_kiosk(OPTIONS, tester=False) as kiosk:
        window = kiosk.window
        processing, result = window.processing_screen, window.result_screen
        stuck = session("INTERRUPTED", attempts=1, can_resume=True, last_interruption_reason="NETWORK_ERROR",
                        outcome_unknown=True)
        processing.show_state(FlowState(stage=Stage.INTERRUPTED, session=stuck))
        dialog = PromptDialog(processing, Prompt(kind=PromptKind.NETWORK, session=stuck, serial=(1, 0)))
        processing.host_prompt(dialog)
        assert dialog.message.text().startswith("Network error")
        window.language.switch(HINDI)
        await kiosk.waits.until(lambda: dialog.message.text().startswith("नेटवर्क"))
        window.stack.setCurrentWidget(processing)
        assert_all_hindi(window, {stuck.session_id})
        assert fits(shown(window, processing))
        dialog.dismiss()
        for stage in (Stage.PROCESSING, Stage.CANCELLING, Stage.SETTLING):
            processing.show_state(FlowState(stage=stage, session=session("PROCESSING", attempts=1), attempt_started=0.0))
            assert fits(shown(window, processing)), stage
            assert_all_hindi(window, {stuck.session_id})
        for stage, status in ((Stage.COMPLETED, "COMPLETED"), (Stage.OFFLINE_ACCEPTED, "OFFLINE_ACCEPTED"),
                              (Stage.DECLINED, "DECLINED"), (Stage.FAILED, "FAILED_MAX_RETRIES"),
                              (Stage.EXPIRED, "EXPIRED")):
            state = receipt_state(stage, status)
            result.show_state(state)
            assert fits(shown(window, result)), stage
            assert state.receipt is not None and state.receipt.document is not None
            assert_all_hindi(window, document_phrases(state.receipt.document))
        # And back: the receipt on screen is drawn again in English.
        window.language.switch(ENGLISH)
        await kiosk.waits.until(lambda: result.back_button.text() == "Back to cart")
        assert "Total" in [label.text() for label in result.receipt.findChildren(QLabel)]


async def test_a_kiosk_stopped_in_hindi_leaves_no_translator_behind(start_kiosk: StartKiosk) -> None:
    """The translator is the application's: the next window (or test) starts in English."""
    async with start_kiosk(OPTIONS, tester=False) as kiosk:
        await to_hindi(kiosk)
        assert translate("CartScreen", "Checkout") == "भुगतान करें"
    assert translate("CartScreen", "Checkout") == "Checkout"
