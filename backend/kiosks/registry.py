"""Which kiosk a bearer token speaks for, asked on every request.

The answer is cached for `cache_s` (SMARTCART_KIOSK_TOKEN_CACHE_S): a kiosk's polls then cost
no database read, and a token revoked from the command line (another process, maybe another
host of the fleet) is refused by every process within that long. Unknown tokens are cached as
well, so a client repeating a bad token costs one read per period, and a kiosk added meanwhile
is known within the same period. Concurrent requests with one token share one read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from backend.db.database import Database
from backend.kiosks import repo, tokens


class KioskRegistry:
    def __init__(
        self, db: Database, *, cache_s: float, monotonic_ms: Callable[[], int], max_entries: int = 4096
    ) -> None:
        self._db = db
        self._ttl_ms = int(cache_s * 1000)
        self._now = monotonic_ms
        self._max = max_entries
        self._cache: dict[str, tuple[str | None, int]] = {}  # token hash -> (kiosk id, read at)
        self._in_flight: dict[str, asyncio.Task[str | None]] = {}

    async def kiosk_of(self, token: str) -> str | None:
        """The id of the kiosk whose token this is; None if none is (or it was revoked)."""
        if not tokens.could_be_kiosk_token(token):
            return None
        digest = tokens.token_hash(token)
        cached = self._cache.get(digest)
        if cached is not None and self._now() - cached[1] < self._ttl_ms:
            return cached[0]
        task = self._in_flight.get(digest)
        if task is None:
            task = asyncio.create_task(self._look_up(token, digest))
            self._in_flight[digest] = task
            task.add_done_callback(lambda _: self._in_flight.pop(digest, None))
        # Shielded: one caller hanging up must not cancel the read the others wait for.
        return await asyncio.shield(task)

    async def _look_up(self, token: str, digest: str) -> str | None:
        read_at = self._now()
        found = await self._db.read(lambda conn: repo.active_by_token_hash(conn, digest))
        kiosk_id = found[0] if found is not None and tokens.same_hash(found[1], token) else None
        self._cache.pop(digest, None)
        if len(self._cache) >= self._max:
            del self._cache[next(iter(self._cache))]  # the oldest entry
        self._cache[digest] = (kiosk_id, read_at)
        return kiosk_id
