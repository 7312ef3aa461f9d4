"""Encryption at rest for payments accepted offline (Fernet: AES-CBC + HMAC, from cryptography).

The key lives in a file readable by its owner only: offline.key in the data directory, or the
file SMARTCART_OFFLINE_KEY_FILE names. Every process of a fleet (one database, one forwarder
lease) must name the same key file, since any of them may forward what another accepted.
Whoever copies the database alone gets ciphertext.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from backend.gateway.client import CardSource, PaymentSource, UpiSource
from backend.private_files import write_private


class Unreadable(Exception):
    """A sealed payment this key cannot open: sealed under another key, or damaged. The message
    never quotes the payment itself."""


def load_or_create_key(path: Path) -> bytes:
    """The key in `path`, created if there is none. Processes starting at once (a fleet sharing
    one key file) all end up with the same key: it is written to a temporary file and linked
    into place, so nobody ever reads a half-written key and only the first link wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        return _read_key(path)
    key = Fernet.generate_key()
    if not write_private(path, key, replace=False):  # another process was first: its key is the key
        return _read_key(path)
    return key


def _read_key(path: Path) -> bytes:
    key = path.read_bytes().strip()
    try:
        Fernet(key)
    except ValueError:
        raise ValueError(f"{path} does not hold a Fernet key") from None
    return key


def key_id(key: bytes) -> str:
    """A short public name of a key, to tell keys apart without revealing them."""
    return hashlib.sha256(b"smartcart offline key id\0" + key).hexdigest()[:16]


class Sealer:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        self.key_id = key_id(key)

    def seal(self, source: PaymentSource) -> bytes:
        return self._fernet.encrypt(json.dumps(source.wire()).encode())

    def open(self, sealed: bytes | None) -> PaymentSource:
        """The payment source; raises Unreadable if this key cannot give one."""
        if sealed is None:
            raise Unreadable("no sealed payment is stored")
        try:
            plain = self._fernet.decrypt(sealed)
        except InvalidToken:
            raise Unreadable("not sealed with this key, or damaged (InvalidToken)") from None
        try:
            wire = json.loads(plain)
            if wire["type"] == "card":
                return CardSource(number=wire["number"], expiry=wire["expiry"], cvv=wire["cvv"])
            return UpiSource(upi_id=wire["upiId"])
        except (ValueError, KeyError, TypeError) as exc:  # only the kind of error: no card data
            raise Unreadable(f"opened, but not a payment source ({type(exc).__name__})") from None
