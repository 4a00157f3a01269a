"""Workflows on a real node (issue 6): createWorkflow's steps run as queue jobs through
the dispatcher (sandbox/js/codehooks/workflow.js on enqueue + datastore), and `brygge
workflow-status` lists the instances (control plane: GET .../workflows). On both executor
transports: the steps are delivered by the executor's dispatcher either way.

Needs the dispatcher (sandbox/dispatcher.py): until it runs jobs, the steps never run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.nodes import RunningNode, brygge, new_node, wait_until
from tests.support.workflow_app import WORKFLOW_THREE

APP = WORKFLOW_THREE + r"""
// cancelled while it waits: a later continue delivers the step, which must be skipped
const held = app.createWorkflow('held', 'cancel a running instance', {
  begin: async (state, goto) => goto('hold', state),
  hold: async (state, goto, wait) => (state.go ? goto('after', state) : wait({held: true})),
  after: async (state, goto) => goto(null, {after: true}),
});
app.post('/held/start', async (req, res) => res.json(await held.start({})));
app.post('/held/go/:id', async (req, res) =>
  res.json(await held.updateState(req.params.id, {go: true}, {continue: true})));
app.post('/held/cancel/:id', async (req, res) =>
  res.json(await held.cancelWorkflow(req.params.id)));
export default app.init();
"""


@pytest.fixture(scope="module", params=["inprocess", "grpc"])
def node(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Any:
    tmp = tmp_path_factory.mktemp(f"wf-{request.param}")
    app = tmp / "app"
    app.mkdir()
    (app / "index.js").write_text(APP)
    n = new_node(tmp, BRYGGE_EXECUTOR_TRANSPORT=request.param)
    n.start()
    d = n.deploy(app)
    assert d.returncode == 0, d.stderr
    yield n
    n.stop()


def state(node: RunningNode, wid: str) -> dict[str, Any]:
    r = node.get(f"/dev/state/{wid}", headers=node.auth())
    assert r.status_code == 200, r.text
    return dict(r.json())


def status_rows(node: RunningNode, *args: str) -> dict[str, dict[str, Any]]:
    r = brygge("workflow-status", "--json", *args, "--data-dir", str(node.data_dir))
    assert r.returncode == 0, r.stderr
    return {row["_id"]: row for row in json.loads(r.stdout)}


def test_goto_fan_out_join_wait_and_continue(node: RunningNode) -> None:
    wid = node.post("/dev/start", json={"n": 1}, headers=node.auth()).json()["_id"]
    wait_until(lambda: state(node, wid).get("waiting") is True, 60, "the join step to wait")
    st = state(node, wid)
    assert (st["nextStep"], st["left"], st["right"], st["a"]) == ("join", True, True, 1)
    assert status_rows(node)[wid]["status"] == "running"
    r = node.post(f"/dev/approve/{wid}", json={}, headers=node.auth())
    assert r.status_code == 200, r.text
    wait_until(lambda: state(node, wid)["nextStep"] is None, 60, "the workflow to complete")
    st = state(node, wid)
    assert st["done"] is True and st["approved"] is True
    # the parallel branches kept each other's counts; the join was delivered once
    assert {k: v["visits"] for k, v in st["stepCount"].items()} == {
        "first": 1, "second": 1, "left": 1, "right": 1, "join": 1}
    assert all("finishTime" in st["stepCount"][b] for b in ("left", "right"))
    row = status_rows(node)[wid]
    assert (row["workflowName"], row["nextStep"], row["status"]) == ("three", None, "completed")
    assert wid not in status_rows(node, "--active")


def test_max_step_count_error_is_listed(node: RunningNode) -> None:
    wid = node.post("/dev/start", json={"loop": True}, headers=node.auth()).json()["_id"]
    wait_until(lambda: state(node, wid).get("lastError"), 60, "the step count error")
    msg = ("Step second has been executed 4 times, which is greater than the maximum step "
           "count of 3")
    assert state(node, wid)["lastError"]["message"] == msg
    row = status_rows(node)[wid]
    assert (row["status"], row["lastError"], row["nextStep"]) == ("failed", msg, "second")
    table = brygge("workflow-status", "--data-dir", str(node.data_dir))
    assert wid in table.stdout and "maximum step count" in table.stdout


def test_cancel(node: RunningNode) -> None:
    wid = node.post("/dev/start", json={"n": 2}, headers=node.auth()).json()["_id"]
    r = node.post(f"/dev/cancel/{wid}", headers=node.auth())
    assert r.json()["status"] == "cancelled"
    assert status_rows(node)[wid]["status"] == "cancelled"


def idle(node: RunningNode, prefix: str) -> bool:
    """No job of the topics starting with `prefix` queued or running (JOBS is a work
    queue: a job leaves the stream when its run is acknowledged)."""
    r = httpx.get(f"{node.admin}/v1/projects/brygge/spaces/dev/queues",
                  headers={"x-admintoken": node.admin_token})
    assert r.status_code == 200, r.text
    rows = [q for q in r.json() if q["topic"].startswith(prefix)]
    assert rows, r.json()
    return all(q["queued"] == 0 and q["inFlight"] == 0 for q in rows)


def test_cancelling_a_running_workflow_stops_its_next_steps(node: RunningNode) -> None:
    wid = node.post("/dev/held/start", headers=node.auth()).json()["_id"]
    wait_until(lambda: state(node, wid).get("held") is True, 60, "the hold step to wait")
    r = node.post(f"/dev/held/cancel/{wid}", headers=node.auth())
    assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text
    # continue queues the hold step again (its visits start over at 0): delivered, skipped
    r = node.post(f"/dev/held/go/{wid}", headers=node.auth())
    assert r.status_code == 200, r.text
    wait_until(lambda: idle(node, "workflowqueue_held_"), 60, "the held steps to be delivered")
    st = state(node, wid)
    assert (st["status"], st["nextStep"], st["go"]) == ("cancelled", "hold", True)
    assert st["stepCount"]["hold"]["visits"] == 0, st["stepCount"]
    assert "after" not in st["stepCount"] and "after" not in st, st
    assert status_rows(node)[wid]["status"] == "cancelled"


def test_no_workflow_collection_lists_nothing(tmp_path: Path, node: RunningNode) -> None:
    r = brygge("workflow-status", "--json", "--collection", "nothing-here",
               "--data-dir", str(node.data_dir))
    assert r.returncode == 0 and json.loads(r.stdout) == []
