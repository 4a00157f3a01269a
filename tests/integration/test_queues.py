"""Queues and workers on a real node (issue 6): payloads and job ids reach workers,
`workers` bounds concurrency, enqueueFromQuery, retries with backoff ending in the
dead-letter stream, status >= 500 and throws as failures, idempotency keys, jobs that
wait for their worker's deployment, schedule.runAt, and the official CLI's
`query --enqueue`."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.nodes import RunningNode, create_space, new_node, wait_until

APP = r"""
import {app, Datastore, schedule} from 'codehooks-js';
app.auth('/*', (req, res, next) => next());
app.post('/enq/:topic', async (req, res) => {
  const conn = await Datastore.open();
  res.status(201).json(await conn.enqueue(req.params.topic, req.body.payload, req.body.options || {}));
});
app.post('/fromquery', async (req, res) => {
  const conn = await Datastore.open();
  await conn.insertMany('src', [{n: 1}, {n: 2}, {n: 3}, {n: 4}]);
  res.json(await conn.enqueueFromQuery('src', {n: {$gt: 1}}, 'echo'));
});
app.post('/later', async (req, res) => {
  await schedule.runAt(new Date(Date.now() + 1500), {later: Date.now() + 1500}, 'echo');
  res.json({ok: true});
});
app.post('/mkcoll', async (req, res) => {
  const conn = await Datastore.open();
  await conn.dropCollection('clisrc').catch(() => null);
  await conn.insertMany('clisrc', [{c: 1}, {c: 2}, {c: 3}, {c: 4}]);
  res.json({ok: true});
});
app.post('/enq-many/:topic', async (req, res) => {
  const conn = await Datastore.open();
  for (let i = 0; i < req.body.n; i++) await conn.enqueue(req.params.topic, i);
  res.status(201).json({ok: true});
});
app.get('/parlevels', async (req, res) => {
  const conn = await Datastore.open();
  res.json((await conn.getMany('parlevels', {}, {limit: 100000}).toArray()).map((d) => d.now));
});
app.get('/seen', async (req, res) => {
  const conn = await Datastore.open();
  res.json(await conn.getMany('seen', {}, {limit: 100000}).toArray());
});
app.get('/kv/:k', async (req, res) => {
  const conn = await Datastore.open();
  res.json({v: await conn.get(req.params.k)});
});
app.post('/kv/:k', async (req, res) => {
  const conn = await Datastore.open();
  await conn.set(req.params.k, req.body.v);
  res.json({ok: true});
});
app.worker('echo', async (req, res) => {
  const conn = await Datastore.open();
  await conn.insertOne('seen', {payload: req.body.payload, jobId: req.body.jobId, at: Date.now()});
  res.end();
});
app.worker('par', async (req, res) => {
  const conn = await Datastore.open();
  // incr is atomic: each job records the level it saw, and the test takes the highest
  // (a read-then-set of a max could lose the highest level to a racing job)
  const now = await conn.incr('running', 1);
  await conn.insertOne('parlevels', {now});
  await new Promise((r) => setTimeout(r, 200));
  await conn.decr('running', 1);
  await conn.incr('pardone', 1);
  res.end();
}, {workers: 3});
app.worker('fail', async (req, res) => {
  const conn = await Datastore.open();
  await conn.incr('failtries', 1);
  if ((await conn.get('healed')) === 'yes') { await conn.incr('healedrun', 1); return res.end(); }
  throw new Error('always broken');
});
app.worker('status500', (req, res) => { res.status(503).end('nope'); });
app.worker('slow', async (req, res) => { await new Promise((r) => setTimeout(r, 3000)); res.end(); },
           {timeout: 300});
