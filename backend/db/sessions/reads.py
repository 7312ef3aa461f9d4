"""Reading payment sessions: by id, their history, and the lists the background passes walk."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, and_, bindparam, or_, select, text

from backend.db import leases
from backend.db.prepared import Prepared, PreparedIn
from backend.db.sessions.mapping import COLUMNS, event_of, record_of, record_of_row
from backend.db.tables import OPEN_STATUS_SQL, PaymentSession, SessionEvent, table_of
from backend.errors import NotFound
from backend.payments.records import EventRecord, SessionRecord
from smartcart_contract.states import OPEN, Status

_S = PaymentSession
_T = table_of(PaymentSession)


# The hot path runs on the driver cursor (see prepared.py): these are compiled once.
_SELECT_BY_ID = Prepared(select(*COLUMNS, _T.c.version).where(_T.c.id == bindparam("b_id")))


_SELECT_EVENTS = Prepared(
    select(table_of(SessionEvent))
    .where(table_of(SessionEvent).c.session_id == bindparam("b_id"))
    .order_by(table_of(SessionEvent).c.id)
)


def read_row(conn: Connection, session_id: str) -> tuple[SessionRecord, int]:
    row = _SELECT_BY_ID.one(conn, {"b_id": session_id})
    if row is None:
        raise NotFound("No payment session with this id.", code="session_not_found")
    return record_of(row), row["version"]


def get(conn: Connection, session_id: str, *, kiosk_id: str | None = None) -> SessionRecord:
    """`kiosk_id`: as that kiosk sees it (see `visible`); None: any kiosk's session."""
    return visible(read_row(conn, session_id)[0], kiosk_id)


def visible(session: SessionRecord, kiosk_id: str | None) -> SessionRecord:
    """Another kiosk's session is not found, exactly as an unknown id: a 403 would tell it exists."""
    if kiosk_id is not None and session.kiosk_id != kiosk_id:
        raise NotFound("No payment session with this id.", code="session_not_found")
    return session


def events(conn: Connection, session: SessionRecord) -> list[EventRecord]:
    """The session's history, starting with its creation (derived from created_at_ms)."""
    created = EventRecord(
        id=0,
        session_id=session.id,
        at_ms=session.created_at_ms,
        kind="created",
        from_status=None,
        to_status=Status.INITIATED,
        attempt=None,
        reason=None,
        detail=None,
    )
    return [created, *(event_of(row) for row in _SELECT_EVENTS.all(conn, {"b_id": session.id}))]


def list_open(conn: Connection, kiosk_id: str | None = None) -> list[SessionRecord]:
    """`kiosk_id`: that kiosk's only; None: every kiosk's."""
    statement = select(*COLUMNS).where(text(OPEN_STATUS_SQL)).order_by(_S.created_at_ms)
    if kiosk_id is not None:
        statement = statement.where(_S.kiosk_id == kiosk_id)
    return [record_of_row(row) for row in conn.execute(statement)]


def finished_among(conn: Connection, session_ids: Collection[str]) -> set[str]:
    """Those of the ids that are terminal or no longer exist."""
    rows = conn.execute(
        select(_S.id, _S.status).where(_S.id.in_(list(session_ids)))
    )
    still_open = {row.id for row in rows if row.status in OPEN}
    return set(session_ids) - still_open


def ids_by_key(conn: Connection, keys: Collection[str]) -> dict[str, str]:
    if not keys:
        return {}
    rows = conn.execute(select(_S.idempotency_key, _S.id).where(_S.idempotency_key.in_(list(keys))))
    return {row.idempotency_key: row.id for row in rows}


def takeable(owner: str, now_ms: int) -> Any:
    """Sessions `owner` may drive: its own, no one's, or those of an instance whose lease ran out.
    Never a replica (backend/sync/): its kiosk drives it, and that kiosk holds no lease here."""
    return and_(_S.replica.is_(False), or_(_S.owner == owner, _unowned(now_ms)))


def _unowned(now_ms: int) -> Any:
    live = leases.live_holders(leases.INSTANCE_PREFIX, now_ms)
    return or_(_S.owner.is_(None), _S.owner.not_in(live))


def orphaned(owner: str, now_ms: int) -> Any:
    """Sessions of no live instance other than `owner`. An instance never counts as dead to
    itself, even when a jump of its clock makes its own lease look run out. A replica is never
    an orphan: its kiosk is alive elsewhere."""
    return and_(_S.replica.is_(False), _unowned(now_ms), or_(_S.owner.is_(None), _S.owner != owner))


def ids_to_reconcile(conn: Connection, owner: str, now_ms: int) -> list[str]:
    """What `owner`'s reconciler should drive: interrupted sessions it may take over whose last
    outcome is unknown or that wait to settle, and its own attempts in flight (their driver
    may have stopped on a failed write)."""
    rows = conn.execute(
        select(_S.id)
        .where(
            or_(
                and_(
                    _S.status == Status.INTERRUPTED,
                    (_S.outcome_unknown.is_(True)) | (_S.settle_to.is_not(None)),
                    takeable(owner, now_ms),
                ),
                and_(_S.status == Status.PROCESSING, _S.owner == owner, _S.replica.is_(False)),
            )
        )
        .order_by(_S.updated_at_ms)
    )
    return [row.id for row in rows]


def has_orphaned_attempts(conn: Connection, owner: str, now_ms: int) -> bool:
    """Attempts in flight whose instance died: `owner` should interrupt and take them over."""
    orphans = select(_S.id).where(_S.status == Status.PROCESSING, orphaned(owner, now_ms))
    return conn.execute(orphans.limit(1)).first() is not None


def owns_work_in_flight(conn: Connection, owner: str) -> bool:
    """Whether `owner` drives a session that another instance would take over once `owner`'s
    lease ran out: an attempt in flight, or an interrupted one whose outcome is unknown or that
    waits to settle (the sessions has_orphaned_attempts and ids_to_reconcile hand over)."""
    in_flight = select(_S.id).where(
        _S.owner == owner,
        or_(
            _S.status == Status.PROCESSING,
            and_(
                _S.status == Status.INTERRUPTED,
                (_S.outcome_unknown.is_(True)) | (_S.settle_to.is_not(None)),
            ),
        ),
    )
    return conn.execute(in_flight.limit(1)).first() is not None


_SELECT_MANY_BY_ID = PreparedIn(
    select(*COLUMNS, _T.c.version).where(_T.c.id.in_(bindparam("b_ids", expanding=True))), "b_ids"
)


def read_rows(conn: Connection, session_ids: Collection[str]) -> dict[str, tuple[SessionRecord, int]]:
    """Many sessions with their row versions in one statement; an unknown id is left out."""
    rows = _SELECT_MANY_BY_ID.all(conn, sorted(session_ids))
    return {row["id"]: (record_of(row), row["version"]) for row in rows}
