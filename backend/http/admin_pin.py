"""The admin PIN, checked by the backend: the window trades it for the admin token.

A 4-digit PIN falls to 10,000 guesses, so wrong guesses lock the check for a while.
"""

from __future__ import annotations

import secrets

from pydantic import SecretStr

from backend.clock import Clock
from backend.errors import DomainError, Forbidden


class TooManyGuesses(DomainError):
    http_status = 429
    code = "too_many_attempts"


class AdminPin:
    def __init__(
        self, pin: SecretStr, *, clock: Clock, max_failures: int = 5, lockout_s: float = 60.0
    ) -> None:
        self._pin = pin
        self._clock = clock
        self._max_failures = max_failures
        self._lockout_ms = int(lockout_s * 1000)
        self._failures = 0
        self._locked_until_ms = 0

    def check(self, guess: str) -> None:
        now = self._clock()
        if now < self._locked_until_ms:
            seconds = (self._locked_until_ms - now + 999) // 1000
            raise TooManyGuesses(f"Too many wrong PINs. Try again in {seconds} s.")
        if secrets.compare_digest(guess.encode(), self._pin.get_secret_value().encode()):
            self._failures = 0
            return
        self._failures += 1
        if self._failures >= self._max_failures:
            self._failures = 0
            self._locked_until_ms = now + self._lockout_ms
        raise Forbidden("Wrong PIN.", code="wrong_pin")
