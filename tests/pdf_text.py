"""Reading back the text of a PDF the exports wrote, without a PDF library."""

from __future__ import annotations

import contextlib
import re
import zlib
from collections.abc import Iterator

# The stream dictionary's end, the `stream` keyword and its EOL: CRLF or LF, never CR alone
# (ISO 32000-1 §7.3.8.1), so the EOL can't eat a data byte.
_STREAM_START = re.compile(rb">>\s*stream(?:\r\n|\n)")
# A direct /Length (not /Length1 etc. of font files); an indirect `/Length 5 0 R` is refused.
_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\d|\s+\d+\s+R)")
# The EOL that should come between the data and `endstream` is not counted in /Length.
_STREAM_END = re.compile(rb"(?:\r\n|\n|\r)?endstream")


def _streams(data: bytes) -> Iterator[bytes]:
    """Every stream's bytes exactly: the /Length bytes after the `stream` line."""
    pos = 0
    while match := _STREAM_START.search(data, pos):
        start = match.end()
        dictionary = data[data.rfind(b" obj", 0, match.start()) : match.start() + 2]
        length = _LENGTH.search(dictionary)
        if length is None:
            raise ValueError(f"the stream at byte {start} has no direct /Length")
        end = start + int(length[1])
        tail = _STREAM_END.match(data, end)
        if tail is None:
            raise ValueError(f"the stream at byte {start} does not end at endstream after its /Length")
        yield data[start:end]
        pos = tail.end()


def pdf_text(data: bytes) -> str:
    """The text of every content stream, inflated where fpdf2 compressed it."""
    parts = []
    for stream in _streams(data):
        with contextlib.suppress(zlib.error):  # not every stream is compressed
            stream = zlib.decompress(stream)
        parts.append(stream.decode("cp1252", "replace"))
    # Literal strings escape parentheses and backslashes.
    return re.sub(r"\\([()\\])", r"\1", "\n".join(parts))
