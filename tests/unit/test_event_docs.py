"""The cutoff of the realtime event-document sweep compares as a string with the
`timestamp` codehooks-js writes (`new Date().toISOString()`)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from control_plane.event_docs import cutoff_iso, sweep


def test_cutoff_has_the_format_of_to_iso_string() -> None:
    now = datetime(2026, 11, 23, 12, 0, 0, 5000, tzinfo=UTC)
    assert cutoff_iso(3600, now) == "2026-11-23T11:00:00.005Z"
    assert "2026-11-23T10:59:59.999Z" < cutoff_iso(3600, now) < "2026-11-23T11:00:00.006Z"


def test_a_ttl_of_zero_keeps_everything_without_touching_storage() -> None:
    assert asyncio.run(sweep(None, [{"id": "s"}], 0)) == 0
