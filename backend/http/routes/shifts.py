"""Shift endpoints: they need the admin token."""

from __future__ import annotations

import asyncio

from aiohttp import web

from backend.app_keys import CLOCK, SHIFTS
from backend.http.access import Role
from backend.http.endpoint import endpoint, int_param, json_response
from backend.http.schemas.shifts import CloseShiftIn, OpenShiftIn, ReportQuery, ShiftOut, ZReportOut
from backend.shifts.z_csv import z_csv

routes = web.RouteTableDef()


@routes.post("/api/shifts/open")
@endpoint(role=Role.ADMIN, summary="Open a shift with the float in the drawer (409 while one is open)",
          body=OpenShiftIn, responses={201: ShiftOut}, errors=(409,))
async def open_shift(request: web.Request, body: OpenShiftIn) -> web.Response:
    shift = await request.app[SHIFTS].open(body.opening_float_minor)
    return json_response(ShiftOut.of(shift), status=201)


@routes.get("/api/shifts/current")
@endpoint(role=Role.ADMIN, summary="The open shift and its figures so far (404: none is open)",
          responses={200: ShiftOut}, errors=(404,))
async def current_shift(request: web.Request) -> web.Response:
    shift, z = await request.app[SHIFTS].current()
    return json_response(ShiftOut.of(shift, z))


@routes.post("/api/shifts/current/close")
@endpoint(role=Role.ADMIN, summary="Close the open shift with the counted cash: answers its Z report, "
          "reconciled with the gateway's ledger", body=CloseShiftIn, responses={200: ShiftOut}, errors=(404, 409))
async def close_shift(request: web.Request, body: CloseShiftIn) -> web.Response:
    shift, z = await request.app[SHIFTS].close(body.counted_cash_minor, body.note)
    return json_response(ShiftOut.of(shift, z))


@routes.get("/api/shifts/{shift_id}/report")
@endpoint(role=Role.ADMIN, summary="A shift's Z report as JSON, CSV or PDF (an open shift's: its figures so far)",
          query=ReportQuery, responses={200: ZReportOut}, errors=(404,),
          content_types={200: "application/json,text/csv,application/pdf"})
async def shift_report(request: web.Request, query: ReportQuery) -> web.StreamResponse:
    shift_id = int_param(request, "shift_id", "shift")
    _, z = await request.app[SHIFTS].report(shift_id)
    if query.format == "json":
        return json_response(ZReportOut.of(z))
    name = f"z-report-shift-{shift_id}.{query.format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if query.format == "csv":
        return web.Response(body=z_csv(z), content_type="text/csv", charset="utf-8", headers=headers)
    from backend.shifts.z_pdf import z_pdf  # fpdf loads only when a PDF is asked for

    now = request.app[CLOCK]()
    pdf = await asyncio.to_thread(z_pdf, z, generated_at_ms=now)
    return web.Response(body=pdf, content_type="application/pdf", headers=headers)
