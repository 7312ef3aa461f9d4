"""Domain errors. The error middleware turns each into `{"code", "message"}` JSON with its status."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    http_status = 400
    code = "invalid_request"

    def __init__(self, message: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


class InvalidInput(DomainError):
    http_status = 400
    code = "invalid_input"


class Unauthorized(DomainError):
    http_status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    http_status = 403
    code = "forbidden"


class NotFound(DomainError):
    http_status = 404
    code = "not_found"


class Conflict(DomainError):
    """A move the state machine forbids; the body carries the session's current status."""

    http_status = 409
    code = "conflict"


class PayloadTooLarge(DomainError):
    http_status = 413
    code = "payload_too_large"


class BodyTimeout(DomainError):
    http_status = 408
    code = "body_timeout"
    # The rest of the body may still come: the connection cannot carry another request.
    closes_connection = True


class UnreadableBody(InvalidInput):
    """The body does not decode (bad gzip, broken chunks); the connection cannot be reused."""

    code = "bad_body_encoding"
    closes_connection = True


class StorageFull(DomainError):
    """The database cannot grow: the disk (or the database's size limit) is full. Reads still work;
    writes work again by themselves once space is freed."""

    http_status = 507
    code = "storage_full"
