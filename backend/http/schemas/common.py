"""Base models of the HTTP API: camelCase on the wire, unknown request fields refused, one error body."""

from __future__ import annotations

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)
from pydantic.alias_generators import to_camel


class RequestModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", str_strip_whitespace=True
    )


class ResponseModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class ErrorBody(ResponseModel):
    code: str
    message: str
    status: str | None = Field(None, description="the session's (or order's) current status, on 409")