app.worker('gaps', async (req, res) => {
  const conn = await Datastore.open();
  await conn.insertOne('gaps', {at: Date.now()});
  throw new Error('again');
});
app.get('/gaps', async (req, res) => {
  const conn = await Datastore.open();
  res.json((await conn.getMany('gaps', {}).toArray()).map((d) => d.at).sort((a, b) => a - b));
});
app.post('/fromquery-big', async (req, res) => {
  const conn = await Datastore.open();
  await conn.dropCollection('bigsrc').catch(() => null);
  await conn.insertMany('bigsrc', [{k: 1}, {k: 2}, {k: 3}, {k: 4}]);
  await conn.insertOne('bigsrc', {k: 5, blob: 'x'.repeat(2 * 1024 * 1024)});
  await conn.insertOne('bigsrc', {k: 6});
  try {
    res.json(await conn.enqueueFromQuery('bigsrc', {}, 'echo'));
  } catch (e) {
    res.status(400).json({error: e.message});
  }
});
app.post('/enq-big', async (req, res) => {
  const conn = await Datastore.open();
  try {
    res.json(await conn.enqueue('echo', {blob: 'x'.repeat(2 * 1024 * 1024)}));
  } catch (e) {
    res.status(400).json({error: e.message});
  }
});
app.worker('flood', async (req, res) => {
  await new Promise((r) => setTimeout(r, 100));
  res.end();
}, {workers: 20});
app.post('/flood', async (req, res) => {
  const conn = await Datastore.open();
  const docs = [];
  for (let i = 0; i < req.body.n; i++) docs.push({i});
  await conn.insertMany('floodsrc', docs);
  res.json(await conn.enqueueFromQuery('floodsrc', {}, 'flood'));
});
export default app.init();
"""


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("queues")
    app = tmp / "app"
    app.mkdir()
    (app / "index.js").write_text(APP)
    # enqueueFromQuery publishes atomic batches of 2 here: every test crosses batches
    n = new_node(tmp, BRYGGE_QUEUE_RETRY_DELAY_MS="100", BRYGGE_DISPATCH_REFRESH_S="1",
                 BRYGGE_QUEUE_PUBLISH_BATCH="2")
    n.start()
    d = n.deploy(app)
    assert d.returncode == 0, d.stderr
    yield n
    n.stop()


def seen(node: RunningNode) -> list[dict[str, Any]]:
    return node.get("/dev/seen").json()


def kv(node: RunningNode, k: str) -> Any:
    return node.get(f"/dev/kv/{k}").json()["v"]


def admin(node: RunningNode, method: str, path: str, **kw: Any) -> httpx.Response:
    return httpx.request(method, f"{node.admin}/v1/projects/brygge/spaces/dev{path}",
                         headers={"x-admintoken": node.admin_token}, timeout=30, **kw)


@pytest.mark.parametrize("payload", ["text", {"a": [1, {"b": "blåbær 🍓"}]}, 42, None])
def test_worker_gets_the_payload_and_job_id(node: RunningNode, payload: Any) -> None:
    r = node.post("/dev/enq/echo", json={"payload": payload})
    assert r.status_code == 201, r.text
    job = r.json()
    assert job["_id"] == job["jobId"] and job["topic"] == "echo"
    got = wait_until(lambda: next((d for d in seen(node) if d["jobId"] == job["_id"]), None),
                     30, "the worker to run")
    assert got.get("payload") == payload


def test_workers_bound_concurrency(node: RunningNode) -> None:
    # queued at once (faster than they run: 200 ms each), so more than 3 could run together
    assert node.post("/dev/enq-many/par", json={"n": 40}).status_code == 201
    wait_until(lambda: kv(node, "pardone") == "40", 60, "40 jobs")
    levels = node.get("/dev/parlevels").json()
    assert len(levels) == 40 and 1 <= max(levels) <= 3, sorted(levels)


def test_enqueue_from_query(node: RunningNode) -> None:
    before = len(seen(node))
    r = node.post("/dev/fromquery").json()
    assert r["count"] == 3 and len(r["jobId"]) == 36
    wait_until(lambda: len(seen(node)) >= before + 3, 30, "the query's jobs")
    ns = sorted(d["payload"]["n"] for d in seen(node)
                if isinstance(d.get("payload"), dict) and "n" in d["payload"])
    assert ns == [2, 3, 4]


def test_a_payload_too_large_for_the_queue_is_a_clear_error(node: RunningNode) -> None:
    """enqueueFromQuery stops at the batch holding a 2 MiB document: the batches before
    it are queued (and said so), none of the refused batch is; enqueue refuses too."""
    before = len(seen(node))
    r = node.post("/dev/fromquery-big")
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert "enqueueFromQuery stopped after 4 jobs" in err and "larger than the queue" in err
    wait_until(lambda: len(seen(node)) >= before + 4, 30, "the jobs queued before it")
    ks = sorted(d["payload"]["k"] for d in seen(node)
                if isinstance(d.get("payload"), dict) and "k" in d["payload"])
    assert ks == [1, 2, 3, 4]
    one = node.post("/dev/enq-big")
    assert one.status_code == 400 and "larger than the queue" in one.json()["error"], one.text
    ok = node.post("/dev/enq/echo", json={"payload": {"k": 7}})  # the queue still works
    assert ok.status_code == 201, ok.text
    wait_until(lambda: any(isinstance(d.get("payload"), dict) and d["payload"].get("k") == 7
                           for d in seen(node)), 30, "a normal job after the refusals")


def test_a_failing_job_is_retried_then_dead_lettered_and_can_be_redriven(
        node: RunningNode) -> None:
    r = node.post("/dev/enq/fail", json={"payload": {"x": 1}, "options": {"retries": 2}})
    assert r.status_code == 201
    job = r.json()["_id"]
    dead = wait_until(lambda: [d for d in admin(node, "GET", "/queues/dead").json()
                               if d["jobId"] == job], 60, "the job to be dead-lettered")
    assert dead[0]["attempts"] == 3 and "always broken" in dead[0]["error"]
    assert kv(node, "failtries") == "3"  # exactly retries + 1 attempts
    status = {q["topic"]: q for q in admin(node, "GET", "/queues").json()}
    assert status["fail"]["dead"] >= 1
    node.post("/dev/kv/healed", json={"v": "yes"})
    assert admin(node, "POST", "/queues/retry", json={"topic": "fail"}).status_code == 200
    wait_until(lambda: kv(node, "healedrun") == "1", 30, "the re-driven job")
    assert not [d for d in admin(node, "GET", "/queues/dead").json() if d["jobId"] == job]


def test_status_500_is_a_failure(node: RunningNode) -> None:
    job = node.post("/dev/enq/status500", json={"payload": 1,
                                                "options": {"retries": 0}}).json()["_id"]
    dead = wait_until(lambda: [d for d in admin(node, "GET", "/queues/dead").json()
                               if d["jobId"] == job], 30, "dead letter")
    assert "503" in dead[0]["error"]
    assert admin(node, "POST", "/queues/purge", json={"topic": "status500", "dead": True}
                 ).status_code == 200
    assert not [d for d in admin(node, "GET", "/queues/dead").json() if d["jobId"] == job]


def test_idempotency_key_drops_duplicates(node: RunningNode) -> None:
    for _ in range(3):
        assert node.post("/dev/enq/echo", json={"payload": "once",
                                                "options": {"idempotencyKey": "k1"}}
                         ).status_code == 201
    wait_until(lambda: any(d.get("payload") == "once" for d in seen(node)), 30, "the job")
    node.post("/dev/enq/echo", json={"payload": "marker"})
    wait_until(lambda: any(d.get("payload") == "marker" for d in seen(node)), 30, "marker")
    assert sum(d.get("payload") == "once" for d in seen(node)) == 1


def test_run_at_runs_not_before_its_time(node: RunningNode) -> None:
    assert node.post("/dev/later").status_code == 200
    got = wait_until(lambda: next((d for d in seen(node) if isinstance(d.get("payload"), dict)
                                   and "later" in d["payload"]), None), 30, "the runAt job")
    assert got["at"] >= got["payload"]["later"] - 1000  # NATS fires at second precision


def test_jobs_wait_for_a_worker_to_be_deployed(node: RunningNode, tmp_path: Path) -> None:
    r = node.post("/dev/enq/notyet", json={"payload": "waited"})
    assert r.status_code == 201
    status = wait_until(lambda: [q for q in admin(node, "GET", "/queues").json()
                                 if q["topic"] == "notyet"], 30, "the queued job")
    assert status[0]["queued"] == 1
    app = tmp_path / "app2"
    app.mkdir()
    (app / "index.js").write_text(APP.replace("export default app.init();", """
