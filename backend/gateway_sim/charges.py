"""Idempotent charging and voiding, one operation per idempotency key at a time.

A key being worked on (a charge being processed, or a void) is registered in `_busy`, in
memory only: if the process dies, the key simply is not charged and a later request with
it charges normally. Checking `_busy` and registering in it happen with no `await` in
between, so two requests on one event loop can never both claim a key.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from .cards import card_brand, judge
from .config import SimControls
from .errors import ApiError
from .ledger import ChargeRecord, Ledger, new_charge_id, now_ms
from .schemas import IDEMPOTENCY_KEY, CardSource, ChargeRequest, request_hash

CHARGE_ID = re.compile(r"ch_[0-9a-f]+")


@dataclass(frozen=True, slots=True)
class ChargeResult:
    record: ChargeRecord
    replayed: bool


def _charge_not_found(target: str) -> ApiError:
    return ApiError(404, "charge_not_found", f"no charge for {target!r}")


class ChargeDesk:
    def __init__(self, ledger: Ledger, controls: SimControls) -> None:
        self._ledger = ledger
        self._controls = controls
        self._busy: dict[str, asyncio.Future[None]] = {}

    async def charge(self, key: str, request: ChargeRequest) -> ChargeResult:
        if key in self._busy:
            raise ApiError(
                409,
                "idempotency_key_in_use",
                "a request with this Idempotency-Key is still being processed",
            )
        done = self._claim(key)
        try:
            return await self._charge_claimed(key, request)
        finally:
            self._release(key, done)

    async def lookup(self, key: str) -> ChargeRecord:
        # A key only in flight is absent here on purpose: nothing has been charged yet.
        record = await self._ledger.find_by_key(key)
        if record is None:
            raise _charge_not_found(key)
        return record

    async def ledger(self) -> list[ChargeRecord]:
        return await self._ledger.all()

    def in_flight(self) -> list[str]:
        """The keys of the charges and voids received and not yet answered: what a test waits
        for before it kills the client that sent one (its outcome is then decided here)."""
        return sorted(self._busy)

    async def void(self, target: str) -> ChargeRecord:
        """Void by charge id or by idempotency key; a key with no charge yet is tombstoned."""
        looks_like_id = CHARGE_ID.fullmatch(target) is not None
        if looks_like_id:
            record = await self._ledger.void_by_id(target)
            if record is not None:
                return record
        if not IDEMPOTENCY_KEY.fullmatch(target):
            raise _charge_not_found(target)
        await self._wait_until_idle(target)
        done = self._claim(target)
        try:
            # An unknown ch_... is a mistyped charge id, not a key to block.
            record = await self._ledger.void_by_key(target, tombstone_if_missing=not looks_like_id)
        finally:
            self._release(target, done)
        if record is None:
            raise _charge_not_found(target)
        return record

    async def _charge_claimed(self, key: str, request: ChargeRequest) -> ChargeResult:
        fingerprint = request_hash(request)
        existing = await self._ledger.find_by_key(key)
        if existing is not None:
            return ChargeResult(_replay(existing, fingerprint), replayed=True)
        verdict = judge(request.source)
        await asyncio.sleep(self._controls.delay_for(slow=verdict.slow))
        card = request.source if isinstance(request.source, CardSource) else None
        record = ChargeRecord(
            id=new_charge_id(),
            idempotency_key=key,
            request_hash=fingerprint,
            status=verdict.status,
            decline_code=verdict.decline_code,
            amount_minor=request.amount_minor,
            currency=request.currency,
            source_type=request.source.type,
            brand=None if card is None else card_brand(card.number),
            last4=None if card is None else card.number[-4:],
            created_at=now_ms(),
            voided_at=None,
        )
        await self._ledger.add(record)
        return ChargeResult(record, replayed=False)

    def _claim(self, key: str) -> asyncio.Future[None]:
        done = asyncio.get_running_loop().create_future()
        self._busy[key] = done
        return done

    def _release(self, key: str, done: asyncio.Future[None]) -> None:
        del self._busy[key]
        done.set_result(None)

    async def _wait_until_idle(self, key: str) -> None:
        # asyncio.wait, not `await future`: a cancelled waiter must not cancel the charge's future.
        while (busy := self._busy.get(key)) is not None:
            await asyncio.wait([busy])


def _replay(existing: ChargeRecord, fingerprint: str) -> ChargeRecord:
    if existing.is_tombstone:
        raise ApiError(
            409, "idempotency_key_voided", "this Idempotency-Key was voided; no charge is made"
        )
    if existing.request_hash != fingerprint:
        raise ApiError(
            422,
            "idempotency_key_reused",
            "this Idempotency-Key was used with a different request body",
        )
    return existing
