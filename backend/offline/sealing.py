"""Encryption at rest for payments accepted offline (Fernet: AES-CBC + HMAC, from cryptography).

The key lives in a file readable by its owner only: offline.key in the data directory, or the
file SMARTCART_OFFLINE_KEY_FILE names. Every process of a fleet (one database, one forwarder
lease) must name the same key file, since any of them may forward what another accepted.
Whoever copies the database alone gets ciphertext.

cryptography (6 MB resident) is loaded at the first seal or open, not at start-up: most kiosks
never go offline, and a key file is made and checked with the standard library alone.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from backend.gateway.client import CardSource, PaymentSource, UpiSource
from backend.private_files import write_private

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

_KEY_BYTES = 32  # a Fernet key: 16 bytes of signing key and 16 of encryption key, urlsafe base64


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
    key = new_key()
    if not write_private(path, key, replace=False):  # another process was first: its key is the key
        return _read_key(path)
    return key


def new_key() -> bytes:
    """A fresh Fernet key, as `Fernet.generate_key()` makes it."""
    return base64.urlsafe_b64encode(os.urandom(_KEY_BYTES))


def _read_key(path: Path) -> bytes:
    key = path.read_bytes().strip()
    # The check Fernet(key) makes, without loading cryptography.
    try:
        whole = len(base64.urlsafe_b64decode(key)) == _KEY_BYTES
    except (binascii.Error, ValueError):
        whole = False
    if not whole:
        raise ValueError(f"{path} does not hold a Fernet key")
    return key


def key_id(key: bytes) -> str:
    """A short public name of a key, to tell keys apart without revealing them."""
    return hashlib.sha256(b"smartcart offline key id\0" + key).hexdigest()[:16]


class Sealer:
    def __init__(self, key: bytes) -> None:
        self._key = key
        self._loaded: Fernet | None = None
        self.key_id = key_id(key)

    def _fernet(self) -> Fernet:
        if self._loaded is None:
            from cryptography.fernet import Fernet

            self._loaded = Fernet(self._key)
        return self._loaded

    def seal(self, source: PaymentSource) -> bytes:
        return self._fernet().encrypt(json.dumps(source.wire()).encode())

    def open(self, sealed: bytes | None) -> PaymentSource:
        """The payment source; raises Unreadable if this key cannot give one."""
        if sealed is None:
            raise Unreadable("no sealed payment is stored")
        from cryptography.fernet import InvalidToken

        try:
            plain = self._fernet().decrypt(sealed)
        except InvalidToken:
            raise Unreadable("not sealed with this key, or damaged (InvalidToken)") from None
        try:
            wire = json.loads(plain)
            if wire["type"] == "card":
                return CardSource(number=wire["number"], expiry=wire["expiry"], cvv=wire["cvv"])
            return UpiSource(upi_id=wire["upiId"])
        except (ValueError, KeyError, TypeError) as exc:  # only the kind of error: no card data
            raise Unreadable(f"opened, but not a payment source ({type(exc).__name__})") from None
