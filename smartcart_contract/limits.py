"""Field limits the backend enforces and the window respects before it asks.

The backend's request models are built from these numbers, so the OpenAPI document and the
window's input fields can never drift apart.
"""

from __future__ import annotations

import re

QUANTITY_MIN, QUANTITY_MAX = 1, 99
ORDER_LINES_MAX = 50
PRODUCT_ID_MAX = 64

PIN_MIN, PIN_MAX = 4, 12

# What a customer's cancel may say, and an operator's recorded reason (the history keeps both).
CANCEL_REASON_MAX = 200
OPERATOR_REASON_MIN, OPERATOR_REASON_MAX = 3, 200
INTERRUPT_DETAIL_MAX = 500
CARD_HOLDER_MAX = 100
UPI_ID_MAX = 100

# 128 random bits as 32 lower-case hex digits (DESIGN §10); in the JSON Schema regex dialect.
SESSION_ID_PATTERN = r"^[0-9a-f]{32}$"
_SESSION_ID = re.compile(SESSION_ID_PATTERN)


def is_session_id(text: str) -> bool:
    return _SESSION_ID.match(text) is not None
