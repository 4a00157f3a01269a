"""Cron jobs on a real node (issue 6): NATS message schedules written at deploy
(control_plane/schedules.py), fired by the JOBS stream's leader and run by the
dispatcher; a redeploy replaces them, a bad expression refuses the deploy, `brygge
job run` runs one now, `brygge jobs` lists them, undeploy removes them.

Tests that watch a job's effect need the dispatcher (sandbox/dispatcher.py)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest

from brygge import natsauth
from storage import queues
from tests.support.nodes import (
    RunningNode,
    brygge,
    create_space,
    new_node,
    wait_until,
    write_app,
)

COUNTER = r"""
import {app, Datastore} from 'codehooks-js';
app.get('/count/:k', async (req, res) => {
  const c = await Datastore.open();
  res.json(Number((await c.get('n-' + req.params.k)) || 0));
});
async function bump(k) { const c = await Datastore.open(); await c.incr('n-' + k, 1); }
"""

APP_A = COUNTER + r"""
app.job('* * * * * *', async (req, res) => { await bump('a'); res.end(); });
app.job('*/1 * * * * *', async (req, res) => { await bump('b'); res.end(); });
export default app.init();
"""

APP_B = COUNTER + r"""
app.job('*/1 * * * * *', async (req, res) => { await bump('b'); res.end(); });
app.job('0 0 1 1 *', async (req, res) => {
  await (await Datastore.open()).set('next-c', String(req.body.next));
  await bump('c'); res.end();
});
app.get('/next/:k', async (req, res) => res.json(await (await Datastore.open()).get('next-' + req.params.k)));
export default app.init();
"""

APP_BAD = COUNTER + r"""
app.job('*/1 * * * * *', async (req, res) => { res.end(); });
app.job('0 0 * * 8', async (req, res) => { res.end(); });
export default app.init();
"""

# what the official CLI uploads: a script defining EntryPoint (the app's manifest)
BUNDLE_BAD = r"""
var EntryPoint = (function () {
  const {app} = require('codehooks-js');
  app.job('0 0 * * 8', (req, res) => res.end());
  return app.init();
})();
"""


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("cron")
    n = new_node(tmp)
    n.start()
    n.apps = tmp  # type: ignore[attr-defined]
    yield n
    n.stop()


def count(node: RunningNode, k: str) -> int:
    r = node.get(f"/dev/count/{k}", headers=node.auth())
    assert r.status_code == 200, r.text
    return int(r.json())


def schedule_subjects(node: RunningNode) -> dict[str, int]:
    async def go() -> dict[str, int]:
        nc = await nats.connect(node.node_json()["nats_url"], **natsauth.options(node.data_dir))
        try:
            info = await nc.jetstream().stream_info(queues.JOBS_STREAM, subjects_filter="sched.>")
            return {s: n for s, n in (info.state.subjects or {}).items() if ".c." in s}
        finally:
            await nc.close()
    return asyncio.run(go())


def schedule_tokens(node: RunningNode) -> set[str]:
    """The cron keys (as tokens) scheduled on NATS; one space on this node."""
    subjects = schedule_subjects(node)
    assert len({s.split(".")[1] for s in subjects}) <= 1, subjects
    return {s.split(".")[3] for s in subjects}


def cli(node: RunningNode, *args: str) -> Any:
    return brygge(*args, "--data-dir", str(node.data_dir))


def purge_schedules(node: RunningNode) -> None:
    """Remove every schedule behind the control plane's back (as when nats-server lost
    them): NATS fires nothing more until the control plane writes them again."""
    async def go() -> None:
        nc = await nats.connect(node.node_json()["nats_url"], **natsauth.options(node.data_dir))
        try:
            await nc.jetstream().purge_stream(queues.JOBS_STREAM, subject="sched.>")
        finally:
            await nc.close()
    asyncio.run(go())


def last_run(node: RunningNode, cron: str = "") -> datetime:
    """When `brygge jobs` says the job (the first listed, by default) last ran."""
    rows = json.loads(cli(node, "jobs", "--json").stdout)
    row = next(r for r in rows if r["cron"] == cron) if cron else rows[0]
    return datetime.fromisoformat(row["lastRun"].replace("Z", "+00:00"))


def apps(node: RunningNode) -> Path:
    return node.apps  # type: ignore[attr-defined,no-any-return]


# The tests run in order on one node: each starts from the state the previous left.
def test_deploy_writes_one_schedule_per_job(node: RunningNode) -> None:
    d = node.deploy(write_app(apps(node), "a", APP_A))
    assert d.returncode == 0, d.stderr
    assert schedule_tokens(node) == {queues.tok("* * * * * *"), queues.tok("*/1 * * * * *")}


def test_every_second_jobs_fire_repeatedly(node: RunningNode) -> None:
    wait_until(lambda: count(node, "a") >= 2 and count(node, "b") >= 2, 30,
               "both every-second jobs to run twice")


def test_redeploy_replaces_the_schedules(node: RunningNode) -> None:
    d = node.deploy(write_app(apps(node), "b", APP_B))
    assert d.returncode == 0, d.stderr
    assert schedule_tokens(node) == {queues.tok("*/1 * * * * *"), queues.tok("0 0 1 1 *")}


def test_removed_job_stops_while_the_kept_one_fires(node: RunningNode) -> None:
    b0 = count(node, "b")
    wait_until(lambda: count(node, "b") >= b0 + 1, 30, "job b to run after the redeploy")
    a1, b1 = count(node, "a"), count(node, "b")
    wait_until(lambda: count(node, "b") >= b1 + 3, 30, "job b to run 3 more times")
    assert count(node, "a") == a1, "the removed job kept running"


def test_bad_cron_expression_refuses_the_deploy(node: RunningNode) -> None:
    before = schedule_tokens(node)
    hist0 = httpx.get(f"{node.admin}/v1/projects/brygge/spaces/dev/deployments",
                      headers={"x-admintoken": node.admin_token}).json()
    bad = node.deploy(write_app(apps(node), "bad", APP_BAD))
    assert bad.returncode != 0
    assert "Something is fishy with the cron expression '0 0 * * 8'" in bad.stderr, bad.stderr
    assert "day of week 8 is out of range 0-7" in bad.stderr
    hist = httpx.get(f"{node.admin}/v1/projects/brygge/spaces/dev/deployments",
                     headers={"x-admintoken": node.admin_token}).json()
    assert hist == hist0
    assert node.get("/dev/count/b", headers=node.auth()).status_code == 200
    assert schedule_tokens(node) == before
    # the same through the official CLI's endpoint: a 400 JSON error
    r = httpx.post(f"{node.admin}/_adm/brygge/dev/deploy",
                   headers={"x-admintoken": node.admin_token},
                   json={"bundle": BUNDLE_BAD})
    assert r.status_code == 400, r.text
    assert r.json()["error"].startswith("Something is fishy with the cron expression '0 0 * * 8'")


def new_year_after(tz: str = "UTC") -> str:
    """The tick of '0 0 1 1 *' after now in `tz`, worked out here (not by the product),
    as ISO UTC."""
    from zoneinfo import ZoneInfo
    z = ZoneInfo(tz)
    t = datetime(datetime.now(z).year + 1, 1, 1, tzinfo=z)
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def around(fn: Any) -> tuple[Any, set[str]]:
    """fn()'s answer and the next-new-year ticks at both ends of the call (they differ only
    when it straddles a new year), so no expectation depends on today's date."""
    before = new_year_after()
    got = fn()
    return got, {before, new_year_after()}


