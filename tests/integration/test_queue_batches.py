"""Jobs of one topic fetched together run as one invocation (sandbox/dispatcher.py,
Executor.run_jobs): each still has its own outcome, retries, timeout and log lines.

The jobs are queued before their worker is deployed, so the worker's consumer finds
them all at once and its first fetch hands them to one invocation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from tests.support.nodes import brygge, new_node, wait_until

BASE = r"""
import {app, Datastore} from 'codehooks-js';
app.auth('/*', (req, res, next) => next());
app.post('/enq', async (req, res) => {
  const conn = await Datastore.open();
  const out = [];
  for (const p of req.body.jobs) out.push((await conn.enqueue('mix', p, {retries: 0}))._id);
  res.json(out);
});
app.get('/kv/:k', async (req, res) => {
  const conn = await Datastore.open();
  res.json({v: await conn.get(req.params.k)});
});
app.get('/levels', async (req, res) => {
  const conn = await Datastore.open();
  res.json(await conn.getMany('levels', {}, {limit: 1000}).toArray());
});
// How many jobs of the topic were running when this one started (incr is atomic): 1 for
// every job of a batch, which runs its jobs one after the other in one invocation;
// jobs in invocations of their own run side by side.
async function level(conn, i) {
  await conn.insertOne('levels', {i, level: await conn.incr('running', 1)});
}
"""

ENV = {"BRYGGE_DISPATCH_REFRESH_S": "1"}


def levels(node: Any) -> dict[int, int]:
    return {d["i"]: d["level"] for d in node.get("/dev/levels").json()}

WORKER = r"""
app.worker('mix', async (req, res) => {
  const conn = await Datastore.open();
  const p = req.body.payload;
  await level(conn, p.i);
  await conn.incr('ran-' + p.i, 1);
  console.log('job ' + p.i + ' runs');
  try {
    if (p.kind === 'throw') throw new Error('job ' + p.i + ' is broken');
    if (p.kind === 'loop') for (;;) {}  // only its own budget stops it (the instance dies)
    if (p.kind === 'hang') await new Promise(() => setTimeout(() => {}, 60000));
    await new Promise((r) => setTimeout(r, 300));  // long enough to overlap if not batched
    await conn.incr('ok-' + p.i, 1);
  } finally {
    await conn.decr('running', 1);
  }
  res.end();
}, {workers: 20, timeout: 1500});
"""

KINDS = ["ok", "throw", "ok", "loop", "ok", "hang", "ok", "ok"]


def test_a_failing_job_does_not_fail_its_batch_mates(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "index.js").write_text(BASE + "export default app.init();\n")
    node = new_node(tmp_path, **ENV)
    node.start()
    try:
        assert node.deploy(app).returncode == 0
        r = node.post("/dev/enq", json={"jobs": [{"i": i, "kind": k}
                                                 for i, k in enumerate(KINDS)]})
        assert r.status_code == 200, r.text
        ids = r.json()
        (app / "index.js").write_text(BASE + WORKER + "export default app.init();\n")
        assert node.deploy(app).returncode == 0

        def kv(k: str) -> Any:
            return node.get(f"/dev/kv/{k}").json()["v"]

        def dead() -> dict[str, str]:
            r = httpx.get(f"{node.admin}/v1/projects/brygge/spaces/dev/queues/dead",
                          headers={"x-admintoken": node.admin_token}, timeout=30)
            return {d["jobId"]: d["error"] for d in r.json()}

        bad = {i for i, k in enumerate(KINDS) if k != "ok"}
        wait_until(lambda: all(kv(f"ok-{i}") == "1" for i in range(len(KINDS)) if i not in bad)
                   and len(set(dead()) & set(ids)) == len(bad), 60,
                   "every job's outcome")
        died = dead()
        assert {i for i, job in enumerate(ids) if job in died} == bad
        assert "job 1 is broken" in died[ids[1]]
        assert "stopped" in died[ids[3]] and "stopped" in died[ids[5]], died
        for i, kind in enumerate(KINDS):
            # every job ran exactly once: no batch-mate was re-run for another's failure
            assert kv(f"ran-{i}") == "1", (i, kind)
            assert kv(f"ok-{i}") == ("1" if kind == "ok" else None), (i, kind)

        def lines() -> list[dict[str, Any]]:
            out = brygge("logs", "--data-dir", str(node.data_dir), "--json").stdout
            return [e for e in map(json.loads, out.splitlines()) if e["log"].startswith("job ")]

        # (the job that looped lost its lines with its instance; the one that hung kept them)
        want = {i for i, k in enumerate(KINDS) if k != "loop"}
        got = wait_until(lambda: (ls := lines()) and {int(e["log"].split()[1]) for e in ls}
                         >= want and ls, 90, "the jobs' console lines")
        for e in got:  # each line carries the id of the job that logged it
            i = int(e["log"].split()[1])
            assert e["requestId"] == ids[i] and e["context"] == "queuehooks", e
            assert e["source"] == "worker mix", e
        # they ran as one batch: one after the other up to the one that looped (after it
        # killed the instance the rest run one by one, with its count left behind)
        assert [levels(node)[i] for i in range(4)] == [1, 1, 1, 1], levels(node)
    finally:
        node.stop()


SLOW = r"""
app.worker('mix', async (req, res) => {
  const conn = await Datastore.open();
  await level(conn, req.body.payload.i);
  await conn.incr('ran-' + req.body.payload.i, 1);
  await new Promise((r) => setTimeout(r, 700));
  await conn.decr('running', 1);
  res.end();
}, {workers: 10, timeout: 1000});
"""


def test_a_batch_longer_than_ack_wait_is_not_redelivered(tmp_path: Path) -> None:
    # ack_wait = timeout 1 s + grace 1 s; the batch of 5 jobs takes 3.5 s, acked at its
    # end: the dispatcher reports them in progress meanwhile, so none runs twice.
    app = tmp_path / "app"
    app.mkdir()
    (app / "index.js").write_text(BASE + "export default app.init();\n")
    node = new_node(tmp_path, **ENV, BRYGGE_QUEUE_ACK_GRACE_S="1")
    node.start()
    try:
        assert node.deploy(app).returncode == 0
        assert node.post("/dev/enq", json={"jobs": [{"i": i} for i in range(5)]}
                         ).status_code == 200
        (app / "index.js").write_text(BASE + SLOW + "export default app.init();\n")
        assert node.deploy(app).returncode == 0

        def queue() -> dict[str, Any]:
            r = httpx.get(f"{node.admin}/v1/projects/brygge/spaces/dev/queues",
                          headers={"x-admintoken": node.admin_token}, timeout=30)
            return next((q for q in r.json() if q["topic"] == "mix"), {})

        def kv(k: str) -> Any:
            return node.get(f"/dev/kv/{k}").json()["v"]

        wait_until(lambda: all(kv(f"ran-{i}") for i in range(5))
                   and (q := queue()) and q["queued"] + q["inFlight"] == 0, 60,
                   "the batch to be done")
        assert [kv(f"ran-{i}") for i in range(5)] == ["1"] * 5
        # one batch (one after the other), so it did outlast ack_wait: 5 x 0.7 s > 2 s
        assert levels(node) == dict.fromkeys(range(5), 1), levels(node)
    finally:
        node.stop()
