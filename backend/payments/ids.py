"""Unguessable ids from the operating system's CSPRNG, drawn in bulk.

One os.urandom() per request measured ~90 µs on the kiosk machines: the system call lets the
database writer thread take the interpreter lock, and the loop then waits to get it back.
Drawing 4 KiB at a time makes that one call per 128 ids; every byte is still from urandom
and is handed out once.
"""

from __future__ import annotations

import os

_CHUNK = 4096


class RandomIds:
    def __init__(self) -> None:
        self._pool = b""
        self._used = 0  # bytes of the pool handed out (a slice of the rest would copy it)

    def token_hex(self, nbytes: int) -> str:
        start = self._used
        if len(self._pool) - start < nbytes:
            self._pool, start = os.urandom(max(_CHUNK, nbytes)), 0
        self._used = start + nbytes
        return self._pool[start : self._used].hex()

    def time_ordered(self, now_ms: int, nbytes: int) -> str:
        """The time in milliseconds as 12 hex digits, then `nbytes` random bytes: as unique as
        a random token of that size, yet tokens made one after another sort together."""
        return f"{now_ms:012x}{self.token_hex(nbytes)}"
