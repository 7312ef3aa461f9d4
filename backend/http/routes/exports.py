"""Admin export of payment sessions: CSV, JSON or a PDF summary, streamed as it is produced."""

from __future__ import annotations

import logging

from aiohttp import web

from backend.app_keys import CLOCK, DATABASE
from backend.exports import ExportJob, ExportQuery, ThreadedStream
from backend.http import request_id
from backend.http.access import Role
from backend.http.endpoint import endpoint

log = logging.getLogger(__name__)

routes = web.RouteTableDef()


@routes.get("/api/payments/sessions/export", allow_head=False)  # HEAD would run a whole export
@endpoint(
    role=Role.ADMIN,
    summary="Download payment sessions as CSV (default), JSON or a printable PDF summary; streamed",
    query=ExportQuery,
    responses={200: None},
    content_types={200: "text/csv,application/json,application/pdf"},
)
async def export_sessions(request: web.Request, query: ExportQuery) -> web.StreamResponse:
    job = ExportJob(
        request.app[DATABASE].url,
        query.format,
        query.criteria(),
        generated_at_ms=request.app[CLOCK](),
    )
    # Every query and every row's formatting happen on the stream's own thread; the loop only
    # moves finished chunks to the socket.
    stream = ThreadedStream(job.chunks, name=f"export-{query.format}").start()
    try:
        # Nothing is sent before the first chunk: a failure to read the database still gets
        # a proper JSON error from the error middleware.
        chunk = await stream.next()
        response = request_id.tag(
            web.StreamResponse(
                headers={
                    "Content-Disposition": f'attachment; filename="{job.file_name}"',
                    "Cache-Control": "no-store",
                    "X-Content-Type-Options": "nosniff",
                }
            )
        )
        response.content_type = job.info.content_type
        if job.info.charset:
            response.charset = job.info.charset
        response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            while chunk is not None:
                await response.write(chunk)
                chunk = await stream.next()
        except ConnectionError:
            log.info("export download abandoned by the client")
            return response
        except Exception:
            # The status line is gone already: cut the connection so the client sees a broken
            # download (no closing chunk) rather than a short file that looks complete.
            log.exception("export failed part-way; closing the connection")
            if request.transport is not None:
                request.transport.close()
            return response
        await response.write_eof()
        return response
    finally:
        stream.close()
