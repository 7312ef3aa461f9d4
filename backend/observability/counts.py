"""The business counts /metrics reports, read from the database at scrape time: they cover
every process of a fleet that shares the database, and need no hook in the payment engine."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from backend.db.tables import OfflinePayment, PaymentSession, SessionEvent, SyncOutbox
from smartcart_contract.states import Reason

_S = PaymentSession
_E = SessionEvent
_O = OfflinePayment
_REASONS = frozenset(r.value for r in Reason)
# The completed event of a charge a look-up found says so (backend/payments/engine.py).
_FOUND_BY_LOOKUP = "%found at the gateway"


@dataclass(frozen=True, slots=True)
class FleetCounts:
    # (status, method) → sessions; method "none" before a method is chosen
    payments: dict[tuple[str, str], int]
    attempts: dict[str, int]  # method → gateway attempts made
    lookups: dict[str, int]  # result → look-ups of an earlier attempt's outcome
    interruptions: dict[str, int]  # reason → interruptions
    offline_waiting: int
    offline_oldest_accepted_at_ms: int | None
    sync_waiting: int = 0  # a kiosk's outbox rows not yet acknowledged by the fleet server


def fleet_counts(conn: Connection) -> FleetCounts:
    method = func.coalesce(_S.method, "none")
    payments = {
        (status, m): n
        for status, m, n in conn.execute(select(_S.status, method, func.count()).group_by(_S.status, method))
    }
    attempts = {
        m: int(n or 0) for m, n in conn.execute(select(method, func.sum(_S.attempts)).group_by(method))
    }
    lookups = {"no_charge": 0, "failed": 0, "found_charge": 0}
    for kind, n in conn.execute(
        select(_E.kind, func.count()).where(_E.kind.in_(("lookup", "lookup_failed"))).group_by(_E.kind)
    ):
        lookups["no_charge" if kind == "lookup" else "failed"] = n
    lookups["found_charge"] = conn.execute(
        select(func.count()).where(_E.kind == "completed", _E.reason.like(_FOUND_BY_LOOKUP))
    ).scalar_one()
    interruptions: dict[str, int] = dict.fromkeys(sorted(_REASONS), 0)
    for reason, n in conn.execute(
        select(_E.reason, func.count()).where(_E.kind == "interrupted").group_by(_E.reason)
    ):
        # a reason outside the enum would be a label value nobody bounded
        key = str(reason) if reason in _REASONS else "OTHER"
        interruptions[key] = interruptions.get(key, 0) + n
    waiting, oldest = conn.execute(
        select(func.count(), func.min(_O.accepted_at_ms)).where(_O.outcome.is_(None))
    ).one()
    return FleetCounts(
        payments=payments,
        attempts=attempts,
        lookups=lookups,
        interruptions=interruptions,
        offline_waiting=waiting,
        offline_oldest_accepted_at_ms=oldest,
        sync_waiting=conn.execute(select(func.count()).select_from(SyncOutbox)).scalar_one(),
    )
