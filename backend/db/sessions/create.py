"""Creating payment sessions as one batched write (group commit hands a batch to `run_many`)."""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select, text

from backend.db.prepared import InsertMany, PreparedIn
from backend.db.sessions import changed
from backend.db.sessions.mapping import COLUMNS, record_of
from backend.db.tables import OPEN_STATUS_SQL, Order, PaymentSession, table_of
from backend.errors import Conflict, NotFound
from backend.payments.records import SessionRecord
from smartcart_contract.states import OrderStatus, Status

_T = table_of(PaymentSession)


# The orders and the id of each one's open session, in one look-up. The open-status test is
# written out so that SQLite can use the partial unique index on (order_id) WHERE status is open.
# Only the id: most orders of a batch have no open session, and reading all of a session's
# columns for each of them (NULLs, on SQLite in one JSON array) cost a batch of 64 creates
# 0.15 ms of the writer's 2 ms.
_SELECT_ORDERS_WITH_OPEN_SESSION = PreparedIn(
    select(
        Order.id.label("order_id_"),
        Order.status.label("order_status"),
        Order.total_minor.label("order_total_minor"),
        Order.currency.label("order_currency"),
        Order.kiosk_id.label("order_kiosk_id"),
        _T.c.id.label("open_session_id"),
    )
    .select_from(Order)
    .outerjoin(_T, and_(_T.c.order_id == Order.id, text("payment_sessions." + OPEN_STATUS_SQL)))
    .where(Order.id.in_(bindparam("b_order_ids", expanding=True))),
    "b_order_ids",
)

# Those open sessions in full. Still open is asked again: on PostgreSQL another process may
# have finished one since the look-up above, and a finished session is not returned as the
# order's open one (its order then gets a new session, as a look-up a moment later would say).
_SELECT_OPEN_SESSIONS = PreparedIn(
    select(*COLUMNS)
    .where(_T.c.id.in_(bindparam("b_session_ids", expanding=True)))
    .where(text("payment_sessions." + OPEN_STATUS_SQL)),
    "b_session_ids",
)


# A new session's columns that are not NULL; `version` (0) goes last.
_NEW_SESSION_FIELDS = tuple(
    f.name for f in dataclasses.fields(SessionRecord) if f.default is not None
)


_INSERT_NEW_SESSIONS = InsertMany(_T, [*_NEW_SESSION_FIELDS, "version"])
_new_session_values = operator.attrgetter(*_NEW_SESSION_FIELDS)


@dataclass(frozen=True, slots=True)
class NewSession:
    session_id: str
    idempotency_key: str
    order_id: int
    max_attempts: int
    now_ms: int
    ttl_ms: int
    # Where the lifetime starts: the steady timeline (backend/clock.py); None: now_ms.
    steady_ms: int | None = None
    # The kiosk asking: another kiosk's order is not found; None (the admin): any order.
    kiosk_id: str | None = None


class _CreateSessions:
    """Session creation as a batched write: the whole batch costs three statements.

    For each request: the order's open session if it has one (created=False), otherwise a new
    session (created=True). Two requests for one order in the same batch get the same session.
    """

    def run_one(self, conn: Connection, item: NewSession) -> tuple[SessionRecord, bool]:
        result = self.run_many(conn, [item])[0]
        if isinstance(result, Exception):
            raise result
        return result

    def run_many(
        self, conn: Connection, items: list[NewSession]
    ) -> list[tuple[SessionRecord, bool] | Exception]:
        rows = _SELECT_ORDERS_WITH_OPEN_SESSION.all(conn, sorted({i.order_id for i in items}))
        found = {row["order_id_"]: row for row in rows}
        open_ids = [row["open_session_id"] for row in rows if row["open_session_id"] is not None]
        open_by_order: dict[int, SessionRecord] = {
            row["order_id"]: record_of(row) for row in _SELECT_OPEN_SESSIONS.all(conn, open_ids)
        }
        results: list[tuple[SessionRecord, bool] | Exception] = []
        created: list[SessionRecord] = []
        for item in items:
            order = found.get(item.order_id)
            if order is None or item.kiosk_id not in (None, order["order_kiosk_id"]):
                results.append(NotFound("No order with this id.", code="order_not_found"))
            elif order["order_status"] == OrderStatus.PAID:
                results.append(
                    Conflict("This order is already paid.", code="order_paid", status=OrderStatus.PAID)
                )
            elif item.order_id in open_by_order:
                results.append((open_by_order[item.order_id], False))
            else:
                record = _new_session(item, order)
                created.append(record)
                open_by_order[item.order_id] = record
                results.append((record, True))
        # No event row: the history's "created" entry is read from created_at_ms (see events()).
        _INSERT_NEW_SESSIONS.run(conn, [(*_new_session_values(r), 0) for r in created])
        # A new session is a change too: the sync outbox (backend/sync/outbox.py) must carry it
        # even before its first move.
        changed.mark(conn, (r.id for r in created))
        return results


CREATE_SESSIONS = _CreateSessions()


def _new_session(item: NewSession, order: Mapping[str, Any]) -> SessionRecord:
    return SessionRecord(
        id=item.session_id,
        order_id=item.order_id,
        status=Status.INITIATED,
        idempotency_key=item.idempotency_key,
        amount_minor=order["order_total_minor"],
        currency=order["order_currency"],
        max_attempts=item.max_attempts,
        created_at_ms=item.now_ms,
        updated_at_ms=item.now_ms,
        expires_at_ms=(item.now_ms if item.steady_ms is None else item.steady_ms) + item.ttl_ms,
        kiosk_id=order["order_kiosk_id"],
    )
