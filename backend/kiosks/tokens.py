"""A kiosk's token, and the one thing the database keeps of it: its SHA-256.

The token is 256 random bits. A slow, salted hash (scrypt, as for the admin PIN) exists to make
guessing a low-entropy secret from a stolen hash expensive; against 2**256 possibilities one
SHA-256 per guess is already far beyond reach, so a fast unsalted hash loses nothing. It also
lets a request find its kiosk by an indexed equality on the hash, where a salted hash would
have to be tried against every kiosk.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

# Tells a kiosk token from the configured ones at a glance (logs, a pasted value).
PREFIX = "sck_"
_TOKEN_BYTES = 32


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same_hash(stored: str, token: str) -> bool:
    """Constant time: how much of a hash matched never shows in how long the answer took."""
    return hmac.compare_digest(stored.encode(), token_hash(token).encode())


def could_be_kiosk_token(token: str) -> bool:
    """Anything else cannot be in the kiosks table: no database look-up for it."""
    return token.startswith(PREFIX) and len(token) <= 2 * _TOKEN_BYTES + len(PREFIX)
