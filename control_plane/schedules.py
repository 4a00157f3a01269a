"""Cron jobs of deployed apps as NATS JetStream message schedules.

Each `app.job(expr, ...)` of the active deployment of a space is one schedule message
on `sched.<sid>.c.<tok(expr)>` of stream JOBS (`Nats-Schedule: <6-field cron>`,
`Nats-Schedule-Target: jobs.<sid>.c.<tok(expr)>`, `Brygge-Cron: <expr>`): the stream
leader publishes a run to the target at every tick, once per cluster, and the
dispatcher runs `jobhooks[expr]` (storage/queues.py has the layout).

This module:
- validates cron expressions at deploy (`nats_expression`, `CronError`): 5 or 6 fields,
  lists, ranges, steps, month and day names, `?`; day of week 0-7 with 7 = Sunday, which
  is rewritten for NATS (it accepts 0-6 only); an expression that never fires (Feb 31)
  is refused too;
- computes ticks (`Cron.next_after`, `Cron.prev_at_or_before`) in a time zone;
- syncs a space's schedules on every activation (`sync_space`) and removes them on
  undeploy (`clear_space`);
- publishes a run now (`run_now`: `brygge job run`);
- catches up ticks missed while NATS was down (`missed_tick`, `catch_up`), since NATS
  does not fire them after a restart.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from brygge.clock import iso
from storage import queues

log = logging.getLogger("brygge.schedules")

H_TIME_ZONE = "Nats-Schedule-Time-Zone"
FIELDS = (("second", 0, 59), ("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31),
          ("month", 1, 12), ("day of week", 0, 7))
MONTHS = {n.upper(): i for i, n in enumerate(calendar.month_abbr) if n}
DAYS = {"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}
NEVER_YEARS = 9  # an expression with no tick in this many years never fires


class CronError(ValueError):
    """A cron expression Brygge (and NATS) cannot schedule; str() is the deploy error."""

    def __init__(self, expr: str, reason: str) -> None:
        super().__init__(f"Something is fishy with the cron expression '{expr}': {reason}")
        self.expr = expr
        self.reason = reason


def _value(text: str, idx: int, expr: str) -> int:
    name, lo, hi = FIELDS[idx]
    names = MONTHS if idx == 4 else DAYS if idx == 5 else {}
    if text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        raise CronError(expr, f"'{text}' is not a number in the {name} field")
    v = int(text)
    if not lo <= v <= hi:
        raise CronError(expr, f"{name} {v} is out of range {lo}-{hi}")
    return v


def _field(text: str, idx: int, expr: str) -> tuple[frozenset[int], bool]:
    """The values a field allows, and whether it is unrestricted (`*` or `?`)."""
    name, lo, hi = FIELDS[idx]
    if text in ("*", "?"):
        if text == "?" and idx not in (3, 5):
            raise CronError(expr, f"'?' is only allowed in the day fields, not in {name}")
        return frozenset(range(lo, 7 if idx == 5 else hi + 1)), True
    out: set[int] = set()
    for item in text.split(","):
        rng, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(expr, f"step '{step_text}' in the {name} field must be a "
                                      "positive number")
            step = int(step_text)
        if rng == "*":
            a, b = lo, (6 if idx == 5 else hi)
        elif "-" in rng:
            a_text, _, b_text = rng.partition("-")
            a, b = _value(a_text, idx, expr), _value(b_text, idx, expr)
            if a > b:
                raise CronError(expr, f"range {rng} in the {name} field goes backwards")
        elif rng:
            a = _value(rng, idx, expr)
            b = hi if slash else a
        else:
            raise CronError(expr, f"empty item in the {name} field")
        out.update(range(a, b + 1, step))
    if idx == 5 and 7 in out:  # 7 is Sunday too
        out.discard(7)
        out.add(0)
    return frozenset(out), False


@dataclass(frozen=True)
class Cron:
    expr: str
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    days_star: bool
    weekdays_star: bool
    tz: ZoneInfo

    def _day_ok(self, t: datetime) -> bool:
        dom = t.day in self.days
        dow = (t.isoweekday() % 7) in self.weekdays
        if self.days_star or self.weekdays_star:
            return dom and dow
        return dom or dow  # both restricted: either matches (as cron and NATS)

    def next_after(self, when: datetime) -> datetime | None:
        """The first tick strictly after `when` (aware), or None within NEVER_YEARS."""
        t = when.astimezone(self.tz).replace(tzinfo=None, microsecond=0) + timedelta(seconds=1)
        stop = t.year + NEVER_YEARS
        while t.year < stop:
            if t.month not in self.months:
                t = (t.replace(day=1, hour=0, minute=0, second=0) + timedelta(days=32)) \
                    .replace(day=1)
            elif not self._day_ok(t):
                t = t.replace(hour=0, minute=0, second=0) + timedelta(days=1)
            elif t.hour not in self.hours:
                t = t.replace(minute=0, second=0) + timedelta(hours=1)
            elif t.minute not in self.minutes:
                t = t.replace(second=0) + timedelta(minutes=1)
            elif t.second not in self.seconds:
                t += timedelta(seconds=1)
            else:
                aware = t.replace(tzinfo=self.tz)
                if aware > when:
                    return aware
                t += timedelta(seconds=1)
        return None

    def prev_at_or_before(self, when: datetime) -> datetime | None:
        """The last tick at or before `when` (aware), or None within NEVER_YEARS."""
        t = when.astimezone(self.tz).replace(tzinfo=None, microsecond=0)
        stop = t.year - NEVER_YEARS
        while t.year > stop:
            if t.month not in self.months:
                t = t.replace(day=1, hour=0, minute=0, second=0) - timedelta(seconds=1)
            elif not self._day_ok(t):
                t = t.replace(hour=0, minute=0, second=0) - timedelta(seconds=1)
            elif t.hour not in self.hours:
                t = t.replace(minute=0, second=0) - timedelta(seconds=1)
            elif t.minute not in self.minutes:
                t = t.replace(second=0) - timedelta(seconds=1)
            elif t.second not in self.seconds:
                t -= timedelta(seconds=1)
            else:
                aware = t.replace(tzinfo=self.tz)
                if aware <= when:
                    return aware
                t -= timedelta(seconds=1)
        return None


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (expected an IANA name such as "
                         "'Europe/Oslo')") from None


def parse(expr: str, tz: str = "UTC") -> Cron:
    """Parse a 5- or 6-field cron expression; raises CronError naming the problem."""
    if not isinstance(expr, str):
        raise CronError(str(expr), "it must be a string")
    parts = expr.split()
    if len(parts) not in (5, 6):
        raise CronError(expr, f"expected 5 fields (minute hour day-of-month month "
                              f"day-of-week) or 6 (seconds first), found {len(parts)}")
    if len(parts) == 5:
        parts = ["0", *parts]
    sets = [_field(p, i, expr) for i, p in enumerate(parts)]
    c = Cron(expr, sets[0][0], sets[1][0], sets[2][0], sets[3][0], sets[4][0], sets[5][0],
             sets[3][1], sets[5][1], zone(tz))
    if c.next_after(datetime(2000, 1, 1, tzinfo=UTC)) is None:
        raise CronError(expr, "it never fires (no such day in the chosen months)")
    return c


def nats_expression(expr: str) -> str:
    """The 6-field expression NATS accepts for a valid codehooks cron expression:
    seconds added to 5-field ones, day of week 7 written as 0."""
    parse(expr)
    fields = queues.six_field_cron(expr).split()
    dow = fields[5]
    if _mentions_seven(dow):
        values, _ = _field(dow, 5, expr)
        fields[5] = ",".join(str(v) for v in sorted(values))
    return " ".join(fields)


def _mentions_seven(dow: str) -> bool:
    for item in dow.split(","):
        rng, slash, _ = item.partition("/")
        if "7" in rng.split("-") or (slash and rng not in ("*", "")):  # "5/2" runs to 7
            return True
    return False


def validate_jobs(jobs: list[str], tz: str = "UTC") -> None:
    zone(tz)
    for expr in jobs:
        parse(expr, tz)


def missed_tick(expr: str, last: datetime, now: datetime, tz: str = "UTC",
                grace_s: float = 0.0) -> datetime | None:
    """The latest tick in (last, now - grace]: the one run to make up for, or None."""
    tick = parse(expr, tz).prev_at_or_before(now - timedelta(seconds=grace_s))
    return tick if tick is not None and tick > last else None


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# -- NATS ------------------------------------------------------------------------------------
async def sync_space(js: Any, sid: str, jobs: list[str], tz: str = "UTC") -> None:
    """Make the space's schedules those of `jobs`: purge `sched.<sid>.c.>`, publish one
    schedule per job, and drop pending runs of jobs that are gone."""
    await js.purge_stream(queues.JOBS_STREAM, subject=f"sched.{sid}.c.>")
    keep = {queues.cron_subject(sid, j) for j in jobs}
    info = await js.stream_info(queues.JOBS_STREAM, subjects_filter=f"jobs.{sid}.c.>")
    for subject in (info.state.subjects or {}):
        if subject not in keep:
            await js.purge_stream(queues.JOBS_STREAM, subject=subject)
    for expr in jobs:
        headers = {queues.H_SCHEDULE: nats_expression(expr),
                   queues.H_SCHEDULE_TARGET: queues.cron_subject(sid, expr),
                   queues.H_CRON: expr}
        if tz and tz != "UTC":
            headers[H_TIME_ZONE] = tz
        await js.publish(queues.cron_schedule_subject(sid, expr), b"{}", headers=headers,
                         stream=queues.JOBS_STREAM)


async def clear_space(js: Any, sid: str) -> None:
    """Undeploy: no schedules and no pending cron runs left for the space."""
    await js.purge_stream(queues.JOBS_STREAM, subject=f"sched.{sid}.c.>")
    await js.purge_stream(queues.JOBS_STREAM, subject=f"jobs.{sid}.c.>")


async def schedule_count(js: Any, sid: str) -> int:
    info = await js.stream_info(queues.JOBS_STREAM, subjects_filter=f"sched.{sid}.c.>")
    return sum((info.state.subjects or {}).values())


async def pending_runs(js: Any, sid: str, expr: str) -> int:
    """Runs of the job in the stream not yet acknowledged by the dispatcher."""
    subject = queues.cron_subject(sid, expr)
    info = await js.stream_info(queues.JOBS_STREAM, subjects_filter=subject)
    return int((info.state.subjects or {}).get(subject, 0))


async def run_now(js: Any, sid: str, expr: str, msg_id: str = "", tz: str = "UTC",
                  tick: datetime | None = None) -> None:
    """Queue one run of a cron job now: `brygge job run`, or (with `tick`) the run that
    makes up for a missed tick. A catch-up run carries the tick's `next` exactly as NATS
    stamps it on the firing of that tick, so the dispatcher runs a tick once even when
    NATS fires it late (a new stream leader) after it was counted as missed."""
    now = datetime.now(UTC)
    headers = {queues.H_CRON: expr, queues.H_ENQUEUED: iso(now, "seconds")}
    try:  # req.body.next, as NATS stamps it on the runs it fires
        nxt = parse(expr, tz).next_after(tick or now)
    except (CronError, ValueError):
        nxt = None
    if nxt is not None:
        headers[queues.H_CRON_NEXT] = iso(nxt, "seconds")
        if tick is not None:
            headers[queues.H_CRON_TICK] = iso(tick, "seconds")
    if msg_id:
        headers[queues.H_MSG_ID] = msg_id
    await js.publish(queues.cron_subject(sid, expr), b"{}", headers=headers,
                     stream=queues.JOBS_STREAM)


def active_jobs(space: dict[str, Any], history: list[dict[str, Any]]) -> list[str]:
    """The cron expressions of the space's active deployment."""
    if not space.get("deployment"):
        return []
    for d in history:
        if d.get("digest") == space["deployment"]:
            return list((d.get("manifest") or {}).get("jobs") or [])
    return []


