"""The admin PIN, checked by the backend: the window trades it for the admin token.

A 4-digit PIN falls to 10,000 guesses, so wrong guesses lock the check for a while. The count
and the lockout live in the database (one admin_pin_state row), not in the process: several
backend processes on one database share them, so guesses spread over the fleet still lock it.
"""

from __future__ import annotations

import secrets

from pydantic import SecretStr
from sqlalchemy import ColumnElement, Connection, case, select, update
from sqlalchemy.dialects import postgresql, sqlite

from backend.clock import Clock
from backend.db.database import Database
from backend.db.tables import AdminPinState
from backend.errors import DomainError, Forbidden

_S = AdminPinState
_ROW = 1


class TooManyGuesses(DomainError):
    http_status = 429
    code = "too_many_attempts"


def record_guess(
    conn: Connection, *, right: bool, now_ms: int, max_failures: int, lockout_ms: int
) -> int | None:
    """Count one guess; returns None, or when the lock ends if the check is locked (the guess
    then counts for nothing). Runs inside a Database write job.

    The guess is one UPDATE whose WHERE is the lock test and whose SET reads the row itself:
    PostgreSQL re-evaluates both on the newest row when another process's update got there
    first, and SQLite runs one writer at a time, so concurrent guesses never lose a count.
    """
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(
        dialect.insert(_S)
        .values(id=_ROW, failures=0, locked_until_ms=0)
        .on_conflict_do_nothing(index_elements=[_S.id])
    )
    values: dict[str, int | ColumnElement[int]]
    if right:
        values = {"failures": 0}
    else:
        reached = _S.failures + 1 >= max_failures
        values = {
            "failures": case((reached, 0), else_=_S.failures + 1),
            "locked_until_ms": case((reached, now_ms + lockout_ms), else_=_S.locked_until_ms),
        }
    counted = conn.execute(
        update(_S).where(_S.id == _ROW, _S.locked_until_ms <= now_ms).values(values)
    )
    if counted.rowcount == 1:
        return None
    locked_until: int = conn.execute(select(_S.locked_until_ms).where(_S.id == _ROW)).scalar_one()
    return locked_until


class AdminPin:
    def __init__(
        self, pin: SecretStr, *, clock: Clock, max_failures: int = 5, lockout_s: float = 60.0
    ) -> None:
        self._pin = pin
        self._clock = clock
        self._max_failures = max_failures
        self._lockout_ms = int(lockout_s * 1000)

    async def check(self, db: Database, guess: str) -> None:
        """Returns if the guess is the PIN and the check is not locked; raises otherwise."""
        right = secrets.compare_digest(guess.encode(), self._pin.get_secret_value().encode())
        now = self._clock()
        locked_until = await db.write(
            lambda conn: record_guess(
                conn,
                right=right,
                now_ms=now,
                max_failures=self._max_failures,
                lockout_ms=self._lockout_ms,
            )
        )
        if locked_until is not None:
            seconds = max(1, (locked_until - now + 999) // 1000)
            raise TooManyGuesses(f"Too many wrong PINs. Try again in {seconds} s.")
        if not right:
            raise Forbidden("Wrong PIN.", code="wrong_pin")
