"""Short human durations and times for the admin tables ("4 m 05 s", "14:03:27")."""

from __future__ import annotations

from datetime import UTC, datetime


def short_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} m"
    if minutes:
        return f"{minutes} m {secs:02d} s"
    return f"{secs} s"


def local_time(moment: datetime | None, now: datetime | None = None) -> str:
    """Local wall-clock time; the date too when it is not today."""
    if moment is None:
        return "—"
    local = moment.astimezone()
    today = (now or datetime.now(UTC)).astimezone().date()
    if local.date() == today:
        return local.strftime("%H:%M:%S")
    return local.strftime("%Y-%m-%d %H:%M")
