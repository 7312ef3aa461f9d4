"""Request bodies the simulator accepts, validated strictly, and the body fingerprint.

Strict mode and `extra="forbid"` make a typo or a float amount a 400 instead of a charge the
caller did not mean. Validation messages name fields, never values: a value may be a card
number.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails

from .errors import ApiError

IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Amounts beyond 2**53 - 1 stop being exact in JavaScript clients reading the JSON.
MAX_AMOUNT_MINOR = 2**53 - 1
_MAX_REPORTED_ERRORS = 5


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, alias_generator=to_camel, validate_by_name=False
    )


class CardSource(_Strict):
    type: Literal["card"]
    number: Annotated[str, Field(pattern=r"^[0-9]{12,19}$")]
    expiry: Annotated[str, Field(pattern=r"^(0[1-9]|1[0-2])/[0-9]{2}$")]
    cvv: Annotated[str, Field(pattern=r"^[0-9]{3,4}$")]


class UpiSource(_Strict):
    type: Literal["upi"]
    upi_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+$", max_length=100)]


Source = Annotated[CardSource | UpiSource, Field(discriminator="type")]


class ChargeRequest(_Strict):
    amount_minor: Annotated[int, Field(gt=0, le=MAX_AMOUNT_MINOR)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    source: Source


class SimConfigUpdate(_Strict):
    delay_ms: Annotated[int, Field(ge=0)]
    slow_delay_ms: Annotated[int | None, Field(ge=0)] = None


M = TypeVar("M", bound=BaseModel)


def parse_body(model: type[M], raw: bytes) -> M:
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False, include_context=False)
        if any(error["type"] == "json_invalid" for error in errors):
            raise ApiError(400, "invalid_json", "request body is not valid JSON") from None
        raise ApiError(400, "invalid_request", _describe(errors)) from None


def _describe(errors: list[ErrorDetails]) -> str:
    parts = [
        f"{'.'.join(str(part) for part in error['loc']) or 'body'}: {error['msg']}"
        for error in errors[:_MAX_REPORTED_ERRORS]
    ]
    return "; ".join(parts)


def idempotency_key(header: str | None) -> str:
    if header is None or not IDEMPOTENCY_KEY.fullmatch(header):
        raise ApiError(
            400,
            "invalid_idempotency_key",
            "Idempotency-Key header is required: 1 to 64 characters from A-Z a-z 0-9 _ -",
        )
    return header


def request_hash(request: ChargeRequest) -> str:
    """SHA-256 of the canonical JSON body: replays are compared by it, so no body is stored."""
    canonical = json.dumps(
        request.model_dump(mode="json", by_alias=True),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
