"""Payments the provider waits for the customer to make: a UPI QR on the kiosk's screen, a card
terminal prompting "tap, insert or swipe". One row per idempotency key, in the simulator's ledger
file, so a request survives the simulator's restart (and the kiosk's: it finds it again by key).

A request is `open` until it is paid, declined, or closed (by the merchant: cancel or expiry).
The money itself is a row of the charges ledger under the same key (`source_type` upi_qr or
terminal), so `GET /v1/charges` lists every movement, and voiding that key refunds it.

The simulated customer (`act`) pays, declines, walks away, or pays "after close": armed while the
request is open, that payment lands the moment the merchant closes it — the race a real provider
has between a close and a customer's bank debiting them — and if it is closed already, at once.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, replace
from typing import Any, Literal

from aiohttp import web
from sqlalchemy import BigInteger, Boolean, Connection, Integer, String, Table, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.database import Database

from .config import SimControls
from .errors import ApiError
from .ledger import ChargeRecord, GatewayBase, find_charge, insert_charge, new_charge_id, now_ms

Kind = Literal["upi_qr", "terminal"]
CustomerAction = Literal["pay", "decline", "walk_away", "pay_after_close"]
# The card a customer presents at the simulated terminal.
_TERMINAL_BRAND, _TERMINAL_LAST4 = "visa", "4242"


class WaitingPaymentRow(GatewayBase):
    __tablename__ = "gateway_waiting_payments"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    request_hash: Mapped[str | None] = mapped_column(String(64))  # None only on a tombstone
    status: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    payload: Mapped[str | None] = mapped_column(String(512))
    terminal_id: Mapped[str | None] = mapped_column(String(32))
    close_by: Mapped[int | None] = mapped_column(BigInteger)
    pays_after_close: Mapped[bool] = mapped_column(Boolean, default=False)
    walked_away: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[int] = mapped_column(BigInteger)
    closed_at: Mapped[int | None] = mapped_column(BigInteger)


_T: Table = WaitingPaymentRow.__table__  # type: ignore[assignment]
_COLUMNS = [c for c in _T.columns if c.name != "seq"]


@dataclass(frozen=True, slots=True)
class WaitingPayment:
    id: str
    kind: str
    idempotency_key: str
    request_hash: str | None
    status: Literal["open", "closed"]
    amount_minor: int | None
    currency: str | None
    payload: str | None
    terminal_id: str | None
    close_by: int | None
    pays_after_close: bool
    walked_away: bool
    created_at: int
    closed_at: int | None

    @classmethod
    def from_row(cls, row: RowMapping) -> WaitingPayment:
        values = {c.name: row[c.name] for c in _COLUMNS}
        return cls(**{**values, "pays_after_close": bool(values["pays_after_close"]),
                      "walked_away": bool(values["walked_away"])})

    def to_json(self, charge: ChargeRecord | None) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "idempotencyKey": self.idempotency_key,
            "status": self.status,
            "amountMinor": self.amount_minor,
            "currency": self.currency,
            "payload": self.payload,
            "terminalId": self.terminal_id,
            "closeBy": self.close_by,
            "createdAt": self.created_at,
            "closedAt": self.closed_at,
            "charge": None if charge is None else charge.to_json(),
        }


def fingerprint(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _find(conn: Connection, key: str) -> WaitingPayment | None:
    row = conn.execute(select(*_COLUMNS).where(_T.c.idempotency_key == key)).mappings().first()
    return None if row is None else WaitingPayment.from_row(row)


def _set(conn: Connection, current: WaitingPayment, **values: Any) -> WaitingPayment:
    conn.execute(update(_T).where(_T.c.id == current.id).values(**values))
    return replace(current, **values)


def _charge_for(request: WaitingPayment, *, declined: bool) -> ChargeRecord:
    terminal = request.kind == "terminal"
    return ChargeRecord(
        id=new_charge_id(),
        idempotency_key=request.idempotency_key,
        request_hash=request.request_hash,
        status="declined" if declined else "succeeded",
        decline_code=("card_declined" if terminal else "upi_declined") if declined else None,
        amount_minor=request.amount_minor,
        currency=request.currency,
        source_type=request.kind,
        brand=_TERMINAL_BRAND if terminal else None,
        last4=_TERMINAL_LAST4 if terminal else None,
        created_at=now_ms(),
        voided_at=None,
    )


def _land(conn: Connection, request: WaitingPayment, *, declined: bool = False) -> None:
    """The customer's payment reaches the provider: one ledger row, never a second."""
    if find_charge(conn, "idempotency_key", request.idempotency_key) is None:
        insert_charge(conn, _charge_for(request, declined=declined))