def test_jobs_lists_the_next_tick(node: RunningNode) -> None:
    listed, years = around(lambda: cli(node, "jobs", "--json"))
    assert listed.returncode == 0, listed.stderr
    rows = {r["cron"]: r for r in json.loads(listed.stdout)}
    assert set(rows) == {"*/1 * * * * *", "0 0 1 1 *"}
    assert rows["0 0 1 1 *"]["next"] in years
    assert rows["0 0 1 1 *"]["lastRun"] == "-"
    assert rows["0 0 1 1 *"]["lastOutcome"] == "-"
    table = cli(node, "jobs")
    assert "0 0 1 1 *" in table.stdout and "NEXT" in table.stdout, table.stdout
    unknown = cli(node, "job", "run", "* * * * * *")
    assert unknown.returncode != 0 and "has no cron job" in unknown.stderr


def test_job_run_runs_a_job_now(node: RunningNode) -> None:
    assert count(node, "c") == 0
    before = new_year_after()
    ran = cli(node, "job", "run", "0 0 1 1 *")
    assert ran.returncode == 0, ran.stderr
    wait_until(lambda: count(node, "c") == 1, 30, "the job run by `brygge job run`")
    # req.body.next: the tick after now, as on the runs NATS fires
    nxt = node.get("/dev/next/c", headers=node.auth()).json()
    assert nxt in {before, new_year_after()}, nxt
    wait_until(lambda: any(r["cron"] == "0 0 1 1 *" and r["lastOutcome"] == "ok"
                           for r in json.loads(cli(node, "jobs", "--json").stdout)),
               30, "the run to be recorded (cronrun record)")


