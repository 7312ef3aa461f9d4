"""Reading back the text of a PDF the exports wrote, without a PDF library."""

from __future__ import annotations

import re
import zlib


def pdf_text(data: bytes) -> str:
    """The text of every content stream, inflated where fpdf2 compressed it."""
    parts = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        try:
            stream = zlib.decompress(stream)
        except zlib.error:
            pass
        parts.append(stream.decode("cp1252", "replace"))
    # Literal strings escape parentheses and backslashes.
    return re.sub(r"\\([()\\])", r"\1", "\n".join(parts))
