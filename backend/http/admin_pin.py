"""The admin PIN, checked by the backend: the window trades it for the admin token.

No PIN ships with the backend. SMARTCART_ADMIN_PIN sets one. Without it, the first start
generates a 6-digit PIN, keeps only its scrypt hash, in `admin_pin` in the data directory
(owner-only; SMARTCART_ADMIN_PIN_FILE names another: give every process of a fleet the same
one, as with the offline key), and hands the PIN out once (`take_generated`): the headless
backend prints it, the kiosk window shows it at that first start. Deleting the file has a new
one generated at the next start.

Wrong guesses lock the check. The count and the lock live in the database (one
admin_pin_state row), not in the process: restarts keep them, and several backend processes
on one database share them, so guesses spread over the fleet still lock it.
- `failures` counts wrong PINs since the last right one; every `max_failures`-th of them
  locks the check, each lock twice as long as the one before (lockout_s, 2 x lockout_s, ...),
  up to lockout_max_s. A right PIN starts the count again.
- `locked_until_ms` is on the steady timeline (backend/clock.py). A process that sees a lock
  for the first time turns what is left of it (never more than that lock's length) into a
  deadline on its monotonic clock, so no jump of the wall clock lengthens or shortens a lock.
- The kiosk's own window is told apart by the credential it sends: it sends the unlock with
  the admin token as its bearer (the embedded window has it in its launch link, a remote one
  when SMARTCART_ADMIN_TOKEN is in its environment), where a network guesser has at most the
  kiosk token. A lock keeps the window out for admin_pin_window_lockout_s at most (a minute),
  so a guesser who keeps the check locked never locks out the operator. Relaxing the lock
  for that caller gives nobody anything, since whoever holds the admin token needs no PIN;
  the PIN keeps passers-by at the kiosk out, and them the cap leaves `max_failures` guesses a
  minute. A right PIN from the window during a lock that still holds for everyone else
  unlocks the window only: the guesser's back-off goes on growing.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from backend.clock import Clock
from backend.db.database import Database
from backend.db.tables import AdminPinState
from backend.errors import DomainError, Forbidden
from backend.private_files import write_private
from backend.settings import Settings

_S = AdminPinState
_ROW = 1
GENERATED_DIGITS = 6
# scrypt: 16 MiB and some 50 ms per check; run off the event loop.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


class TooManyGuesses(DomainError):
    http_status = 429
    code = "too_many_attempts"


# ---- the PIN itself -------------------------------------------------------------------------------


class PinSecret:
    """The PIN as configured (in memory, from the settings) or as stored (its scrypt hash)."""

    def __init__(self, *, plain: SecretStr | None = None, stored: str | None = None) -> None:
        assert (plain is None) != (stored is None)
        self._plain = plain.get_secret_value().encode() if plain is not None else None
        self._stored = _parse_hash(stored) if stored is not None else None

    @property
    def slow(self) -> bool:
        """Checking a guess takes a hash (some 50 ms): run it in a thread."""
        return self._stored is not None

    def matches(self, guess: str) -> bool:
        if self._plain is not None:
            return secrets.compare_digest(guess.encode(), self._plain)
        assert self._stored is not None
        salt, digest = self._stored
        return hmac.compare_digest(_scrypt(guess, salt), digest)


def _scrypt(pin: str, salt: bytes) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)


def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(16)
    encode = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${encode(salt).decode()}${encode(_scrypt(pin, salt)).decode()}"


def _parse_hash(text: str) -> tuple[bytes, bytes]:
    parts = text.strip().split("$")
    if len(parts) != 6 or parts[0] != "scrypt" or parts[1:4] != [str(_SCRYPT_N), str(_SCRYPT_R), str(_SCRYPT_P)]:
        raise ValueError("not an admin PIN hash this backend wrote")
    return base64.b64decode(parts[4], validate=True), base64.b64decode(parts[5], validate=True)


def load_or_create_pin(path: Path) -> tuple[PinSecret, str | None]:
    """The PIN whose hash is in `path`; if there is none, a new one, and it in clear (the
    only time it exists in clear). Processes starting at once all end up with the one PIN:
    the hash is written to a temporary file and linked into place, and only the first link
    wins."""
    with contextlib.suppress(FileNotFoundError):
        return _read_pin(path), None
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pin = f"{secrets.randbelow(10**GENERATED_DIGITS):0{GENERATED_DIGITS}d}"
    stored = hash_pin(pin)
    if not write_private(path, (stored + "\n").encode(), replace=False):
        return _read_pin(path), None  # another process was first: its PIN is the PIN
    return PinSecret(stored=stored), pin


def _read_pin(path: Path) -> PinSecret:
    try:
        return PinSecret(stored=path.read_text())
    except ValueError:
        raise ValueError(
            f"{path} does not hold an admin PIN hash: delete it to have a new PIN generated, "
            "or set SMARTCART_ADMIN_PIN"
        ) from None


# ---- the lock -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lockout:
    max_failures: int
    first_ms: int
    longest_ms: int
    window_ms: int

    def length_ms(self, failures: int) -> int:
        """The length of the lock that the `failures`-th wrong PIN in a row set."""
        locks = max(1, failures // self.max_failures)
        return min(self.longest_ms, self.first_ms << min(locks - 1, 40))


class SeenLock:
    """This process's view of the current lock: when it ends for other callers and for the
    kiosk's window, on this process's monotonic clock, fixed the first time it is seen."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until: int | None = None
        self._ends = (0, 0)

    def left_ms(
        self, locked_until: int, length: int, *, window_ms: int, steady_ms: int, monotonic_ms: int, from_window: bool
    ) -> int:
        with self._lock:
            if locked_until != self._until:
                left = min(max(locked_until - steady_ms, 0), length)
                window = min(length, window_ms)
                self._until = locked_until
                self._ends = (monotonic_ms + left, monotonic_ms + min(max(window - (length - left), 0), window))
            end = self._ends[1] if from_window else self._ends[0]
        return max(0, end - monotonic_ms)