def test_a_tick_made_up_for_is_not_run_again_when_nats_fires_it_late(node: RunningNode) -> None:
    """A new JOBS leader may fire a tick after the control plane counted it as missed and
    queued its catch-up run: both carry the tick's `next`; the tick runs once. A later
    tick and a run by hand still run."""
    expr = "0 0 1 1 *"
    sid = next(iter(schedule_subjects(node))).split(".")[1]
    subject = queues.cron_subject(sid, expr)
    year = datetime.now(UTC).year

    async def publish(headers: dict[str, str]) -> None:
        nc = await nats.connect(node.node_json()["nats_url"], **natsauth.options(node.data_dir))
        try:
            await nc.jetstream().publish(subject, b"{}", stream=queues.JOBS_STREAM,
                                         headers={queues.H_CRON: expr, **headers})
        finally:
            await nc.close()

    def waiting() -> int:
        async def go() -> int:
            nc = await nats.connect(node.node_json()["nats_url"], **natsauth.options(node.data_dir))
            try:
                info = await nc.jetstream().stream_info(queues.JOBS_STREAM,
                                                        subjects_filter=subject)
                return int((info.state.subjects or {}).get(subject, 0))
            finally:
                await nc.close()
        return asyncio.run(go())

    executor_log = node.data_dir / "logs" / "executor-0.log"
    skipped = executor_log.read_text().count("already ran; skipped")
    c = count(node, "c")
    tick, after = f"{year + 20}-01-01T00:00:00Z", f"{year + 21}-01-01T00:00:00Z"
    asyncio.run(publish({queues.H_CRON_TICK: tick, queues.H_CRON_NEXT: after}))  # catch-up
    wait_until(lambda: count(node, "c") == c + 1, 30, "the catch-up run")
    assert node.get("/dev/next/c", headers=node.auth()).json() == after
    # NATS firing the same tick late stamps the same Nats-Schedule-Next (a header only
    # NATS may write; a second run for the tick stands in for it: the same key)
    asyncio.run(publish({queues.H_CRON_TICK: tick, queues.H_CRON_NEXT: after}))
    wait_until(lambda: executor_log.read_text().count("already ran; skipped") == skipped + 1,
               30, "the late firing to be skipped")
    wait_until(lambda: waiting() == 0, 30, "the late firing to be acked")
    assert count(node, "c") == c + 1
    later = {queues.H_CRON_TICK: after, queues.H_CRON_NEXT: f"{year + 22}-01-01T00:00:00Z"}
    asyncio.run(publish(later))  # the tick after: runs
    wait_until(lambda: count(node, "c") == c + 2, 30, "the next tick's run")
    ran = cli(node, "job", "run", expr)  # by hand: runs, and keeps the tick mark
    assert ran.returncode == 0, ran.stderr
    wait_until(lambda: count(node, "c") == c + 3, 30, "the run by hand")
    asyncio.run(publish(later))
    wait_until(lambda: executor_log.read_text().count("already ran; skipped") == skipped + 2,
               30, "a repeated firing after a run by hand to be skipped")
    assert count(node, "c") == c + 3


def test_space_time_zone(node: RunningNode) -> None:
    def schedule_headers(expr: str) -> dict[str, str]:
        subject = next(s for s in schedule_subjects(node) if s.endswith("." + queues.tok(expr)))
        return asyncio.run(last_headers(subject))

    async def last_headers(subject: str) -> dict[str, str]:
        nc = await nats.connect(node.node_json()["nats_url"], **natsauth.options(node.data_dir))
        try:
            msg = await nc.jetstream().get_last_msg(queues.JOBS_STREAM, subject)
            return dict(msg.headers or {})
        finally:
            await nc.close()

    assert "Nats-Schedule-Time-Zone" not in schedule_headers("0 0 1 1 *")
    r = cli(node, "timezone", "Europe/Oslo")
    assert r.returncode == 0 and "Europe/Oslo" in r.stdout, r.stderr
    h = schedule_headers("0 0 1 1 *")
    assert h["Nats-Schedule-Time-Zone"] == "Europe/Oslo"
    assert h["Nats-Schedule"] == "0 0 0 1 1 *" and h["Brygge-Cron"] == "0 0 1 1 *"
    before = new_year_after("Europe/Oslo")
    rows = {r["cron"]: r for r in json.loads(cli(node, "jobs", "--json").stdout)}
    assert rows["0 0 1 1 *"]["timezone"] == "Europe/Oslo"
    assert rows["0 0 1 1 *"]["next"] in {before, new_year_after("Europe/Oslo")}
    bad = cli(node, "timezone", "Mars/Olympus")
    assert bad.returncode != 0 and "unknown time zone 'Mars/Olympus'" in bad.stderr
    assert cli(node, "timezone").returncode == 0
    assert "Nats-Schedule-Time-Zone" not in schedule_headers("0 0 1 1 *")


