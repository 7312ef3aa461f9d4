"""Leases: who may do something until when (the forwarder's turn, a backend instance's life).

Taken and renewed by compare-and-set, so two processes asking at once get one answer. Each is
written only while it guards something (a forward under way; an instance's payments in flight,
see backend/fleet/instance.py), so an idle backend leaves them to run out and writes nothing.
"""

from __future__ import annotations

from sqlalchemy import Connection, Select, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from backend.db.tables import Lease

# Names of the leases that say a backend instance is alive (backend/fleet/instance.py).
INSTANCE_PREFIX = "instance:"


def take(conn: Connection, name: str, holder: str, *, now_ms: int, ttl_ms: int) -> bool:
    """The lease is ours if it is free, expired, or already ours; taking it again renews it."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    # A second process inserting the same name at the same moment must lose quietly, not fail.
    conn.execute(
        dialect.insert(Lease)
        .values(name=name, holder=holder, expires_at_ms=now_ms + ttl_ms)
        .on_conflict_do_nothing(index_elements=[Lease.name])
    )
    taken = conn.execute(
        update(Lease)
        .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at_ms <= now_ms))
        .values(holder=holder, expires_at_ms=now_ms + ttl_ms)
    )
    return taken.rowcount == 1


def release(conn: Connection, name: str, holder: str) -> None:
    conn.execute(
        update(Lease).where(and_(Lease.name == name, Lease.holder == holder)).values(expires_at_ms=0)
    )


def live_holders(prefix: str, now_ms: int) -> Select[tuple[str]]:
    """Holders of the unexpired leases whose names start with `prefix`, as a subquery."""
    return select(Lease.holder).where(Lease.name.startswith(prefix, autoescape=True), Lease.expires_at_ms > now_ms)
