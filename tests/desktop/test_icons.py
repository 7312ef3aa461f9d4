"""Icons, not emoji fonts (issue 14, item 5): a bare Debian has no font for "✅ ❌ ⏱️ 🌐 ⚠️ ⌛"
and draws empty boxes. The messages keep their words and carry a kind; the screens show the
kind as an SVG icon from resources/icons/, drawn by QtSvg.
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from smartcart_desktop.checkout import messages
from smartcart_desktop.checkout.messages import Kind, Message
from smartcart_desktop.checkout.state import Stage
from smartcart_desktop.ui.style import ICONS_DIR, svg_pixmap
from tests.desktop.conftest import DECLINED_CARD, StartKiosk
from tests.desktop.fakes import session

# Unicode's Emoji_Presentation=Yes characters of the BMP (emoji-data.txt), drawn from an emoji
# font; any codepoint from U+1F000 on; and VS16, which asks for the emoji form of the one before.
_EMOJI_BMP = (
    0x231A, 0x231B, 0x23E9, 0x23EA, 0x23EB, 0x23EC, 0x23F0, 0x23F3, 0x25FD, 0x25FE, 0x2614, 0x2615,
    *range(0x2648, 0x2654),
    0x267F, 0x2693, 0x26A1, 0x26AA, 0x26AB, 0x26BD, 0x26BE, 0x26C4, 0x26C5, 0x26CE, 0x26D4, 0x26EA,
    0x26F2, 0x26F3, 0x26F5, 0x26FA, 0x26FD, 0x2705, 0x270A, 0x270B, 0x2728, 0x274C, 0x274E,
    0x2753, 0x2754, 0x2755, 0x2757, 0x2795, 0x2796, 0x2797, 0x27B0, 0x27BF, 0x2B1B, 0x2B1C, 0x2B50, 0x2B55,
)
EMOJI = frozenset(map(chr, _EMOJI_BMP)) | {"\ufe0f"}


def emoji_in(text: str) -> list[str]:
    return [c for c in text if c in EMOJI or ord(c) >= 0x1F000]


def visible_texts(root: QWidget) -> list[str]:
    texts = [w.text() for w in root.findChildren(QLabel) if w.isVisibleTo(root)]
    texts += [w.text() for w in root.findChildren(QAbstractButton) if w.isVisibleTo(root)]
    return [t for t in texts if t]


def assert_no_emoji(root: QWidget) -> None:
    found = {text: emoji_in(text) for text in visible_texts(root) if emoji_in(text)}
    assert not found, found


def test_the_seeds_emoji_are_caught_by_the_check() -> None:
    for seed in ("✅ Payment complete", "❌ Maximum", "⏱️ Payment timeout", "🌐 Network", "⚠️ Payment", "⌛ This"):
        assert emoji_in(seed), seed
    assert not emoji_in("● Online ✖ Offline ⚠ Fault ₹80.00 × — …")  # text symbols DejaVu Sans has


def test_every_message_has_a_kind_and_no_emoji() -> None:
    stuck = session("INTERRUPTED", attempts=1, decline_code="card_declined", offline_refusal="Too much offline.")
    headlines = [messages.SUBMITTED, messages.COMPLETED, messages.MAX_RETRIES, messages.EXPIRED,
                 messages.ACCEPTED_OFFLINE, messages.timeout(stuck), messages.network_error(stuck),
                 messages.interrupted(stuck), messages.offline_refused(stuck), messages.declined(stuck)]
    assert {m.kind for m in headlines} == set(Kind)
    texts = [str(v) for name, v in vars(messages).items() if not name.startswith("_") and isinstance(v, str | Message)]
    for text in [*texts, *map(str, headlines)]:
        assert not emoji_in(text), text


def test_each_kind_has_an_svg_icon_qtsvg_can_draw(qapp: QApplication) -> None:
    for kind in Kind:
        assert (ICONS_DIR / f"{kind.value}.svg").is_file()
        pixmap = svg_pixmap(kind.value, 48)
        assert not pixmap.isNull() and pixmap.toImage().pixelColor(24, 24).alpha() > 0, kind  # drawn, not blank


async def test_the_screens_show_icons_and_no_emoji_along_a_payment(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        window = kiosk.window
        await kiosk.fill_cart()
        assert_no_emoji(window)
        await kiosk.fault("timeout")
        kiosk.click(window.cart_screen.checkout_button)
        await kiosk.stage(Stage.DETAILS)
        assert_no_emoji(window)
        await kiosk.pay_by_card()
        prompt = await kiosk.dialog("timeoutDialog")
        assert_no_emoji(window)
        icon = prompt.findChild(QLabel, "kindIcon")
        assert icon is not None and icon.isVisible() and not icon.pixmap().isNull()
        await kiosk.fault("none")
        kiosk.answer(prompt, "retryButton")
        await kiosk.receipt()
        result = window.result_screen
        assert_no_emoji(window)
        assert result.headline_icon.kind is Kind.SUCCESS
        assert result.headline_icon.isVisible() and not result.headline_icon.pixmap().isNull()


async def test_a_decline_shows_the_failure_icon(start_kiosk: StartKiosk) -> None:
    async with start_kiosk() as kiosk:
        await kiosk.checkout()
        await kiosk.pay_by_card(DECLINED_CARD)
        await kiosk.stage(Stage.DECLINED)
        result = kiosk.window.result_screen
        assert_no_emoji(kiosk.window)
        assert result.headline_icon.kind is Kind.FAILURE and not result.headline_icon.pixmap().isNull()
