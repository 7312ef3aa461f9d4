"""Encryption at rest for payments accepted offline (Fernet: AES-CBC + HMAC, from cryptography).

The key lives in the data directory, readable by its owner only. Whoever copies the database
file alone gets ciphertext.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.fernet import Fernet

from backend.gateway.client import CardSource, PaymentSource, UpiSource


def load_or_create_key(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once cannot both write a key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    with os.fdopen(fd, "wb") as file:
        file.write(key)
        file.flush()
        os.fsync(file.fileno())
    return key


class Sealer:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def seal(self, source: PaymentSource) -> bytes:
        return self._fernet.encrypt(json.dumps(source.wire()).encode())

    def open(self, sealed: bytes) -> PaymentSource:
        wire = json.loads(self._fernet.decrypt(sealed))
        if wire["type"] == "card":
            return CardSource(number=wire["number"], expiry=wire["expiry"], cvv=wire["cvv"])
        return UpiSource(upi_id=wire["upiId"])
