"""A session's events as an operator reads them: what happened, why, and what it led to."""

from __future__ import annotations

from dataclasses import dataclass

from smartcart_desktop.api.models import SessionEvent

# kind → (title, tone). Tones colour the timeline: good, bad, warn, info.
_KINDS: dict[str, tuple[str, str]] = {
    "created": ("Created", "info"),
    "attempt": ("Sent to the gateway", "info"),
    "retry": ("Automatic retry", "info"),
    "resumed": ("Resumed", "info"),
    "interrupted": ("Interrupted", "warn"),
    "lookup": ("Looked up at the gateway", "info"),
    "lookup_failed": ("Gateway look-up failed", "warn"),
    "completed": ("Completed", "good"),
    "declined": ("Declined", "bad"),
    "cancel_requested": ("Cancel requested", "warn"),
    "cancelled": ("Cancelled", "bad"),
    "settle_requested": ("Settling", "info"),
    "expired": ("Expired", "bad"),
    "failed_max_retries": ("Failed: no attempts left", "bad"),
    "operator_reconcile": ("Operator: check with the gateway", "warn"),
    "offline_accepted": ("Accepted offline", "warn"),
    "forward_sent": ("Forwarded to the gateway", "info"),
    "forward_refused": ("Forward refused", "warn"),
    "forwarded": ("Forwarded", "good"),
}


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    kind: str
    title: str
    reason: str
    status: str  # the status the event moved the session to, or "" when it did not move it
    tone: str


def entry_of(event: SessionEvent) -> TimelineEntry:
    title, tone = _KINDS.get(event.kind, (event.kind.replace("_", " ").capitalize(), "info"))
    if event.kind in ("attempt", "resumed", "retry") and event.attempt:
        title = f"{title} (attempt {event.attempt})"
    parts = [p for p in (event.reason, event.detail) if p]
    if event.kind in ("attempt", "resumed") and event.reason and event.reason.startswith("attempt"):
        parts = [p for p in parts if p != event.reason]  # already in the title
    moved = event.to_status is not None and event.to_status != event.from_status
    status = event.to_status.value if moved and event.to_status is not None else ""
    return TimelineEntry(kind=event.kind, title=title, reason=" — ".join(parts), status=status, tone=tone)
