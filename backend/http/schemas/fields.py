"""Field types shared by request models."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator


def _integral(value: object) -> object:
    # JSON Schema counts 12.0 as an integer; strict pydantic would not. Strings stay refused.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


JsonInt = Annotated[int, BeforeValidator(_integral)]
