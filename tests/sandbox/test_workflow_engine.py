"""The workflow engine (sandbox/js/codehooks/workflow.js) driven job by job: the
queue host op records each enqueue and the test hands the jobs to the step workers
in an order it chooses (so interleavings of parallel branches are deterministic).
On a real node the dispatcher does this (tests/integration/test_workflows.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sandbox.app import AppInstance
from tests.support.builtin import Row, deploy, engines, send
from tests.support.workflow_app import WORKFLOW_THREE

__all__ = ["deploy", "engines"]

APP = WORKFLOW_THREE + r"""
// one queue job, as the dispatcher delivers it
app.post('/job', async (req, res) => {
  const [worker] = app.init().workerhooks[req.body.topic];
  await new Promise((resolve) => worker({body: {payload: req.body.payload}}, {end: resolve}));
  res.end();
});
export default app.init();
"""


class Harness:
    def __init__(self, deploy: Callable[..., AppInstance]) -> None:
        self.jobs: list[dict[str, Any]] = []

        def enqueue(payload: str) -> str:
            self.jobs.append(json.loads(payload))
            return json.dumps({"_id": f"job{len(self.jobs)}"})
        self.app = deploy(APP, extra_ops={"queue.enqueue": enqueue})
        self.ids: dict[str, str] = {}

    def call(self, method: str, path: str, body: Any = None) -> Any:
        r = send(self.app, Row(method, path, body=body), self.ids)
        assert r.status == 200 and not r.inv.error, (r.text, r.inv.logs)
        return r.json() if r.text else None

    def run(self, job: dict[str, Any]) -> str:
        self.call("POST", "/job", job)
        return str(job["topic"]).removeprefix("workflowqueue_three_")

    def drain(self) -> list[str]:
        ran = []
        while self.jobs:
            ran.append(self.run(self.jobs.pop(0)))
        return ran


def test_goto_fan_out_join_wait_continue(deploy: Callable[..., AppInstance]) -> None:
    h = Harness(deploy)
    doc = h.call("POST", "/start", {"n": 1})
    assert h.drain() == ["first", "second", "left", "right", "join"]
    st = h.call("GET", f"/state/{doc['_id']}")
    assert (st["nextStep"], st["waiting"], st["left"], st["right"], st["a"]) == \
        ("join", True, True, True, 1)
    h.call("POST", f"/approve/{doc['_id']}", {})
    assert h.drain() == ["join"]
    st = h.call("GET", f"/state/{doc['_id']}")
    assert st["nextStep"] is None and st["done"] is True and st["approved"] is True
    assert {k: v["visits"] for k, v in st["stepCount"].items()} == {
        "first": 1, "second": 1, "left": 1, "right": 1, "join": 1}


def test_parallel_branches_keep_each_others_step_counts(deploy: Callable[..., AppInstance]
                                                        ) -> None:
    h = Harness(deploy)
    doc = h.call("POST", "/start", {})
    assert [h.run(h.jobs.pop(0)) for _ in range(2)] == ["first", "second"]
    left, right = h.jobs.pop(0), h.jobs.pop(0)
    # right runs first, then left: the join is enqueued once, by the last branch
    assert [h.run(right), h.run(left)] == ["right", "left"]
    assert [j["topic"] for j in h.jobs] == ["workflowqueue_three_join"]
    st = h.call("GET", f"/state/{doc['_id']}")
    assert set(st["stepCount"]) == {"first", "second", "left", "right"}
    assert all("finishTime" in st["stepCount"][b] for b in ("left", "right"))


def test_max_step_count_is_recorded_as_last_error(deploy: Callable[..., AppInstance]) -> None:
    h = Harness(deploy)
    doc = h.call("POST", "/start", {"loop": True})
    assert h.drain() == ["first", "second", "second", "second", "second"]
    st = h.call("GET", f"/state/{doc['_id']}")
    assert st["lastError"]["message"] == ("Step second has been executed 4 times, which is "
                                          "greater than the maximum step count of 3")
    assert st["nextStep"] == "second"


def test_cancel_stops_the_next_steps(deploy: Callable[..., AppInstance]) -> None:
    h = Harness(deploy)
    doc = h.call("POST", "/start", {})
    assert h.run(h.jobs.pop(0)) == "first"
    cancelled = h.call("POST", f"/cancel/{doc['_id']}")
    assert cancelled["status"] == "cancelled"
    assert h.drain() == ["second"]  # delivered, but skipped
    st = h.call("GET", f"/state/{doc['_id']}")
    assert st["status"] == "cancelled" and st["nextStep"] == "second"
    assert "second" not in st["stepCount"]