def test_rollback_restores_the_previous_schedules(node: RunningNode) -> None:
    r = httpx.delete(f"{node.admin}/_adm/brygge/dev/deploy",
                     headers={"x-admintoken": node.admin_token})
    assert r.status_code == 200 and r.json()["rollback"] is True, r.text
    assert schedule_tokens(node) == {queues.tok("* * * * * *"), queues.tok("*/1 * * * * *")}
    a = count(node, "a")
    wait_until(lambda: count(node, "a") >= a + 1, 30, "the restored job to fire")


def test_undeploy_removes_the_schedules(node: RunningNode) -> None:
    r = httpx.delete(f"{node.admin}/_adm/brygge/dev/deploy",
                     headers={"x-admintoken": node.admin_token, "x-undeploy": "yes"})
    assert r.status_code == 200, r.text
    assert schedule_tokens(node) == set()
    assert json.loads(cli(node, "jobs", "--json").stdout) == []


def test_a_restarted_control_plane_runs_a_missed_tick_once(tmp_path: Path) -> None:
    """NATS did not fire (here: the schedule is purged behind the control plane's back,
    as when nats-server was down); at its next start the control plane rewrites the
    schedules and publishes one run for the latest missed tick."""
    import os
    import signal

    n = new_node(tmp_path, BRYGGE_CRON_CATCHUP_GRACE_S="0")
    n.start()
    try:
        d = n.deploy(write_app(tmp_path, "m", COUNTER + r"""
app.job('* * * * * *', async (req, res) => { await bump('m'); res.end(); });
export default app.init();
"""))
        assert d.returncode == 0, d.stderr
        wait_until(lambda: count(n, "m") >= 1, 30, "the job to run once")

        purge_schedules(n)
        assert schedule_tokens(n) == set()

        # a tick has passed since the last run (and no run can follow: no schedule)
        wait_until(lambda: (datetime.now(UTC) - last_run(n)).total_seconds() > 1.2, 30,
                   "a tick to be missed")
        log_path = n.data_dir / "logs" / "control-plane.log"
        before = log_path.read_text().count("for the missed tick")
        old = n.node_json()["components"]["control-plane"]
        os.kill(old, signal.SIGKILL)
        wait_until(lambda: log_path.read_text().count("for the missed tick") > before, 60,
                   "the restarted control plane to catch up")
        assert log_path.read_text().count("for the missed tick") == before + 1
        assert schedule_tokens(n) == {queues.tok("* * * * * *")}
        c = count(n, "m")
        wait_until(lambda: count(n, "m") >= c + 2, 30, "the job to fire again")
    finally:
        n.stop()


def test_ticks_missed_while_nats_was_down_run_once_after_it_returns(tmp_path: Path) -> None:
    """kill -9 of nats-server (the supervisor restarts it): NATS does not fire the ticks
    that fell meanwhile; the control plane, on reconnecting, runs the latest one once,
    and the schedule fires again by itself."""
    import os
    import signal

    # the supervisor waits 2 s before restarting NATS: at least one tick falls meanwhile
    n = new_node(tmp_path, BRYGGE_CRON_CATCHUP_GRACE_S="0", BRYGGE_RESTART_BACKOFF_S="2")
    n.start()
    try:
        d = n.deploy(write_app(tmp_path, "m", COUNTER + r"""
app.job('* * * * * *', async (req, res) => {
  await (await Datastore.open()).insertOne('runs', {next: req.body.next});
  await bump('m'); res.end();
});
app.get('/runs', async (req, res) =>
  res.json(await (await Datastore.open()).getMany('runs', {}, {limit: 100000}).toArray()));
export default app.init();
"""))
        assert d.returncode == 0, d.stderr
        wait_until(lambda: count(n, "m") >= 1, 30, "the job to run once")
        log_path = n.data_dir / "logs" / "control-plane.log"
        before = log_path.read_text().count("for the missed tick")
        c = count(n, "m")
        os.kill(n.node_json()["components"]["nats"], signal.SIGKILL)
        # Either the control plane reconnects first and makes up for the latest missed
        # tick, or (a loaded machine) NATS has already fired a newer tick that is waiting
        # for the dispatcher when the catch-up looks: then that run is the latest and
        # nothing is made up (catch_up's pending_runs check). Both are right; what must
        # hold either way is below.
        wait_until(lambda: log_path.read_text().count("for the missed tick") > before
                   or count(n, "m") >= c + 3, 60,
                   "the control plane to catch up after NATS came back")
        c = count(n, "m")
        wait_until(lambda: count(n, "m") >= c + 2, 60, "the schedule to fire again")
        # once: the ticks that fell while NATS was down made up for by one run, not one
        # each, and no tick (the made-up one included) ran twice
        assert log_path.read_text().count("for the missed tick") <= before + 1
        nexts = [r["next"] for r in n.get("/dev/runs", headers=n.auth()).json()]
        assert all(nexts) and len(nexts) == len(set(nexts)), sorted(nexts)
    finally:
        n.stop()


