"""The simulator's ledger: one row per idempotency key, in its own SQLite file.

Only final outcomes are written (in-flight requests live in memory, see charges.py), so a
simulator killed mid-charge has charged nothing. A key voided before any charge gets a
tombstone row (status `voided`, no amount, no source) that refuses later charges with it.
Card number and CVV never reach this table: only brand, last 4 and the body's SHA-256.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, replace
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
    update,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from backend.db.database import Database

Status = Literal["succeeded", "declined", "voided"]


class GatewayBase(DeclarativeBase):
    # Its own MetaData: the simulator's file is not the backend's schema.
    metadata = MetaData()


class ChargeRow(GatewayBase):
    __tablename__ = "gateway_charges"
    __table_args__ = (
        CheckConstraint(
            "status IN ('succeeded', 'declined', 'voided')", name="ck_gateway_charges_status"
        ),
    )

    # Insertion order is the ledger's order; created_at can tie within one millisecond.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(40), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    request_hash: Mapped[str | None] = mapped_column(String(64))  # None only on a tombstone
    status: Mapped[str] = mapped_column(String(16))
    decline_code: Mapped[str | None] = mapped_column(String(32))
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    source_type: Mapped[str | None] = mapped_column(String(8))
    brand: Mapped[str | None] = mapped_column(String(16))
    last4: Mapped[str | None] = mapped_column(String(4))
    created_at: Mapped[int] = mapped_column(BigInteger)
    voided_at: Mapped[int | None] = mapped_column(BigInteger)


_CHARGES: Table = ChargeRow.__table__  # type: ignore[assignment]
_COLUMNS = [column for column in _CHARGES.columns if column.name != "seq"]


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def new_charge_id() -> str:
    return f"ch_{secrets.token_hex(12)}"


@dataclass(frozen=True, slots=True)
class ChargeRecord:
    id: str
    idempotency_key: str
    request_hash: str | None
    status: Status
    decline_code: str | None
    amount_minor: int | None
    currency: str | None
    source_type: str | None
    brand: str | None
    last4: str | None
    created_at: int
    voided_at: int | None

    @property
    def is_tombstone(self) -> bool:
        return self.request_hash is None

    @classmethod
    def from_row(cls, row: RowMapping) -> ChargeRecord:
        return cls(**{column.name: row[column.name] for column in _COLUMNS})

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "idempotencyKey": self.idempotency_key,
            "status": self.status,
            "amountMinor": self.amount_minor,
            "currency": self.currency,
            "sourceType": self.source_type,
            "createdAt": self.created_at,
        }
        optional = {
            "declineCode": self.decline_code,
            "brand": self.brand,
            "last4": self.last4,
            "voidedAt": self.voided_at,
        }
        body.update({name: value for name, value in optional.items() if value is not None})
        return body


def create_schema(conn: Connection) -> None:
    GatewayBase.metadata.create_all(conn)


def _find(conn: Connection, column: str, value: str) -> ChargeRecord | None:
    row = conn.execute(select(*_COLUMNS).where(_CHARGES.c[column] == value)).mappings().first()
    return None if row is None else ChargeRecord.from_row(row)


def _insert(conn: Connection, record: ChargeRecord) -> None:
    values = {column.name: getattr(record, column.name) for column in _COLUMNS}
    conn.execute(insert(_CHARGES).values(**values))


def _void(conn: Connection, record: ChargeRecord, at: int) -> ChargeRecord:
    """Only a succeeded charge has money to return; declined and voided ones stay as they are."""
    if record.status != "succeeded":
        return record
    conn.execute(
        update(_CHARGES)
        .where(_CHARGES.c.id == record.id, _CHARGES.c.status == "succeeded")
        .values(status="voided", voided_at=at)
    )
    return replace(record, status="voided", voided_at=at)


def _tombstone(key: str, at: int) -> ChargeRecord:
    return ChargeRecord(
        id=new_charge_id(),
        idempotency_key=key,
        request_hash=None,
        status="voided",
        decline_code=None,
        amount_minor=None,
        currency=None,
        source_type=None,
        brand=None,
        last4=None,
        created_at=at,
        voided_at=at,
    )


class Ledger:
    """Async access to the charges table; every query runs on the Database's threads."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def find_by_key(self, key: str) -> ChargeRecord | None:
        return await self._db.read(lambda conn: _find(conn, "idempotency_key", key))

    async def all(self) -> list[ChargeRecord]:
        def job(conn: Connection) -> list[ChargeRecord]:
            rows = conn.execute(select(*_COLUMNS).order_by(_CHARGES.c.seq)).mappings()
            return [ChargeRecord.from_row(row) for row in rows]

        return await self._db.read(job)

    async def add(self, record: ChargeRecord) -> None:
        await self._db.write(lambda conn: _insert(conn, record))

    async def void_by_id(self, charge_id: str) -> ChargeRecord | None:
        def job(conn: Connection) -> ChargeRecord | None:
            record = _find(conn, "id", charge_id)
            return None if record is None else _void(conn, record, now_ms())

        return await self._db.write(job)

    async def void_by_key(self, key: str, *, tombstone_if_missing: bool) -> ChargeRecord | None:
        # Read and change in one write job: the writer thread makes it one atomic step.
        def job(conn: Connection) -> ChargeRecord | None:
            record = _find(conn, "idempotency_key", key)
            if record is not None:
                return _void(conn, record, now_ms())
            if not tombstone_if_missing:
                return None
            tombstone = _tombstone(key, now_ms())
            _insert(conn, tombstone)
            return tombstone

        return await self._db.write(job)


# waiting_payments.py records a customer's payment in the same transaction as its request's change.
find_charge = _find
insert_charge = _insert
