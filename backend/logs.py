"""How the headless backend logs: plain text for a person at a terminal, or one JSON object per
line (SMARTCART_LOG_FORMAT=json) for a log collector. Every record made while a request is being
served carries that request's id (backend/http/request_id.py), so one request's lines can be
found among a fleet's."""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Any

from backend.settings import LogSettings

# Set by the request-id middleware for the task serving a request; tasks it starts inherit it.
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

_TEXT = "%(asctime)s %(levelname)s %(name)s%(request_tag)s: %(message)s"
# What every LogRecord has; anything else on a record came from `extra=` and is worth keeping.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id", "request_tag"}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        rid = request_id.get()
        record.request_id = rid
        record.request_tag = f" [{rid}]" if rid else ""
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if rid := getattr(record, "request_id", None):
            line["request_id"] = rid
        line.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def configure(settings: LogSettings) -> None:
    """Logging of the whole process to stderr, at INFO."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else logging.Formatter(_TEXT))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
