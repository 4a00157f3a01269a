"""Cron expressions of app.job(): validation at deploy, the 6-field form NATS takes
(7 = Sunday rewritten), tick computation and the missed-tick catch-up
(control_plane/schedules.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from control_plane import schedules
from control_plane.schedules import CronError, missed_tick, nats_expression, parse
from storage.queues import six_field_cron

T0 = datetime(2026, 11, 23, 4, 0, 0, tzinfo=UTC)  # a Monday


def at(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize("expr,nats,next_tick", [
    ("* * * * *", "0 * * * * *", at(2026, 11, 23, 4, 1)),
    ("* * * * * *", "* * * * * *", at(2026, 11, 23, 4, 0, 1)),
    ("*/5 * * * *", "0 */5 * * * *", at(2026, 11, 23, 4, 5)),
    ("*/30 * * * *", "0 */30 * * * *", at(2026, 11, 23, 4, 30)),
    ("5 0 * * *", "0 5 0 * * *", at(2026, 11, 24, 0, 5)),
    ("15 14 1 * *", "0 15 14 1 * *", at(2026, 12, 1, 14, 15)),
    ("0 22 * * 1-5", "0 0 22 * * 1-5", at(2026, 11, 23, 22)),
    ("0 9 * * *", "0 0 9 * * *", at(2026, 11, 23, 9)),
    ("0 0 1 1 *", "0 0 0 1 1 *", at(2027, 1, 1)),
    ("30 10-20/5 * * * *", "30 10-20/5 * * * *", at(2026, 11, 23, 4, 10, 30)),
    ("0 0 12 ? * MON-FRI", "0 0 12 ? * MON-FRI", at(2026, 11, 23, 12)),
    ("0 0 1 jan *", "0 0 0 1 jan *", at(2027, 1, 1)),
    ("0 0 * * 1,3,5", "0 0 0 * * 1,3,5", at(2026, 11, 25)),
    # 7 is Sunday; NATS only takes 0-6
    ("0 12 * * 7", "0 0 12 * * 0", at(2026, 11, 29, 12)),
    ("0 12 * * 0", "0 0 12 * * 0", at(2026, 11, 29, 12)),
    ("0 22 * * 5-7", "0 0 22 * * 0,5,6", at(2026, 11, 27, 22)),
    ("0 0 * * 0-7", "0 0 0 * * 0,1,2,3,4,5,6", at(2026, 11, 24)),
    ("0 0 * * 5/2", "0 0 0 * * 0,5", at(2026, 11, 27)),
    ("0 0 29 2 *", "0 0 0 29 2 *", at(2028, 2, 29)),
    # day of month and day of week both restricted: either one
    ("0 0 1 * 3", "0 0 0 1 * 3", at(2026, 11, 25)),
    # a stepped day of month counts as restricted (as NATS, checked on nats-server 2.15)
    ("0 0 */5 * 3", "0 0 0 */5 * 3", at(2026, 11, 25)),
    ("0 0 */5 * *", "0 0 0 */5 * *", at(2026, 11, 26)),
])
def test_good_expressions(expr: str, nats: str, next_tick: datetime) -> None:
    assert nats_expression(expr) == nats
    assert parse(expr).next_after(T0) == next_tick


@pytest.mark.parametrize("expr,reason", [
    ("* * *", "expected 5 fields (minute hour day-of-month month day-of-week) or 6 "
              "(seconds first), found 3"),
    ("* * * * * * *", "found 7"),
    ("", "found 0"),
    ("61 * * * *", "minute 61 is out of range 0-59"),
    ("* 24 * * *", "hour 24 is out of range 0-23"),
    ("* * 0 * *", "day of month 0 is out of range 1-31"),
    ("* * 32 * *", "day of month 32 is out of range 1-31"),
    ("* * * 13 *", "month 13 is out of range 1-12"),
    ("* * * * 8", "day of week 8 is out of range 0-7"),
    ("60 * * * * *", "second 60 is out of range 0-59"),
    ("*/0 * * * *", "step '0' in the minute field must be a positive number"),
    ("5-2 * * * *", "range 5-2 in the minute field goes backwards"),
    ("x * * * *", "'x' is not a number in the minute field"),
    ("* * L * *", "'L' is not a number in the day of month field"),
    ("1,,2 * * * *", "empty item in the minute field"),
    ("? * * * *", "'?' is only allowed in the day fields, not in minute"),
    ("0 0 31 2 *", "it never fires"),
    ("0 0 30 2 *", "it never fires"),
])
def test_bad_expressions(expr: str, reason: str) -> None:
    with pytest.raises(CronError) as e:
        nats_expression(expr)
    assert str(e.value).startswith(f"Something is fishy with the cron expression '{expr}': ")
    assert reason in str(e.value)


def test_six_field() -> None:
    assert six_field_cron("*/5 * * * *") == "0 */5 * * * *"
    assert six_field_cron("  1  2 3 4 5 ") == "0 1 2 3 4 5"
    assert six_field_cron("*/10 * * * * *") == "*/10 * * * * *"


def test_previous_tick() -> None:
    c = parse("0 * * * *")
    assert c.prev_at_or_before(at(2026, 1, 1, 13, 5)) == at(2026, 1, 1, 13)
    assert c.prev_at_or_before(at(2026, 1, 1, 13)) == at(2026, 1, 1, 13)
    assert parse("0 0 1 1 *").prev_at_or_before(at(2026, 6, 1)) == at(2026, 1, 1)
    assert parse("0 12 * * 7").prev_at_or_before(T0) == at(2026, 11, 22, 12)


def test_missed_tick_with_a_fixed_clock() -> None:
    hourly = "0 * * * *"
    # down from 10:30 to 13:05: three ticks missed, one run for the latest (13:00)
    assert missed_tick(hourly, at(2026, 1, 1, 10, 30), at(2026, 1, 1, 13, 5)) == at(2026, 1, 1, 13)
    # the last run was after the latest tick: nothing missed
    assert missed_tick(hourly, at(2026, 1, 1, 13, 0, 2), at(2026, 1, 1, 13, 5)) is None
    # the run of the tick itself records a time just after it: nothing missed
    assert missed_tick(hourly, at(2026, 1, 1, 13), at(2026, 1, 1, 13, 59)) is None
    # a tick within the grace period is NATS's own, not a missed one
    assert missed_tick(hourly, at(2026, 1, 1, 12, 0, 1), at(2026, 1, 1, 13, 0, 3),
                       grace_s=5) is None
    assert missed_tick(hourly, at(2026, 1, 1, 12, 0, 1), at(2026, 1, 1, 13, 0, 6),
                       grace_s=5) == at(2026, 1, 1, 13)
    # yearly job, node down over new year
    assert missed_tick("0 0 1 1 *", at(2026, 12, 31), at(2027, 1, 2)) == at(2027, 1, 1)


def test_time_zone() -> None:
    c = parse("0 9 * * *", "Europe/Oslo")
    assert c.next_after(T0) == at(2026, 11, 23, 8)  # 09:00 CET
    assert c.next_after(at(2026, 7, 1)) == at(2026, 7, 1, 7)  # 09:00 CEST
    with pytest.raises(ValueError, match="unknown time zone"):
        schedules.validate_jobs(["* * * * *"], "Mars/Olympus")


def test_active_jobs_of_the_active_deployment() -> None:
    history = [{"digest": "b", "manifest": {"jobs": ["* * * * *"]}},
               {"digest": "a", "manifest": {"jobs": ["0 0 1 1 *"]}}]
    assert schedules.active_jobs({"deployment": "a"}, history) == ["0 0 1 1 *"]
    assert schedules.active_jobs({"deployment": "b"}, history) == ["* * * * *"]
    assert schedules.active_jobs({"deployment": None}, history) == []


class FakeJS:
    def __init__(self) -> None:
        self.published: list[tuple[str, dict[str, str]]] = []
        self.purged: list[str] = []
        self.pending: dict[str, int] = {}

    async def publish(self, subject: str, data: bytes, headers: dict[str, str],
                      stream: str = "") -> None:
        self.published.append((subject, headers))

    async def purge_stream(self, name: str, subject: str = "") -> None:
        self.purged.append(subject)

    async def stream_info(self, name: str, subjects_filter: str = "") -> object:
        from types import SimpleNamespace
        subjects = {f"jobs.sid1.c.{schedules.queues.tok('0 0 * * 7')}": 1, **self.pending}
        return SimpleNamespace(state=SimpleNamespace(subjects=subjects))


class FakeCatalog:
    def __init__(self, cronrun: dict[str, object]) -> None:
        self.cronrun = cronrun
        outer = self

        class Store:
            async def call(self, space: str, op: str, args: dict[str, str]) -> object:
                assert op == "sys.get"
                return outer.cronrun.get(args["key"])
        self.store = Store()

    async def all_spaces(self) -> list[dict[str, object]]:
        return [{"id": "sid1", "deployment": "d1", "deployed_at": "2026-01-01T00:00:00.000Z"},
                {"id": "sid2", "deployment": None}]

    async def deployments(self, sid: str) -> list[dict[str, object]]:
        return [{"digest": "d1", "manifest": {"jobs": ["0 * * * *", "0 0 1 1 *"]}}]


class FakeSettings:
    missed_ticks = "latest"
    cron_timezone = "UTC"
    cron_catchup_grace_s = 5.0


def test_catch_up_publishes_one_run_per_missed_job() -> None:
    """Fast, with fakes for NATS and the catalog; each claim is carried on a real node too
    (tests/integration/test_cron.py: the restarted-control-plane tests, catch-up at start,
    missed_ticks=skip)."""
    import asyncio

    from storage import queues

    hourly, yearly = "0 * * * *", "0 0 1 1 *"
    cat = FakeCatalog({queues.cronrun_key("sid1", hourly):
                       {"at": "2026-03-01T10:00:01Z", "ok": True}})
    js = FakeJS()
    now = at(2026, 3, 1, 13, 30)
    n = asyncio.run(schedules.catch_up(js, cat, FakeSettings(), now=now, resync=True))
    # resync: schedules purged and rewritten, the pending runs of a removed job dropped
    assert js.purged[0] == "sched.sid1.c.>"
    assert f"jobs.sid1.c.{queues.tok('0 0 * * 7')}" in js.purged
    runs = [(s, h) for s, h in js.published if s.startswith("jobs.")]
    scheds = [s for s, _ in js.published if s.startswith("sched.")]
    assert sorted(scheds) == sorted([queues.cron_schedule_subject("sid1", hourly),
                                     queues.cron_schedule_subject("sid1", yearly)])
    # hourly: last run 10:00, now 13:30 -> one run for 13:00; yearly: deployed Jan 1
    # 00:00 (the tick itself), none since
    assert n == 1 and len(runs) == 1
    subject, headers = runs[0]
    assert subject == queues.cron_subject("sid1", hourly)
    assert headers[queues.H_CRON] == hourly
    assert headers["Nats-Msg-Id"] == f"cron:sid1:{queues.tok(hourly)}:2026-03-01T13:00:00Z"

    # a run NATS fired is still waiting in the stream: no second one
    js = FakeJS()
    js.pending = {queues.cron_subject("sid1", hourly): 1}
    assert asyncio.run(schedules.catch_up(js, cat, FakeSettings(), now=now)) == 0
    assert js.published == []

    skip = FakeSettings()
    skip.missed_ticks = "skip"
    js = FakeJS()
    assert asyncio.run(schedules.catch_up(js, cat, skip, now=now)) == 0
    assert js.published == []


def test_the_node_time_zone_knob_is_checked() -> None:
    from brygge.settings import Settings, SettingsError

    assert Settings.from_env({"BRYGGE_CRON_TIMEZONE": "Europe/Oslo"}).cron_timezone == "Europe/Oslo"
    with pytest.raises(SettingsError, match="cron_timezone='Mars/Olympus' is not an IANA"):
        Settings.from_env({"BRYGGE_CRON_TIMEZONE": "Mars/Olympus"})
