"""The kiosks table; runs inside Database jobs (or the CLI's own transaction)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from backend.db.tables import Kiosk
from backend.errors import Conflict, InvalidInput, NotFound
from backend.kiosks import DEFAULT_KIOSK_ID

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True, slots=True)
class KioskRecord:
    id: str
    name: str
    created_at_ms: int
    revoked_at_ms: int | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at_ms is not None


def _record(row: Any) -> KioskRecord:
    return KioskRecord(id=row.id, name=row.name, created_at_ms=row.created_at_ms, revoked_at_ms=row.revoked_at_ms)


def add(conn: Connection, name: str, token_hash: str, *, now_ms: int) -> KioskRecord:
    if not NAME.fullmatch(name):
        raise InvalidInput(
            "A kiosk name is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.",
            code="bad_kiosk_name",
        )
    taken = conn.execute(select(Kiosk.id).where(or_(Kiosk.name == name, Kiosk.id == name))).first()
    if taken is not None:
        raise Conflict(f"A kiosk named {name!r} exists already.", code="kiosk_exists")
    # Random, never derived from the name: a name can be reused after a revoke only as another id.
    kiosk_id = "k" + secrets.token_hex(8)
    conn.execute(
        insert(Kiosk).values(id=kiosk_id, name=name, token_hash=token_hash, created_at_ms=now_ms)
    )
    return KioskRecord(id=kiosk_id, name=name, created_at_ms=now_ms, revoked_at_ms=None)


def list_all(conn: Connection) -> list[KioskRecord]:
    rows = conn.execute(select(Kiosk).order_by(Kiosk.created_at_ms, Kiosk.id))
    return [_record(row) for row in rows]


def revoke(conn: Connection, name_or_id: str, *, now_ms: int) -> KioskRecord:
    """Its token stops working; the kiosk's row (and everything that names it) stays."""
    row = conn.execute(
        select(Kiosk).where(or_(Kiosk.id == name_or_id, Kiosk.name == name_or_id))
    ).first()
    if row is None:
        raise NotFound(f"No kiosk named or numbered {name_or_id!r}.", code="kiosk_not_found")
    if row.id == DEFAULT_KIOSK_ID:
        raise InvalidInput(
            "The default kiosk's token is SMARTCART_KIOSK_TOKEN: change that setting instead.",
            code="default_kiosk",
        )
    if row.revoked_at_ms is None:
        conn.execute(update(Kiosk).where(Kiosk.id == row.id).values(revoked_at_ms=now_ms))
        return KioskRecord(id=row.id, name=row.name, created_at_ms=row.created_at_ms, revoked_at_ms=now_ms)
    return _record(row)


def active_by_token_hash(conn: Connection, token_hash: str) -> tuple[str, str] | None:
    """(kiosk id, stored hash) of the kiosk this token hash belongs to, unless it was revoked."""
    row = conn.execute(
        select(Kiosk.id, Kiosk.token_hash).where(
            Kiosk.token_hash == token_hash, Kiosk.revoked_at_ms.is_(None)
        )
    ).first()
    return (row.id, row.token_hash) if row is not None else None
