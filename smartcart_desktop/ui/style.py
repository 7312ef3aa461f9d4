"""The look: one stylesheet and the SVG icons, both from resources/."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QLabel, QWidget

W = TypeVar("W", bound=QWidget)

RESOURCES_DIR = Path(__file__).resolve().parents[2] / "resources"
ICONS_DIR = RESOURCES_DIR / "icons"


def apply_stylesheet(app: QApplication) -> None:
    app.setStyleSheet((RESOURCES_DIR / "style.qss").read_text(encoding="utf-8"))
    app.setWindowIcon(icon("app"))


def icon(name: str) -> QIcon:
    return QIcon(str(ICONS_DIR / f"{name}.svg"))


def svg_pixmap(name: str, size: int, ratio: float = 1.0) -> QPixmap:
    """resources/icons/<name>.svg drawn by QtSvg itself. Not through QIcon: without the SVG
    icon-engine plugin QIcon gives a blank pixmap silently; this gives a null one."""
    renderer = QSvgRenderer(str(ICONS_DIR / f"{name}.svg"))
    if not renderer.isValid():
        return QPixmap()
    pixmap = QPixmap(round(size * ratio), round(size * ratio))
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    renderer.render(painter)
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


@cache
def _resource_path(relative: str) -> Path | None:
    path = (RESOURCES_DIR / relative).resolve()
    return path if path.is_file() and RESOURCES_DIR in path.parents else None


def product_pixmap(image: str | None, size: int = 72) -> QPixmap:
    """The catalog names its images relative to resources/ (e.g. icons/cup.svg)."""
    path = _resource_path(image) if image else None
    source = QIcon(str(path)) if path else icon("cart")
    return source.pixmap(QSize(size, size))


def set_role(widget: W, role: str) -> W:
    """Stylesheet hook: QSS selects on the `role` property."""
    widget.setProperty("role", role)
    return widget


def centred_label(role: str, name: str | None = None, *, text: str = "", wrap: bool = False) -> QLabel:
    """A label of the centred column the payment screens are made of: styled by its role,
    found by tests (and QSS) by its object name."""
    label = set_role(QLabel(text), role)
    if name is not None:
        label.setObjectName(name)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(wrap)
    return label


def set_kind(widget: W, kind: str | None) -> W:
    """Stylesheet hook for a message's kind (success, failure, warning, waiting, network):
    a decline must not look like a success."""
    widget.setProperty("kind", kind or "")
    restyle(widget)
    return widget


def restyle(widget: QWidget) -> None:
    """Re-apply the stylesheet after a property the QSS selects on has changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
