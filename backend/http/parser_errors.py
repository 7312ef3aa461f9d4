"""What a request that is not valid HTTP is told: a code and a fixed sentence per kind of fault.

Fixed texts, because aiohttp's own messages quote the offending bytes back (a header that may
hold a token, a line of garbage) and would make every reply as large as the input.
"""

from __future__ import annotations

import zlib

from aiohttp import http_exceptions


def malformed_http(exc: BaseException | None) -> tuple[str, str]:
    if isinstance(exc, http_exceptions.LineTooLong):
        return "header_too_large", "A request line or header is too long."
    if isinstance(exc, http_exceptions.BadHttpMethod):
        return "bad_method", "The request method is not valid."
    if isinstance(exc, http_exceptions.BadStatusLine):
        return "bad_request_line", "The request line is not valid HTTP."
    if isinstance(exc, http_exceptions.InvalidURLError):
        return "bad_url", "The request target is not a valid URL."
    if isinstance(exc, http_exceptions.InvalidHeader):
        return "bad_header", "A request header is not valid."
    if isinstance(exc, zlib.error | http_exceptions.ContentEncodingError):
        return "bad_body_encoding", "The request body does not decode as its Content-Encoding says."
    if isinstance(exc, http_exceptions.PayloadEncodingError):
        return "bad_body_framing", "The request body does not match its Content-Length or Transfer-Encoding."
    return "bad_request", "The request is not valid HTTP."