def record_guess(
    conn: Connection,
    *,
    right: bool,
    from_window: bool,
    lockout: Lockout,
    seen: SeenLock,
    steady_ms: int,
    monotonic_ms: int,
) -> int | None:
    """Count one guess; returns None, or how many ms the caller must still wait if the check
    is locked for it (the guess then counts for nothing). Runs inside a Database write job.

    The row is read FOR UPDATE, so on PostgreSQL a guess made by another process meanwhile
    waits for this transaction and then counts on top of it; SQLite runs one writer at a time.
    """
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(
        dialect.insert(_S)
        .values(id=_ROW, failures=0, locked_until_ms=0)
        .on_conflict_do_nothing(index_elements=[_S.id])
    )
    row = conn.execute(select(_S.failures, _S.locked_until_ms).where(_S.id == _ROW).with_for_update()).one()
    failures, locked_until = int(row.failures), int(row.locked_until_ms)

    def left(window: bool) -> int:
        return seen.left_ms(
            locked_until,
            lockout.length_ms(failures),
            window_ms=lockout.window_ms,
            steady_ms=steady_ms,
            monotonic_ms=monotonic_ms,
            from_window=window,
        )

    wait = left(from_window)
    if wait > 0:
        return wait
    if right:
        # Only a lock that is over ends the back-off: a window let in early leaves it be.
        if failures and left(False) == 0:
            conn.execute(update(_S).where(_S.id == _ROW).values(failures=0))
        return None
    failures += 1
    values = {"failures": failures}
    if failures % lockout.max_failures == 0:
        values["locked_until_ms"] = steady_ms + lockout.length_ms(failures)
    conn.execute(update(_S).where(_S.id == _ROW).values(values))
    return None


def lock_left(conn: Connection, *, from_window: bool, lockout: Lockout, seen: SeenLock, steady_ms: int, monotonic_ms: int) -> int:
    """How long the check is still locked for this caller (0: not locked); reads only."""
    row = conn.execute(select(_S.failures, _S.locked_until_ms).where(_S.id == _ROW)).first()
    if row is None:
        return 0
    return seen.left_ms(
        int(row.locked_until_ms),
        lockout.length_ms(int(row.failures)),
        window_ms=lockout.window_ms,
        steady_ms=steady_ms,
        monotonic_ms=monotonic_ms,
        from_window=from_window,
    )


# ---- the check ------------------------------------------------------------------------------------


class AdminPin:
    def __init__(
        self, secret: PinSecret, *, clock: Clock, lockout: Lockout, generated: str | None = None
    ) -> None:
        self._secret = secret
        self._clock = clock
        self._lockout = lockout
        self._seen = SeenLock()
        self._generated = generated

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock) -> AdminPin:
        """The configured PIN, else the stored one, else a new one (see the module docstring)."""
        lockout = Lockout(
            max_failures=settings.admin_pin_max_failures,
            first_ms=int(settings.admin_pin_lockout_s * 1000),
            longest_ms=int(max(settings.admin_pin_lockout_max_s, settings.admin_pin_lockout_s) * 1000),
            window_ms=int(settings.admin_pin_window_lockout_s * 1000),
        )
        configured = settings.admin_pin
        if configured is not None and configured.get_secret_value():
            return cls(PinSecret(plain=configured), clock=clock, lockout=lockout)
        secret, generated = load_or_create_pin(settings.resolved_admin_pin_file())
        return cls(secret, clock=clock, lockout=lockout, generated=generated)

    def take_generated(self) -> str | None:
        """The PIN generated at this start, once; then never again (only its hash is kept)."""
        pin, self._generated = self._generated, None
        return pin

    async def check(self, db: Database, guess: str, *, from_window: bool = False) -> None:
        """Returns if the guess is the PIN and the check is not locked for this caller;
        raises otherwise."""
        if self._secret.slow:
            # Locked: say so without spending a hash on the guess.
            self._raise_if_locked(await db.read(lambda conn: self._left(conn, from_window)))
            right = await asyncio.to_thread(self._secret.matches, guess)
        else:
            right = self._secret.matches(guess)
        steady, monotonic = self._clock.steady(), self._clock.monotonic()
        wait = await db.write(
            lambda conn: record_guess(
                conn,
                right=right,
                from_window=from_window,
                lockout=self._lockout,
                seen=self._seen,
                steady_ms=steady,
                monotonic_ms=monotonic,
            )
        )
        self._raise_if_locked(wait)
        if not right:
            raise Forbidden("Wrong PIN.", code="wrong_pin")

    def _left(self, conn: Connection, from_window: bool) -> int:
        return lock_left(
            conn,
            from_window=from_window,
            lockout=self._lockout,
            seen=self._seen,
            steady_ms=self._clock.steady(),
            monotonic_ms=self._clock.monotonic(),
        )

    @staticmethod
    def _raise_if_locked(wait_ms: int | None) -> None:
        if wait_ms:
            seconds = max(1, (wait_ms + 999) // 1000)
            raise TooManyGuesses(f"Too many wrong PINs. Try again in {seconds} s.")
