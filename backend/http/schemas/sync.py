"""Kiosk → fleet server replication (backend/sync/): a batch of session snapshots, its
acknowledgement, and the kiosk's sync status.

The snapshot models are made from the data layer's records, field for field, so a column added
to a record travels without a second list to keep in step; every field is required (the kiosk
sends all of them) and none is stripped or altered on the way.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Annotated, Any

from pydantic import ConfigDict, Field, create_model, model_validator

from backend.http.schemas.common import RequestModel, ResponseModel
from backend.payments.records import EventRecord, OrderItemRecord, OrderRecord, SessionRecord
from backend.refunds.records import RefundRecord
from backend.sync.snapshot import SessionSnapshot, limit_of

# Sessions per batch: the forwarder sends at most this many. Small enough that a batch one over
# it still fits the server's body limit, and is refused for its length (400), not its size (413).
MAX_SESSIONS = 20


class _Replicated(RequestModel):
    # What the kiosk recorded, exactly: a reason's spaces are part of its history.
    model_config = ConfigDict(str_strip_whitespace=False)


_SESSION_ID = r"^[0-9a-f]{32}$"  # what the API's routes accept: any other could never be read


def _bounded(hint: Any, record: str, field: str) -> Any:
    """The field's type with the limits of the column it is stored in, so that what a kiosk
    sends is refused with a 400 rather than failing in the database."""
    limit = limit_of(record, field)
    if limit is None:
        return hint
    optional = type(None) in typing.get_args(hint)
    base = next((a for a in typing.get_args(hint) if a is not type(None)), hint)
    if base is str and (limit.max_length or limit.text):
        base = Annotated[str, Field(max_length=limit.max_length, pattern=r"^[^\x00]*$")]
    elif base is int and limit.bits:
        base = Annotated[int, Field(ge=-(2**limit.bits), le=2**limit.bits - 1)]
    return base | None if optional else base


def _model_of(record: type[Any], name: str, stored_as: str, **overrides: Any) -> type[_Replicated]:
    hints = typing.get_type_hints(record)
    fields: dict[str, Any] = {
        f.name: (overrides.get(f.name, _bounded(hints[f.name], stored_as, f.name)), ...)
        for f in dataclasses.fields(record)
    }
    return create_model(name, __base__=_Replicated, **fields)


SessionIn = _model_of(SessionRecord, "SyncSessionRecord", "session", id=Annotated[str, Field(pattern=_SESSION_ID)])
EventIn = _model_of(EventRecord, "SyncEventRecord", "event", session_id=Annotated[str, Field(pattern=_SESSION_ID)])
OrderItemIn = _model_of(OrderItemRecord, "SyncOrderItem", "order_item")
OrderIn = _model_of(OrderRecord, "SyncOrder", "order", items=list[OrderItemIn])  # type: ignore[valid-type]
RefundIn = _model_of(RefundRecord, "SyncRefund", "refund", session_id=Annotated[str, Field(pattern=_SESSION_ID)])


class SyncSessionIn(_Replicated):
    session: SessionIn  # type: ignore[valid-type]
    version: int = Field(ge=0, le=2**31 - 1)
    events: list[EventIn]  # type: ignore[valid-type]
    order: OrderIn  # type: ignore[valid-type]
    refunds: list[RefundIn]  # type: ignore[valid-type]

    def snapshot(self) -> SessionSnapshot:
        order: dict[str, Any] = dict(self.order)
        items: list[Any] = order["items"]
        order["items"] = tuple(OrderItemRecord(**dict(item)) for item in items)
        return SessionSnapshot(
            session=SessionRecord(**dict(self.session)),
            version=self.version,
            events=tuple(EventRecord(**dict(event)) for event in self.events),
            order=OrderRecord(**order),
            refunds=tuple(RefundRecord(**dict(refund)) for refund in self.refunds),
        )

    @classmethod
    def wire(cls, snapshot: SessionSnapshot) -> dict[str, Any]:
        """The snapshot as JSON, camelCase like the rest of the API."""
        model = cls.model_validate(
            {
                "session": dataclasses.asdict(snapshot.session),
                "version": snapshot.version,
                "events": [dataclasses.asdict(event) for event in snapshot.events],
                "order": dataclasses.asdict(snapshot.order),
                "refunds": [dataclasses.asdict(refund) for refund in snapshot.refunds],
            }
        )
        wire: dict[str, Any] = model.model_dump(mode="json", by_alias=True)
        return wire


class SyncBatchIn(RequestModel):
    through_seq: int = Field(ge=1, le=2**62, description="the highest outbox seq this batch covers")
    sessions: list[SyncSessionIn] = Field(max_length=MAX_SESSIONS)

    @model_validator(mode="after")
    def _each_once(self) -> SyncBatchIn:
        snapshots = self.snapshots()
        ids = [s.session.id for s in snapshots]
        if len(set(ids)) != len(ids):
            raise ValueError("a batch names each session once")
        for snapshot in snapshots:
            event_ids = [event.id for event in snapshot.events]
            if len(set(event_ids)) != len(event_ids):
                raise ValueError("a session's events each have their own id")
        return self


    def snapshots(self) -> list[SessionSnapshot]:
        return [item.snapshot() for item in self.sessions]


class SyncAckOut(ResponseModel):
    through_seq: int = Field(description="the kiosk may delete its outbox up to this seq")


class SyncStatusOut(ResponseModel):
    enabled: bool = Field(description="a fleet server is configured (SMARTCART_SYNC_URL)")
    pending: int = Field(description="outbox rows not yet acknowledged by the server")
    last_success_at: str | None
    last_error: str | None
    last_error_at: str | None
    refused: bool = Field(
        False, description="the server answered the last try with a 4xx: resending will not help until the cause is fixed"
    )
    refused_status: int | None = Field(None, description="the server's HTTP status, when it refused")
    refused_code: str | None = Field(None, description="the server's error code, e.g. sync_invoice_clash")
    refused_message: str | None = Field(None, description="the server's message, for the kiosk's operator")