def test_a_slow_job_does_not_overlap_or_pile_up(tmp_path: Path) -> None:
    """A job that takes 2.5 s, fired every second: its runs never overlap, and the ticks
    that fire during a run coalesce into one run after it (no growing backlog)."""
    n = new_node(tmp_path)
    n.start()
    try:
        d = n.deploy(write_app(tmp_path, "slow", r"""
import {app, Datastore} from 'codehooks-js';
app.job('* * * * * *', async (req, res) => {
  const c = await Datastore.open();
  const start = Date.now();
  await new Promise((r) => setTimeout(r, 2500));
  await c.insertOne('runs', {start, end: Date.now()});
  res.end();
});
app.get('/runs', async (req, res) => {
  const c = await Datastore.open();
  res.json(await c.getMany('runs', {}, {sort: {start: 1}}).toArray());
});
export default app.init();
"""))
        assert d.returncode == 0, d.stderr

        def runs() -> list[dict[str, Any]]:
            r = n.get("/dev/runs", headers=n.auth())
            assert r.status_code == 200, r.text
            return list(r.json())
        rows = wait_until(lambda: len(v := runs()) >= 6 and v, 90, "six runs")
        for prev, cur in itertools.pairwise(rows):
            assert cur["start"] >= prev["end"], f"runs overlapped: {prev} {cur}"

        async def waiting() -> int:
            nc = await nats.connect(n.node_json()["nats_url"], **natsauth.options(n.data_dir))
            try:
                info = await nc.jetstream().stream_info(queues.JOBS_STREAM,
                                                        subjects_filter="jobs.*.c.>")
                return sum((info.state.subjects or {}).values())
            finally:
                await nc.close()
        # ~2.5 ticks fire per run; without coalescing they would queue up (6 runs: ≥ 8
        # waiting). With it, at most the running one and the ticks of the current run
        # wait: one per second it has lasted (a loaded machine stretches runs), plus one
        # tick being taken at the moment of the look.
        longest_s = max(r["end"] - r["start"] for r in rows) / 1000
        assert asyncio.run(waiting()) <= 2 + math.ceil(longest_s)
    finally:
        n.stop()


