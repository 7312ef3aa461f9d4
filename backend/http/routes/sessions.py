"""Payment session endpoints used by the kiosk."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from backend.app_keys import ADMIN_PIN, CHANGES, DATABASE, SESSIONS, SETTINGS
from backend.errors import Forbidden, InvalidInput, NotFound
from backend.http.access import Role, caller_role, kiosk_scope
from backend.http.endpoint import endpoint, json_response, session_id_param
from backend.http.event_stream import EventStream
from backend.http.schemas.payment_details import (
    CardPresentPaymentIn,
    PayIn,
    ResumeIn,
    UpiQrPaymentIn,
    ValidateIn,
    ValidateOut,
)
from backend.http.schemas.sessions import (
    ActiveSessionsOut,
    CancelIn,
    CompleteIn,
    CreateSessionIn,
    InterruptIn,
    PayAcceptedOut,
    SessionCreatedOut,
    SessionOut,
    SessionQuery,
    SummaryOut,
)
from backend.payments import card_rules
from smartcart_contract.payment_methods import PaymentMethod
from smartcart_contract.states import TERMINAL, Reason, Status

routes = web.RouteTableDef()

_SESSION_ERRORS = (404, 409)


def _offered(request: web.Request, method: PaymentMethod) -> None:
    """A kiosk with no terminal (or no cash drawer) says so in its settings: refuse the method."""
    if method not in request.app[SETTINGS].payment_methods:
        raise InvalidInput(f"This kiosk does not take {method} payments.", code="method_not_offered")


@routes.post("/api/payments/session/create")
@endpoint(
    role=Role.KIOSK,
    summary="Open a payment session for an order (or get the one already open)",
    body=CreateSessionIn,
    responses={201: SessionCreatedOut, 200: SessionCreatedOut},
    errors=_SESSION_ERRORS,
)
async def create_session(request: web.Request, body: CreateSessionIn) -> web.Response:
    session, created = await request.app[SESSIONS].create(body.order_id, kiosk=kiosk_scope(request))
    return json_response(SessionCreatedOut.of(session, created=created), status=201 if created else 200)


@routes.get("/api/payments/sessions/unfinished")
@endpoint(
    role=Role.KIOSK,
    summary="Payments a kiosk should offer to resume: interrupted or still in flight",
    responses={200: ActiveSessionsOut},
)
async def unfinished_sessions(request: web.Request) -> web.Response:
    service = request.app[SESSIONS]
    sessions = [
        SessionOut.of(service.view(s))
        for s in await service.active(kiosk=kiosk_scope(request))
        if s.status in (Status.PROCESSING, Status.INTERRUPTED)
    ]
    return json_response(ActiveSessionsOut(sessions=sessions, total=len(sessions)))


@routes.get("/api/payments/session/{session_id:[0-9a-f]{32}}")
@endpoint(
    role=Role.KIOSK,
    summary="A session (with its history if asked: ?history=1)",
    query=SessionQuery,
    responses={200: SessionOut},
    errors=(404,),
)
async def get_session(request: web.Request, query: SessionQuery) -> web.Response:
    service = request.app[SESSIONS]
    session, _version, events = await service.get_versioned(
        session_id_param(request), history=query.history, kiosk=kiosk_scope(request)
    )
    return json_response(SessionOut.of(service.view(session, events=events)))


@routes.get("/api/payments/session/{session_id:[0-9a-f]{32}}/stream")
@endpoint(
    role=Role.KIOSK,
    summary="Server-sent events: the session now, then at every change until it has ended. "
    "Each event's id is the session's version; every (re)connection starts with the current session.",
    query=SessionQuery,
    responses={200: SessionOut},
    content_types={200: "text/event-stream"},
    errors=(404,),
)
async def stream_session(request: web.Request, query: SessionQuery) -> web.StreamResponse:
    service, changes = request.app[SESSIONS], request.app[CHANGES]
    heartbeat_s = request.app[SETTINGS].stream_heartbeat_s
    session_id, kiosk = session_id_param(request), kiosk_scope(request)
    # Watching before the first read: a change committed meanwhile wakes the watch, never lost.
    with changes.watch(session_id) as watch:
        session, version, events = await service.get_versioned(session_id, history=query.history, kiosk=kiosk)
        stream = EventStream(request)
        await stream.open()
        sent: bytes | None = None
        try:
            # Closing: the server is shutting down; the client comes back to the next one.
            while True:
                out = SessionOut.of(service.view(session, events=events))
                data = out.__pydantic_serializer__.to_json(out, by_alias=True)
                # Unchanged when the wake was for another reason (our own commit heard again by
                # LISTEN, a reconnection of it): nothing to send.
                if data != sent:
                    await stream.send(data, event_id=str(version))
                    sent = data
                if session.status in TERMINAL or changes.closing:
                    break
                woken = await watch.wait(heartbeat_s)
                if not woken:
                    await stream.comment("keep-alive")
                    if changes.hears_other_processes:
                        continue
                    # Another process on the same SQLite file commits without telling us.
                session, version, events = await service.get_versioned(session_id, history=query.history, kiosk=kiosk)
            await stream.close()
        except (ConnectionResetError, NotFound):
            pass  # the client went away, or the session was purged: the stream simply ends
    return stream.response


@routes.post("/api/payments/session/{session_id:[0-9a-f]{32}}/pay")
@endpoint(
    role=Role.KIOSK,
    summary="Pay: show a UPI QR (upi_qr), start the card terminal (card_present), or a typed card or "
    "UPI id; the attempt runs in the background. Answers the session.",
    body=PayIn,
    responses={202: PayAcceptedOut},
    errors=_SESSION_ERRORS,
)
async def pay(request: web.Request, body: PayIn) -> web.Response:
    service = request.app[SESSIONS]
    details = body.root
    if isinstance(details, UpiQrPaymentIn | CardPresentPaymentIn):
        method = PaymentMethod(details.method)
        _offered(request, method)
        session = await service.pay_waiting(session_id_param(request), method, kiosk=kiosk_scope(request))
    else:
        session = await service.pay(session_id_param(request), details.source(), kiosk=kiosk_scope(request))
    out = PayAcceptedOut.accepted(service.view(session), message="Processing payment...")
    return json_response(out, status=202)


@routes.post("/api/payments/session/{session_id:[0-9a-f]{32}}/resume")
@endpoint(
    role=Role.KIOSK,
    summary="Resume an interrupted payment (looks up the last attempt first). Answers the session.",
    body=ResumeIn,
    body_required=False,
    responses={202: PayAcceptedOut, 200: PayAcceptedOut},
    errors=_SESSION_ERRORS,
)
async def resume(request: web.Request, body: ResumeIn) -> web.Response:
    service = request.app[SESSIONS]
    details = body.details()
    session, message = await service.resume(
        session_id_param(request), details.source() if details else None, kiosk=kiosk_scope(request)
    )
    out = PayAcceptedOut.accepted(service.view(session), message=message)
    return json_response(out, status=200 if session.status in TERMINAL else 202)


@routes.post("/api/payments/session/{session_id:[0-9a-f]{32}}/complete")
@endpoint(
    role=Role.KIOSK,
    summary="Complete a cash payment confirmed by the operator's PIN (the kiosk token alone: 403)",
    body=CompleteIn,
    responses={200: SessionOut},
    errors=(403, 404, 409, 429),
)
async def complete(request: web.Request, body: CompleteIn) -> web.Response:
    service = request.app[SESSIONS]
    session_id = session_id_param(request)
    _offered(request, PaymentMethod.CASH)
    if body.operator_pin is None:
        raise Forbidden("Cash is confirmed by the operator: their PIN is required.", code="operator_pin_required")
    # The admin PIN's check, with its lockout (backend/http/admin_pin.py).
    from_window = caller_role(request) is Role.ADMIN
    await request.app[ADMIN_PIN].check(request.app[DATABASE], body.operator_pin.get_secret_value(), from_window=from_window)
    session = await service.complete_cash(session_id, body.amount_received_minor, kiosk=kiosk_scope(request))
    return json_response(SessionOut.of(service.view(session), message="Cash payment recorded"))


@routes.post("/api/payments/session/{session_id:[0-9a-f]{32}}/cancel")
@endpoint(
    role=Role.KIOSK,
    summary="Cancel; if a request may have reached the gateway, it is voided first (202)",
    body=CancelIn,
    body_required=False,
    responses={200: SessionOut, 202: SessionOut},
    errors=_SESSION_ERRORS,
)
async def cancel(request: web.Request, body: CancelIn) -> web.Response:
    service = request.app[SESSIONS]
    session = await service.cancel(session_id_param(request), body.reason, kiosk=kiosk_scope(request))
    if session.status in TERMINAL:
        return json_response(SessionOut.of(service.view(session), message="Payment cancelled"))
    message = "Cancelling: making sure no charge stands at the gateway..."
    return json_response(SessionOut.of(service.view(session), message=message), status=202)


@routes.post("/api/payments/session/{session_id:[0-9a-f]{32}}/interrupt")
@endpoint(
    role=Role.KIOSK,
    summary="Report an interruption seen by the client (e.g. APP_CLOSED)",
    body=InterruptIn,
    responses={200: SessionOut},
    errors=_SESSION_ERRORS,
)
async def interrupt(request: web.Request, body: InterruptIn) -> web.Response:
    service = request.app[SESSIONS]
    session = await service.interrupt(
        session_id_param(request), Reason(body.reason), body.detail, kiosk=kiosk_scope(request)
    )
    return json_response(SessionOut.of(service.view(session), message="Interruption recorded"))


@routes.get("/api/payments/session/{session_id:[0-9a-f]{32}}/summary")
@endpoint(role=Role.KIOSK, summary="The seed's session summary", responses={200: SummaryOut}, errors=(404,))
async def summary(request: web.Request) -> web.Response:
    service = request.app[SESSIONS]
    session = await service.get(session_id_param(request), kiosk=kiosk_scope(request))
    return json_response(SummaryOut.of(service.view(session)))


@routes.post("/api/payments/validate")
@endpoint(
    role=Role.KIOSK,
    summary="Check payment fields as they are typed (values are never echoed)",
    body=ValidateIn,
    responses={200: ValidateOut},
)
async def validate(request: web.Request, body: ValidateIn) -> web.Response:
    checks: dict[str, tuple[str | None, Callable[[str], str | None]]] = {
        "number": (body.number, card_rules.card_number_problem),
        "expiry": (body.expiry, card_rules.expiry_problem),
        "cvv": (body.cvv, card_rules.cvv_problem),
        "upiId": (body.upi_id, card_rules.upi_problem),
        "holder": (body.holder, lambda h: None if h.strip() else "Name on card is required."),
    }
    errors = {
        name: problem
        for name, (value, rule) in checks.items()
        if value is not None and (problem := rule(value))
    }
    digits = card_rules.normalise_card_number(body.number or "")
    brand = card_rules.card_brand(digits) if digits[:4].isdigit() and len(digits) >= 4 else None
    return json_response(ValidateOut(valid=not errors, errors=errors, brand=brand))