async def catch_up(js: Any, catalog: Any, settings: Any, now: datetime | None = None,
                   resync: bool = False) -> int:
    """For each deployed cron job whose latest tick fell after its last run (or the
    deployment) and was not run, publish one run (`missed_ticks=latest`), unless a run
    of the job is already waiting in the stream (NATS fired it; the dispatcher will run
    it, and the `cronrun` record is only written after). With
    `resync`, every deployed space's schedules are rewritten first (repairs a deploy
    whose sync failed). Returns the number of runs published."""
    now = now or datetime.now(UTC)
    published = 0
    for space in await catalog.all_spaces():
        if not space.get("deployment") or space.get("suspended"):
            continue  # a suspended project's schedules return with its resume
        sid = space["id"]
        jobs = active_jobs(space, await catalog.deployments(sid))
        tz = space.get("cron_timezone") or settings.cron_timezone
        if resync:
            try:
                await sync_space(js, sid, jobs, tz)
            except Exception as e:
                log.warning("cannot sync the cron schedules of space %s: %s", sid, e)
        if settings.missed_ticks != "latest":
            continue
        deployed = parse_iso(space["deployed_at"]) if space.get("deployed_at") else now
        for expr in jobs:
            rec = await catalog.store.call("", "sys.get", {"key": queues.cronrun_key(sid, expr)})
            last = deployed
            if isinstance(rec, dict) and rec.get("at"):
                last = max(last, parse_iso(str(rec["at"])))
            try:
                tick = missed_tick(expr, last, now, tz, settings.cron_catchup_grace_s)
            except (CronError, ValueError):
                continue
            if tick is not None and await pending_runs(js, sid, expr):
                continue  # a fired run is waiting for the dispatcher: it is the latest
            if tick is not None:
                await run_now(js, sid, expr,
                              msg_id=f"cron:{sid}:{queues.tok(expr)}:{iso(tick, 'seconds')}", tz=tz,
                              tick=tick)
                published += 1
                log.info("space %s: ran cron job %r for the missed tick %s", sid, expr,
                         iso(tick, "seconds"))
    return published
