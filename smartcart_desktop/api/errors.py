"""How a call to the backend can fail, as the window needs to tell the cases apart.

Transient failures (the backend did not answer) are worth retrying; the others are the
backend's answer and say something about the session or the input.
"""

from __future__ import annotations


class ApiError(Exception):
    """The backend could not do what was asked. `message` is fit to show a customer."""

    transient = False

    def __init__(self, message: str, *, code: str = "error", http_status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status


class TimeoutInterruption(ApiError):
    """The backend did not answer in time; the request may or may not have been applied."""

    transient = True


class NetworkInterruption(ApiError):
    """The backend could not be reached, or the connection broke."""

    transient = True


class ServerError(ApiError):
    """The backend failed (5xx)."""

    transient = True


class ValidationError(ApiError):
    """400: the backend rejected the input; `message` is its own explanation."""


class AuthError(ApiError):
    """401 or 403: a missing, wrong or insufficient token."""


class NotFound(ApiError):
    """404: no such session or order."""


class Conflict(ApiError):
    """409: the move is not allowed from where the session stands now."""

    def __init__(self, message: str, *, status: str | None, code: str = "conflict") -> None:
        super().__init__(message, code=code, http_status=409)
        self.status = status


class ProtocolError(ApiError):
    """The backend answered something this window does not understand."""


class TooManyAttempts(ApiError):
    """429: too many wrong attempts (the admin PIN); `message` says how long to wait."""
