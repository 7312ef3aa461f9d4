"""Refunds at the simulator: `POST /v1/refunds`, idempotent by key, never past what a charge took.

A refund names its charge by `chargeId` or by the charge's `idempotencyKey`, and an amount.
It is decided and written in one job on the ledger's writer thread (the check of what is left
to refund and the insert of the refund cannot be separated by another refund), so neither two
keys racing on one charge nor a replay arriving during the first can refund too much or twice.
Like a charge, the processing delay comes first and nothing is written until the end: a
simulator killed mid-refund has refunded nothing and the same key refunds later.

The ledger of charges (`GET /v1/charges`) shows each charge with what was refunded of it; a
charge refunded in full reads `refunded`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel
from sqlalchemy import BigInteger, Connection, Integer, String, Table, func, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.database import Database

from .config import SimControls
from .errors import ApiError
from .ledger import ChargeRecord, ChargeRow, GatewayBase, now_ms
from .schemas import IDEMPOTENCY_KEY, MAX_AMOUNT_MINOR


class RefundRow(GatewayBase):
    __tablename__ = "gateway_refunds"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(40), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    charge_id: Mapped[str] = mapped_column(String(40), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[int] = mapped_column(BigInteger)


_REFUNDS: Table = RefundRow.__table__  # type: ignore[assignment]
_CHARGES: Table = ChargeRow.__table__  # type: ignore[assignment]
_COLUMNS = [column for column in _REFUNDS.columns if column.name != "seq"]


class RefundRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, alias_generator=to_camel, validate_by_name=False
    )

    charge_id: Annotated[str | None, Field(pattern=r"^ch_[0-9a-f]+$", max_length=40)] = None
    # The charge's own Idempotency-Key, for a caller that knows only that (a lost reply).
    idempotency_key: Annotated[str | None, Field(pattern=IDEMPOTENCY_KEY.pattern, max_length=64)] = None
    amount_minor: Annotated[int, Field(gt=0, le=MAX_AMOUNT_MINOR)]

    @model_validator(mode="after")
    def _one_charge(self) -> RefundRequest:
        if (self.charge_id is None) == (self.idempotency_key is None):
            raise ValueError("name the charge by exactly one of chargeId and idempotencyKey")
        return self

    def fingerprint(self) -> str:
        canonical = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class RefundRecord:
    id: str
    idempotency_key: str
    request_hash: str
    charge_id: str
    amount_minor: int
    currency: str
    created_at: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "idempotencyKey": self.idempotency_key,
            "chargeId": self.charge_id,
            "amountMinor": self.amount_minor,
            "currency": self.currency,
            "status": "succeeded",
            "createdAt": self.created_at,
        }


@dataclass(frozen=True, slots=True)
class RefundResult:
    record: RefundRecord
    replayed: bool


def _record(row: Any) -> RefundRecord:
    return RefundRecord(**{column.name: row[column.name] for column in _COLUMNS})


def _by_key(conn: Connection, key: str) -> RefundRecord | None:
    row = conn.execute(select(*_COLUMNS).where(_REFUNDS.c.idempotency_key == key)).mappings().first()
    return None if row is None else _record(row)


def _charge_of(conn: Connection, request: RefundRequest) -> ChargeRecord:
    column, value = (
        ("id", request.charge_id) if request.charge_id is not None else ("idempotency_key", request.idempotency_key)
    )
    charge_columns = [c for c in _CHARGES.columns if c.name != "seq"]
    row = conn.execute(select(*charge_columns).where(_CHARGES.c[column] == value)).mappings().first()
    if row is None:
        raise ApiError(404, "charge_not_found", f"no charge for {value!r}")
    return ChargeRecord.from_row(row)


def refunded_minor(conn: Connection, charge_id: str) -> int:
    total = conn.execute(
        select(func.coalesce(func.sum(_REFUNDS.c.amount_minor), 0)).where(_REFUNDS.c.charge_id == charge_id)
    ).scalar_one()
    return int(total)


def _refund(conn: Connection, key: str, request: RefundRequest, fingerprint: str) -> RefundResult:
    existing = _by_key(conn, key)
    if existing is not None:
        if existing.request_hash != fingerprint:
            raise ApiError(
                422, "idempotency_key_reused", "this Idempotency-Key was used with a different refund"
            )
        return RefundResult(existing, replayed=True)
    charge = _charge_of(conn, request)
    if charge.status != "succeeded" or charge.amount_minor is None or charge.currency is None:
        raise ApiError(409, "charge_not_refundable", f"a {charge.status} charge has nothing to refund")
    left = charge.amount_minor - refunded_minor(conn, charge.id)
    if request.amount_minor > left:
        raise ApiError(
            409,
            "refund_exceeds_charge",
            f"only {left} of this charge's {charge.amount_minor} (minor units) is left to refund",
        )
    record = RefundRecord(
        id=f"rf_{secrets.token_hex(12)}",
        idempotency_key=key,
        request_hash=fingerprint,
        charge_id=charge.id,
        amount_minor=request.amount_minor,
        currency=charge.currency,
        created_at=now_ms(),
    )
    conn.execute(insert(_REFUNDS).values({c.name: getattr(record, c.name) for c in _COLUMNS}))
    return RefundResult(record, replayed=False)


def _refunded_by_charge(conn: Connection) -> dict[str, int]:
    rows = conn.execute(
        select(_REFUNDS.c.charge_id, func.sum(_REFUNDS.c.amount_minor)).group_by(_REFUNDS.c.charge_id)
    )
    return {row[0]: int(row[1]) for row in rows}


class RefundDesk:
    def __init__(self, db: Database, controls: SimControls) -> None:
        self._db = db
        self._controls = controls

    async def refund(self, key: str, request: RefundRequest) -> RefundResult:
        await asyncio.sleep(self._controls.delay_s)
        fingerprint = request.fingerprint()
        return await self._db.write(lambda conn: _refund(conn, key, request, fingerprint))

    async def lookup(self, key: str) -> RefundRecord:
        record = await self._db.read(lambda conn: _by_key(conn, key))
        if record is None:
            raise ApiError(404, "refund_not_found", f"no refund for {key!r}")
        return record

    async def all(self) -> list[RefundRecord]:
        def job(conn: Connection) -> list[RefundRecord]:
            return [_record(row) for row in conn.execute(select(*_COLUMNS).order_by(_REFUNDS.c.seq)).mappings()]

        return await self._db.read(job)

    async def ledger_json(self, charges: list[ChargeRecord]) -> list[dict[str, Any]]:
        """The charges as the ledger lists them, each with what was refunded of it."""
        refunded = await self._db.read(_refunded_by_charge)
        listed = []
        for charge in charges:
            body = charge.to_json()
            if charge.id in refunded:
                body["refundedMinor"] = refunded[charge.id]
                if charge.status == "succeeded" and refunded[charge.id] >= (charge.amount_minor or 0):
                    body["status"] = "refunded"
            listed.append(body)
        return listed