def test_catch_up_at_start_skips_waiting_runs_and_drops_removed_jobs_runs(tmp_path: Path
                                                                           ) -> None:
    """The control plane's start on a real node (schedules.catch_up with resync): a job
    whose run is still waiting in the stream (here: running, not yet acknowledged) gets
    no second run, a job whose tick did not fall gets none, the job that missed its
    tick gets one; and a pending run of a job no longer deployed is dropped."""
    import os
    import signal

    # a job attempt may last minutes: the slow run below stays unacknowledged meanwhile
    n = new_node(tmp_path, BRYGGE_CRON_CATCHUP_GRACE_S="0", BRYGGE_QUEUE_TIMEOUT_S="300")
    n.start()
    busy, missed, gone = "*/1 * * * * *", "* * * * * *", "0 0 * * 7"
    try:
        # catch_up looks at the jobs in this order: `missed` last, so its catch-up run
        # tells that the others were decided
        d = n.deploy(write_app(tmp_path, "m", COUNTER + r"""
app.job('*/1 * * * * *', async (req, res) => {
  const c = await Datastore.open();
  await bump('busy');
  for (let i = 0; i < 1200 && !(await c.get('release')); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  res.end();
});
app.job('0 0 1 1 *', async (req, res) => { await bump('yearly'); res.end(); });
app.job('* * * * * *', async (req, res) => { await bump('m'); res.end(); });
app.post('/release', async (req, res) => {
  await (await Datastore.open()).set('release', '1'); res.end();
});
export default app.init();
"""))
        assert d.returncode == 0, d.stderr
        wait_until(lambda: count(n, "m") >= 1 and count(n, "busy") == 1, 30,
                   "the jobs to run (the busy one to start)")
        sid = next(iter(schedule_subjects(n))).split(".")[1]

        async def nats_do(fn: Any) -> Any:
            nc = await nats.connect(n.node_json()["nats_url"], **natsauth.options(n.data_dir))
            try:
                return await fn(nc.jetstream())
            finally:
                await nc.close()

        async def waiting(js: Any, expr: str) -> int:
            subject = queues.cron_subject(sid, expr)
            info = await js.stream_info(queues.JOBS_STREAM, subjects_filter=subject)
            return int((info.state.subjects or {}).get(subject, 0))

        # a run of a job that is not deployed (left by an older deployment): nobody takes it
        asyncio.run(nats_do(lambda js: js.publish(
            queues.cron_subject(sid, gone), b"{}", stream=queues.JOBS_STREAM,
            headers={queues.H_CRON: gone})))
        assert asyncio.run(nats_do(lambda js: waiting(js, gone))) == 1
        assert asyncio.run(nats_do(lambda js: waiting(js, busy))) >= 1
        # NATS fires nothing more; ticks of both every-second jobs fall unrun
        purge_schedules(n)

        wait_until(lambda: (datetime.now(UTC) - last_run(n, missed)).total_seconds() > 1.2,
                   30, "a tick to be missed")
        log_path = n.data_dir / "logs" / "control-plane.log"
        before = log_path.read_text().count("for the missed tick")
        os.kill(n.node_json()["components"]["control-plane"], signal.SIGKILL)
        wait_until(lambda: log_path.read_text().count("for the missed tick") > before, 60,
                   "the restarted control plane to catch up")
        lines = [ln for ln in log_path.read_text().splitlines() if "for the missed tick" in ln]
        assert len(lines) == before + 1, lines
        assert f"cron job {missed!r} for the missed tick" in lines[-1], lines[-1]
        assert asyncio.run(nats_do(lambda js: waiting(js, gone))) == 0
        r = n.post("/dev/release", headers=n.auth())
        assert r.status_code == 200, r.text
        c = count(n, "m")
        wait_until(lambda: count(n, "m") >= c + 1, 30, "the rewritten schedule to fire")
        assert count(n, "yearly") == 0
    finally:
        with contextlib.suppress(httpx.HTTPError):
            n.post("/dev/release", headers=n.auth())  # so that the stop need not wait
        n.stop()


def test_missed_ticks_skip_runs_nothing_at_start(tmp_path: Path) -> None:
    """BRYGGE_MISSED_TICKS=skip on a real node: the restarted control plane rewrites the
    schedules but runs no missed tick. Spaces are caught up in name order: once the
    schedules of `second` are back, `dev` (whose tick was missed) has been decided."""
    import os
    import signal

    n = new_node(tmp_path, BRYGGE_CRON_CATCHUP_GRACE_S="0", BRYGGE_MISSED_TICKS="skip")
    n.start()
    try:
        create_space(n, "second")
        app = write_app(tmp_path, "m", COUNTER + r"""
app.job('* * * * * *', async (req, res) => { await bump('m'); res.end(); });
export default app.init();
""")
        for space in ("dev", "second"):
            d = n.deploy(app, space=space)
            assert d.returncode == 0, d.stderr
        wait_until(lambda: count(n, "m") >= 1, 30, "the job to run once")
        sids = {s.split(".")[1] for s in schedule_subjects(n)}
        assert len(sids) == 2, sids

        purge_schedules(n)
        assert schedule_subjects(n) == {}

        wait_until(lambda: (datetime.now(UTC) - last_run(n)).total_seconds() > 1.2, 30,
                   "a tick to be missed")
        os.kill(n.node_json()["components"]["control-plane"], signal.SIGKILL)
        wait_until(lambda: len(schedule_subjects(n)) == 2, 60,
                   "the restarted control plane to rewrite both spaces' schedules")
        log = (n.data_dir / "logs" / "control-plane.log").read_text()
        assert "for the missed tick" not in log, log
    finally:
        n.stop()