class WaitingDesk:
    """Opening, looking up and closing waiting payments, and the simulated customer's actions.

    Every operation is one write job on the ledger's writer thread: atomic, one at a time."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def open(self, kind: Kind, key: str, body_hash: str, fields: dict[str, Any]) -> WaitingPayment:
        def job(conn: Connection) -> WaitingPayment:
            existing = _find(conn, key)
            if existing is not None:
                if existing.request_hash is None:
                    raise ApiError(409, "idempotency_key_voided", "this Idempotency-Key was closed; nothing is opened")
                if existing.request_hash != body_hash:
                    raise ApiError(422, "idempotency_key_reused",
                                   "this Idempotency-Key was used with a different request body")
                return existing
            request = WaitingPayment(
                id=f"{'qr' if kind == 'upi_qr' else 'tp'}_{secrets.token_hex(12)}",
                kind=kind,
                idempotency_key=key,
                request_hash=body_hash,
                status="open",
                amount_minor=fields["amount_minor"],
                currency=fields["currency"],
                payload=fields.get("payload"),
                terminal_id=fields.get("terminal_id"),
                close_by=fields.get("close_by"),
                pays_after_close=False,
                walked_away=False,
                created_at=now_ms(),
                closed_at=None,
            )
            conn.execute(insert(_T).values({c.name: getattr(request, c.name) for c in _COLUMNS}))
            return request

        return await self._db.write(job)

    async def lookup(self, kind: Kind, key: str) -> tuple[WaitingPayment, ChargeRecord | None]:
        def job(conn: Connection) -> tuple[WaitingPayment, ChargeRecord | None]:
            request = _find(conn, key)
            if request is None or request.kind != kind:
                raise ApiError(404, "not_found", f"no {kind} payment for this key")
            return request, find_charge(conn, "idempotency_key", key)

        return await self._db.read(job)

    async def all(self) -> list[tuple[WaitingPayment, ChargeRecord | None]]:
        def job(conn: Connection) -> list[tuple[WaitingPayment, ChargeRecord | None]]:
            rows = conn.execute(select(*_COLUMNS).order_by(_T.c.seq)).mappings()
            requests = [WaitingPayment.from_row(row) for row in rows]
            return [(r, find_charge(conn, "idempotency_key", r.idempotency_key)) for r in requests]

        return await self._db.read(job)

    async def close(self, kind: Kind, key: str) -> tuple[WaitingPayment, ChargeRecord | None]:
        """Stop accepting the customer's payment; a key never opened is closed for good."""

        def job(conn: Connection) -> tuple[WaitingPayment, ChargeRecord | None]:
            request = _find(conn, key)
            at = now_ms()
            if request is None:
                request = WaitingPayment(
                    id=f"{'qr' if kind == 'upi_qr' else 'tp'}_{secrets.token_hex(12)}", kind=kind,
                    idempotency_key=key, request_hash=None, status="closed", amount_minor=None, currency=None,
                    payload=None, terminal_id=None, close_by=None, pays_after_close=False, walked_away=False,
                    created_at=at, closed_at=at,
                )
                conn.execute(insert(_T).values({c.name: getattr(request, c.name) for c in _COLUMNS}))
                return request, None
            if request.status == "open":
                request = _set(conn, request, status="closed", closed_at=at)
                if request.pays_after_close:
                    _land(conn, request)
            return request, find_charge(conn, "idempotency_key", key)

        return await self._db.write(job)

    async def act(self, key: str, action: CustomerAction) -> tuple[WaitingPayment, ChargeRecord | None]:
        def job(conn: Connection) -> tuple[WaitingPayment, ChargeRecord | None]:
            request = _find(conn, key)
            if request is None or request.request_hash is None:
                raise ApiError(404, "not_found", "no payment is waiting under this key")
            if action == "pay_after_close":
                if request.status == "open":
                    request = _set(conn, request, pays_after_close=True)
                else:
                    _land(conn, request)
                return request, find_charge(conn, "idempotency_key", key)
            if request.status != "open":
                raise ApiError(409, "request_closed", "this payment is no longer waiting for the customer")
            if action == "walk_away":
                request = _set(conn, request, walked_away=True)
            else:
                _land(conn, request, declined=action == "decline")
                request = _set(conn, request, status="closed", closed_at=now_ms())
            return request, find_charge(conn, "idempotency_key", key)

        return await self._db.write(job)


WAITING = web.AppKey("gateway_sim_waiting", WaitingDesk)
# The same controls as the charges' (routes.CONTROLS): one delay for every provider call.
DELAYS = web.AppKey("gateway_sim_delays", SimControls)
