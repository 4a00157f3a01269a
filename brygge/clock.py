"""UTC timestamps as text, one format for every record the platform writes: ISO 8601
with a "Z", milliseconds by default, as JavaScript's `new Date().toISOString()` (so
strings written by guests and by the platform compare and sort alike)."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(t: datetime | float, timespec: str = "milliseconds") -> str:
    """`t` (an aware datetime, or epoch milliseconds) in UTC; `timespec` as
    datetime.isoformat ("seconds" for cron ticks and their headers)."""
    if not isinstance(t, datetime):
        t = datetime.fromtimestamp(t / 1000, UTC)
    return t.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def now_iso() -> str:
    return iso(datetime.now(UTC))
