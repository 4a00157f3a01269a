"""A batch of jobs in one invocation (`__brygge_invoke_jobs`, driven as
Executor.run_jobs drives it): one outcome and its own log lines per job, reported
through host op `job.done`, and fresh budgets for every job."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sandbox.app import AppInstance, Invocation
from sandbox.engine import SandboxTrap

APP = r"""
import {app} from 'codehooks-js';
app.worker('w', async (req, res) => {
  const p = req.body.payload;
  console.log('job ' + p.i + ' ' + req.body.jobId);
  if (p.wait) await new Promise((r) => setTimeout(r, p.wait));
  if (p.kind === 'throw') throw new Error('broken ' + p.i);
  if (p.kind === 'hang') await new Promise(() => setTimeout(() => {}, 60000));
  if (p.kind === 'status') return res.status(503).end();
  res.end();
});
export default app.init();
"""


@pytest.fixture()
def app() -> AppInstance:
    art = {"kind": "source", "entry": "index.js", "files": {"index.js": APP}}
    return AppInstance(art, lambda op, payload: "")


def run_batch(app: AppInstance, jobs: list[dict[str, Any]], deadline: float
              ) -> tuple[list[dict[str, Any]], Invocation]:
    outcomes: list[dict[str, Any]] = []

    def on_job(payload: str) -> float | None:
        outcomes.append(json.loads(payload))
        return deadline if len(outcomes) < len(jobs) else None

    inv = Invocation(emit=lambda kind, data: None, on_job=on_job)
    arg = json.dumps({"kind": "worker", "name": "w", "jobs": [
        {"payload": p, "jobId": f"j{i}", "enqueued": ""} for i, p in enumerate(jobs)]})
    app.run("__brygge_invoke_jobs", arg, inv, deadline)
    return outcomes, inv


def test_each_job_has_its_own_outcome_and_log_lines(app: AppInstance) -> None:
    kinds = ["ok", "throw", "status", "ok"]
    outcomes, inv = run_batch(app, [{"i": i, "kind": k} for i, k in enumerate(kinds)], 5)
    assert [o["error"] for o in outcomes] == [
        "", "Error: broken 1", "the worker answered status 503", ""]
    for i, o in enumerate(outcomes):
        lines = [text for _, text, _ in o["logs"]]
        assert lines[0] == f"job {i} j{i}"  # its own request, its own lines
        assert all(f"job {j} " not in t for t in lines for j in range(4) if j != i)
    assert "broken 1" in outcomes[1]["logs"][-1][1]  # the thrown error, logged
    assert not inv.error and not app.dead


def test_every_job_gets_the_whole_budget(app: AppInstance) -> None:
    # Four jobs of 300 ms under a 1 s budget each: together they take longer (the margin
    # is wide so that a loaded machine does not push one job past its own budget).
    outcomes, _ = run_batch(app, [{"i": i, "wait": 300} for i in range(4)], 1.0)
    assert [o["error"] for o in outcomes] == ["", "", "", ""]


def test_a_job_past_its_budget_stops_the_batch_and_keeps_its_log_lines(app: AppInstance) -> None:
    reported: list[dict[str, Any]] = []

    def on_job(payload: str) -> float | None:
        reported.append(json.loads(payload))
        return 1.0 if len(reported) < 3 else None

    inv = Invocation(emit=lambda kind, data: None, on_job=on_job)
    arg = json.dumps({"kind": "worker", "name": "w", "jobs": [
        {"payload": p, "jobId": f"j{i}", "enqueued": ""}
        for i, p in enumerate([{"i": 0}, {"i": 1, "kind": "hang"}, {"i": 2}])]})
    with pytest.raises(SandboxTrap, match="deadline"):
        app.run("__brygge_invoke_jobs", arg, inv, 1.0)
    assert [o["error"] for o in reported] == [""]  # job 0 done; job 1 hung; 2 never ran
    assert [text for _, text, _ in inv.logs] == ["job 1 j1"]
