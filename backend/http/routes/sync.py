"""Kiosk → fleet server replication: the server's batch endpoint and the kiosk's sync status."""

from __future__ import annotations

from aiohttp import web

from backend.app_keys import DATABASE, SYNC
from backend.clock import iso
from backend.errors import Forbidden
from backend.http.access import Role, kiosk_scope
from backend.http.endpoint import endpoint, json_response
from backend.http.schemas.sync import SyncAckOut, SyncBatchIn, SyncStatusOut
from backend.sync.apply import apply_batch

routes = web.RouteTableDef()


@routes.post("/api/sync/batch")
@endpoint(
    role=Role.KIOSK,
    summary="Apply a kiosk's replicated sessions (fleet server); idempotent on the batch's seq",
    body=SyncBatchIn,
    responses={200: SyncAckOut},
    errors=(403, 409),
)
async def sync_batch(request: web.Request, body: SyncBatchIn) -> web.Response:
    # Whose sessions these are comes from the token, never from the payload.
    kiosk_id = kiosk_scope(request)
    if kiosk_id is None:
        raise Forbidden("Only a kiosk's own token may replicate its sessions.")
    snapshots = body.snapshots()
    through = await request.app[DATABASE].write(
        lambda conn: apply_batch(conn, kiosk_id, body.through_seq, snapshots)
    )
    return json_response(SyncAckOut(through_seq=through))


@routes.get("/api/sync/status")
@endpoint(role=Role.KIOSK, summary="What this kiosk still has to send to the fleet server", responses={200: SyncStatusOut})
async def sync_status(request: web.Request) -> web.Response:
    forwarder = request.app.get(SYNC)
    if forwarder is None:
        return json_response(
            SyncStatusOut(enabled=False, pending=0, last_success_at=None, last_error=None, last_error_at=None)
        )
    status = await forwarder.status()
    refusal = status.refusal
    return json_response(
        SyncStatusOut(
            enabled=True,
            pending=status.pending,
            last_success_at=iso(status.last_success_ms),
            last_error=status.last_error,
            last_error_at=iso(status.last_error_ms),
            refused=refusal is not None,
            refused_status=refusal.status if refusal else None,
            refused_code=refusal.code if refusal else None,
            refused_message=refusal.message if refusal else None,
        )
    )
