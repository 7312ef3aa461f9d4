"""Cart: the catalog as large tiles, quantities, the total and Checkout; and the language
toggle (English / हिन्दी), which the window carries out."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from smartcart_contract.money import format_money
from smartcart_desktop.api.models import Product
from smartcart_desktop.checkout.cart import Cart
from smartcart_desktop.checkout.messages import tr
from smartcart_desktop.checkout.state import FlowState
from smartcart_desktop.ui.language import ENGLISH, HINDI, NAMES
from smartcart_desktop.ui.scrolling import scrolling
from smartcart_desktop.ui.style import icon, product_pixmap, set_role

_MAX_COLUMNS = 3


class ProductTile(QFrame):
    def __init__(self, product: Product, cart: Cart) -> None:
        super().__init__()
        self.setObjectName(f"tile-{product.id}")
        set_role(self, "card")
        self._product = product
        self._cart = cart
        picture = QLabel()
        picture.setPixmap(product_pixmap(product.image, 72))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        name = QLabel(product.name)
        name.setWordWrap(True)
        name.setAlignment(Qt.AlignmentFlag.AlignCenter)
        price = set_role(QLabel(format_money(product.price_minor, product.currency)), "price")
        price.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.minus = set_role(QPushButton(), "stepper")
        self.minus.setIcon(icon("minus"))
        self.minus.setObjectName("minus")
        self.plus = set_role(QPushButton(), "stepper")
        self.plus.setIcon(icon("plus"))
        self.plus.setObjectName("plus")
        self.count = QLabel("0")
        self.count.setObjectName("count")
        self.count.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.count.setMinimumWidth(48)
        self.minus.clicked.connect(lambda: cart.add(product.id, -1))
        self.plus.clicked.connect(lambda: cart.add(product.id, 1))
        stepper = QHBoxLayout()
        stepper.addWidget(self.minus)
        stepper.addWidget(self.count, 1)
        stepper.addWidget(self.plus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 14, 14, 14)
        layout.addWidget(picture)
        layout.addWidget(name)
        layout.addWidget(price)
        layout.addLayout(stepper)
        self.retranslate()
        self.refresh()

    def retranslate(self) -> None:
        name = self._product.name  # the catalog's, as it is
        self.minus.setAccessibleName(self.tr("One less {product}").format(product=name))
        self.plus.setAccessibleName(self.tr("One more {product}").format(product=name))

    def refresh(self) -> None:
        quantity = self._cart.quantity(self._product.id)
        self.count.setText(str(quantity))
        self.minus.setEnabled(quantity > 0)


class CartScreen(QWidget):
    checkout_requested = Signal()
    language_requested = Signal(str)  # the code of the language the customer tapped

    def __init__(self, cart: Cart) -> None:
        super().__init__()
        self.setObjectName("screen")
        self._cart = cart
        self._tiles: list[ProductTile] = []
        self._columns = _MAX_COLUMNS
        self._busy = False
        self._state = FlowState()
        self.notice = set_role(QLabel(), "notice")
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.error = set_role(QLabel(), "error")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.hide()
        self._grid = QGridLayout()
        self._grid.setSpacing(16)
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.total = set_role(QLabel(), "total")
        self.total.setObjectName("total")
        self._offered_language = HINDI
        self.language_button = set_role(QPushButton(NAMES[HINDI]), "language")
        self.language_button.setObjectName("languageButton")
        self.language_button.clicked.connect(lambda: self.language_requested.emit(self._offered_language))
        self.title = set_role(QLabel(), "title")
        self.order_title = set_role(QLabel(), "subtitle")
        self.clear_button = QPushButton()
        self.clear_button.setObjectName("clearButton")
        self.checkout_button = set_role(QPushButton(), "primary")
        self.checkout_button.setObjectName("checkoutButton")
        self.clear_button.clicked.connect(cart.clear)
        self.checkout_button.clicked.connect(self.checkout_requested)
        self._build()
        self.retranslate()
        cart.catalog_loaded.connect(self._fill_catalog)
        cart.changed.connect(self._refresh)
        self._fill_catalog()

    def _build(self) -> None:
        tiles = QWidget()
        tiles.setLayout(self._grid)
        scroll = QScrollArea()
        self._scroll = scroll
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(tiles)
        left = QVBoxLayout()
        left.addWidget(self.title)
        left.addWidget(self.notice)
        left.addWidget(scroll, 1)
        panel = set_role(QFrame(), "card")
        # Narrower on an 800 px screen, where the tiles still need one column beside it.
        panel.setMinimumWidth(300)
        panel.setMaximumWidth(390)
        side = QVBoxLayout(panel)
        side.setContentsMargins(20, 20, 20, 20)
        heading = QHBoxLayout()  # the toggle here: beside the title, the catalog loses its column on 800 px
        heading.addWidget(self.order_title, 1)
        heading.addWidget(self.language_button)
        side.addLayout(heading)
        side.addWidget(scrolling(self.summary), 1)  # a long order scrolls, the buttons stay
        side.addWidget(self.total)
        side.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.checkout_button, 1)
        side.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(20)
        layout.addLayout(left, 1)
        layout.addWidget(panel)

    def retranslate(self) -> None:
        """The texts that do not depend on the cart (show_state renders the rest)."""
        self.title.setText(self.tr("Choose your items"))
        self.order_title.setText(self.tr("Your order"))
        self.clear_button.setText(self.tr("Clear"))
        self.checkout_button.setText(self.tr("Checkout"))
        for tile in self._tiles:
            tile.retranslate()
        self._refresh()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() is QEvent.Type.LanguageChange:  # the customer switched language
            self.retranslate()
            self.show_state(self._state)
        super().changeEvent(event)

    def show_language(self, code: str) -> None:
        """The toggle offers the other language, named in itself."""
        self._offered_language = ENGLISH if code == HINDI else HINDI
        self.language_button.setText(NAMES[self._offered_language])

    def _fill_catalog(self) -> None:
        for tile in self._tiles:
            tile.deleteLater()
        self._tiles = [ProductTile(p, self._cart) for p in self._cart.products]
        self._place_tiles()
        self._refresh()

    def _place_tiles(self) -> None:
        self._columns = self._fitting_columns()
        for tile in self._tiles:
            self._grid.removeWidget(tile)
        for index, tile in enumerate(self._tiles):
            self._grid.addWidget(tile, index // self._columns, index % self._columns)

    def _fitting_columns(self) -> int:
        """As many columns as fit beside the order panel (fewer with the tester panel open)."""
        if not self._tiles:
            return _MAX_COLUMNS
        tile = max(t.minimumSizeHint().width() for t in self._tiles)
        spacing = self._grid.horizontalSpacing()
        margins = self._grid.contentsMargins()
        scroll = self._scroll
        # Room for the vertical scroll bar is kept whether it shows or not: the catalog scrolls.
        room = (
            scroll.width() - 2 * scroll.frameWidth() - scroll.verticalScrollBar().sizeHint().width()
            - margins.left() - margins.right()
        )
        return max(1, min(_MAX_COLUMNS, (room + spacing) // (tile + spacing)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fitting_columns() != self._columns:
            self._place_tiles()

    def tile(self, product_id: str) -> ProductTile:
        return next(t for t in self._tiles if t.objectName() == f"tile-{product_id}")

    def _refresh(self) -> None:
        for tile in self._tiles:
            tile.refresh()
        by_id = {p.id: p for p in self._cart.products}
        lines = [
            f"{qty} × {by_id[pid].name}  —  {format_money(by_id[pid].price_minor * qty, by_id[pid].currency)}"
            for pid, qty in self._cart.lines().items()
        ]
        self.summary.setText("\n".join(lines) if lines else self.tr("Your cart is empty."))
        total = format_money(self._cart.total_minor(), self._cart.currency)
        self.total.setText(self.tr("Total {amount}").format(amount=total))
        self.checkout_button.setEnabled(bool(lines) and not self._busy)
        self.clear_button.setEnabled(bool(lines) and not self._busy)

    def show_state(self, state: FlowState) -> None:
        self._state = state
        self._busy = state.busy
        # Ours are translated; the backend's own messages show as it wrote them.
        self.notice.setText(tr(state.notice or ""))
        self.notice.setVisible(bool(state.notice))
        self.error.setText(tr(state.error or ""))
        self.error.setVisible(bool(state.error))
        self._refresh()
