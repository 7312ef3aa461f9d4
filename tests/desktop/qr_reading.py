"""Read a QR code back off a widget as a phone would see it: the widget's pixels, decoded by
zxing-cpp (a real decoder, not segno reading its own matrix)."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtWidgets import QWidget


def png_of(widget: QWidget) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert widget.grab().toImage().save(buffer, "PNG")
    return bytes(buffer.data().data())


def decoded(widget: QWidget) -> list[str]:
    """The texts of every QR code visible in `widget`."""
    image = Image.open(io.BytesIO(png_of(widget)))
    return [found.text for found in zxingcpp.read_barcodes(image) if found.format == zxingcpp.BarcodeFormat.QRCode]
