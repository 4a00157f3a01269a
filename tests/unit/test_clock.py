"""brygge/clock.py: the one text format of platform timestamps (toISOString's)."""

from datetime import UTC, datetime, timedelta, timezone

from brygge.clock import iso, now_iso


def test_milliseconds_and_z_like_to_iso_string() -> None:
    t = datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=UTC)
    assert iso(t) == "2026-03-01T12:30:05.123Z"
    assert iso(t, "seconds") == "2026-03-01T12:30:05Z"  # cron ticks and their headers


def test_epoch_milliseconds_and_other_zones_come_out_in_utc() -> None:
    t = datetime(2026, 3, 1, 12, 30, 5, 7000, tzinfo=UTC)
    assert iso(t.timestamp() * 1000) == "2026-03-01T12:30:05.007Z"
    oslo = t.astimezone(timezone(timedelta(hours=1)))
    assert iso(oslo, "seconds") == "2026-03-01T12:30:05Z"


def test_now_is_parseable_and_sorts_as_text() -> None:
    a = now_iso()
    assert a.endswith("Z") and len(a) == len("2026-03-01T12:30:05.123Z")
    assert datetime.fromisoformat(a.replace("Z", "+00:00")).tzinfo is not None