app.worker('notyet', async (req, res) => {
  const conn = await Datastore.open();
  await conn.insertOne('seen', {payload: req.body.payload, jobId: req.body.jobId, at: Date.now()});
  res.end();
});
export default app.init();"""))
    assert node.deploy(app).returncode == 0
    wait_until(lambda: any(d.get("payload") == "waited" for d in seen(node)), 30,
               "the job after its worker was deployed")


def test_official_cli_query_enqueue(node: RunningNode) -> None:
    assert node.post("/dev/mkcoll").status_code == 200
    before = len(seen(node))
    r = httpx.get(f"{node.base}/dev/_A_D_M_query/clisrc?q={{}}&h={{}}", timeout=30,
                  headers={"x-admintoken": node.admin_token,
                           "x-options": json.dumps({"enqueue": "echo"})})
    assert r.status_code == 200, r.text
    assert r.json()["count"] == 4 and r.json()["jobId"]
    wait_until(lambda: len(seen(node)) >= before + 4, 30, "the enqueued documents")


def test_cli_queue_status_retry_and_purge(node: RunningNode) -> None:
    from tests.support.nodes import brygge

    d = ["--data-dir", str(node.data_dir)]
    job = node.post("/dev/enq/status500", json={"payload": "cli", "options": {"retries": 0}}
                    ).json()["_id"]
    wait_until(lambda: job in brygge("queue-status", "--dead", *d).stdout, 30,
               "the dead letter in the CLI")
    out = brygge("queue-status", *d)
    assert out.returncode == 0 and "status500" in out.stdout and "DEAD" in out.stdout
    js = json.loads(brygge("queue-status", "--json", *d).stdout)
    assert any(q["topic"] == "status500" and q["dead"] >= 1 for q in js)
    r = brygge("queue", "retry", "status500", *d)
    assert r.returncode == 0 and "Queued 1 dead-lettered job(s) again" in r.stdout, r.stdout
    wait_until(lambda: job in brygge("queue-status", "--dead", *d).stdout, 30,
               "the re-driven job to fail again")
    r = brygge("queue", "purge", "status500", "--dead", *d)
    assert r.returncode == 0 and "Purged 1 dead letter(s)" in r.stdout, r.stdout
    bad = brygge("queue", "retry", *d)
    assert bad.returncode != 0 and "name one topic, or --all" in bad.stderr + bad.stdout


def test_a_job_past_its_timeout_fails(node: RunningNode) -> None:
    job = node.post("/dev/enq/slow", json={"payload": 1, "options": {"retries": 0}}
                    ).json()["_id"]
    dead = wait_until(lambda: [d for d in admin(node, "GET", "/queues/dead").json()
                               if d["jobId"] == job], 30, "the timed-out job to die")
    assert "deadline" in dead[0]["error"] or "stopped" in dead[0]["error"], dead[0]


def test_backoff_gaps_grow(node: RunningNode) -> None:
    # retryDelay 200 ms: attempts come no sooner than 200, 400, 800 ms after the previous
    job = node.post("/dev/enq/gaps", json={"payload": 1, "options": {"retries": 3,
                                                                   "retryDelay": 200}}
                    ).json()["_id"]
    wait_until(lambda: [d for d in admin(node, "GET", "/queues/dead").json()
                        if d["jobId"] == job], 60, "the job to use up its retries")
    at = node.get("/dev/gaps").json()
    assert len(at) == 4
    gaps = [b - a for a, b in itertools.pairwise(at)]
    print(f"\nbackoff gaps (ms) for retryDelay 200: {gaps}")
    for i, g in enumerate(gaps):
        assert g >= 200 * 2**i - 50, gaps  # never earlier than the backoff (clock slack)


def test_a_flooding_space_does_not_starve_another(node: RunningNode, tmp_path: Path) -> None:
    create_space(node, "calm")
    app = tmp_path / "calm"
    app.mkdir()
    (app / "index.js").write_text(APP)
    assert node.deploy(app, space="calm").returncode == 0
    r = node.post("/dev/flood", json={"n": 2000})  # 2,000 jobs of 100 ms, 20 at a time
    assert r.status_code == 200 and r.json()["count"] == 2000
    calm = httpx.post(f"{node.base}/calm/enq/echo", json={"payload": "calm"}, timeout=30)
    assert calm.status_code == 201
    wait_until(lambda: any(d.get("payload") == "calm"
                           for d in httpx.get(f"{node.base}/calm/seen", timeout=30).json()),
               30, "the calm space's job")
    # ... while the flooding space still has a backlog
    flood = {q["topic"]: q for q in admin(node, "GET", "/queues").json()}["flood"]
    assert flood["queued"] > 0, flood
    admin(node, "POST", "/queues/purge", json={"topic": "flood"})
