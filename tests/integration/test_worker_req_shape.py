"""The worker's `req.body` on a real node, on both executor transports (issue 17 item 6).

The official local server hands a worker fed by `enqueueFromQuery` `{_id: <the queued
document's _id>, topic, payload: <the document>, jobId, _created}`, and apps update the
source document with `conn.updateOne(coll, req.body._id, ...)`. So for jobs made from a
query (the app's `conn.enqueueFromQuery` and the admin's `query --enqueue`) `_id` is the
source document's `_id`, even when a projection leaves `_id` out of the payload and after
a dead letter is re-driven; a plain `enqueue` keeps its job id there."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from tests.support.nodes import RunningNode, brygge, deployed_node, wait_until

APP = r"""
import {app, Datastore} from 'codehooks-js';
app.auth('/*', (req, res, next) => next());
async function record(req) {
  const conn = await Datastore.open();
  await conn.insertOne('bodies', {topic: req.body.topic, keys: Object.keys(req.body),
                                  body: req.body});
  await conn.incr('runs:' + req.body.topic, 1);
  return conn;
}
// as apps written against the official local server do: the update by req.body._id
// rejects "not found" unless it is the source document's _id (then the job is retried)
app.worker('mark', async (req, res) => {
  const conn = await record(req);
  await conn.updateOne(req.body.payload.coll, req.body._id, {$set: {done: req.body.jobId}});
  res.end();
});
app.worker('plain', async (req, res) => { await record(req); res.end(); });
app.worker('healing', async (req, res) => {
  const conn = await record(req);
  if ((await conn.get('healed')) !== 'yes') throw new Error('not yet');
  await conn.updateOne('heal', req.body._id, {$set: {done: req.body.jobId}});
  res.end();
});
app.post('/fill/:coll', async (req, res) => {
  const conn = await Datastore.open();
  const docs = [];
  for (let i = 0; i < req.body.n; i++) {
    const d = {coll: req.params.coll, i, secret: 's' + i};
    if (req.body.ids) d._id = req.body.ids[i];
    docs.push(d);
  }
  res.json(await conn.insertMany(req.params.coll, docs));
});
app.post('/fromquery/:coll/:topic', async (req, res) => {
  const conn = await Datastore.open();
  res.json(await conn.enqueueFromQuery(req.params.coll, {}, req.params.topic,
                                       req.body.options || {}));
});
app.post('/enq/:topic', async (req, res) => {
  const conn = await Datastore.open();
  res.json(await conn.enqueue(req.params.topic, req.body.payload));
});
app.get('/docs/:coll', async (req, res) => {
  const conn = await Datastore.open();
  res.json(await conn.getMany(req.params.coll, {}, {limit: 1000}).toArray());
});
app.get('/kv/:k', async (req, res) => {
  const conn = await Datastore.open();
  res.json({v: await conn.get(req.params.k)});
});
app.post('/kv/:k', async (req, res) => {
  const conn = await Datastore.open();
  res.json(await conn.set(req.params.k, req.body.v));
});
export default app.init();
"""

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


@pytest.fixture(scope="module", params=["inprocess", "grpc"])
def node(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Any:
    # batches of 2: a query's jobs cross atomic batches; retries come quickly
    with deployed_node(tmp_path_factory.mktemp(f"wreq-{request.param}"), APP,
                       BRYGGE_EXECUTOR_TRANSPORT=request.param, BRYGGE_QUEUE_PUBLISH_BATCH="2",
                       BRYGGE_QUEUE_RETRY_DELAY_MS="100", BRYGGE_DISPATCH_REFRESH_S="1") as n:
        yield n


def docs(node: RunningNode, coll: str) -> list[dict[str, Any]]:
    r = node.get(f"/dev/docs/{coll}")
    assert r.status_code == 200, r.text
    return list(r.json())


def kv(node: RunningNode, k: str) -> Any:
    return node.get(f"/dev/kv/{k}").json()["v"]


def fill(node: RunningNode, coll: str, n: int, ids: list[str] | None = None
         ) -> list[dict[str, Any]]:
    r = node.post(f"/dev/fill/{coll}", json={"n": n, "ids": ids})
    assert r.status_code == 200, r.text
    return docs(node, coll)


def bodies(node: RunningNode, topic: str) -> list[dict[str, Any]]:
    return [d for d in docs(node, "bodies") if d["topic"] == topic]


def dead(node: RunningNode, topic: str) -> list[dict[str, Any]]:
    r = httpx.get(f"{node.admin}/v1/projects/brygge/spaces/dev/queues/dead",
                  params={"topic": topic}, headers={"x-admintoken": node.admin_token},
                  timeout=30)
    assert r.status_code == 200, r.text
    return [d for d in r.json() if d["topic"] == topic]


def all_done(node: RunningNode, coll: str) -> list[dict[str, Any]] | None:
    got = docs(node, coll)
    return got if got and all(d.get("done") for d in got) else None


def assert_query_bodies(node: RunningNode, coll: str, source: list[dict[str, Any]],
                        topic: str = "mark", payload_has_id: bool = True) -> None:
    """Each source document was updated by its own job, at the first attempt, and the
    job's body has the official fields in the official order."""
    done = wait_until(lambda: all_done(node, coll), 60, f"every {coll} document updated")
    mine = {b["body"]["_id"]: b for b in bodies(node, topic)
            if isinstance(b["body"].get("payload"), dict)
            and b["body"]["payload"].get("coll") == coll}
    assert sorted(mine) == sorted(d["_id"] for d in source)
    for d in done:
        b = mine[d["_id"]]
        assert b["keys"] == ["_id", "topic", "payload", "jobId", "_created"], b
        body = b["body"]
        assert body["topic"] == topic and ISO.match(body["_created"])
        assert UUID.match(body["jobId"]) and d["done"] == body["jobId"]
        src = next(s for s in source if s["_id"] == d["_id"])
        want = dict(src) if payload_has_id else {k: v for k, v in src.items()
                                                  if k not in ("_id", "secret")}
        assert body["payload"] == want
    assert dead(node, topic) == []


def test_a_worker_fed_by_enqueue_from_query_updates_its_source_by_body_id(
        node: RunningNode) -> None:
    source = fill(node, "orders", 5)
    r = node.post("/dev/fromquery/orders/mark")
    assert r.status_code == 200, r.text
    assert r.json()["count"] == 5 and UUID.match(r.json()["jobId"])
    assert_query_bodies(node, "orders", source)
    # no retries: one run per document (a retry would have run before the update landed)
    runs = sum(1 for b in bodies(node, "mark") if b["body"]["payload"].get("coll") == "orders")
    assert runs == 5


def test_any_string_id_reaches_the_worker_exactly(node: RunningNode) -> None:
    """The source _id rides in a NATS header: one that would end the header line, add a
    header, or be trimmed or mangled as a header value still arrives byte for byte."""
    ids = [" lead and trail ", "crlf\r\nBrygge-Retries: 99", "blåbær 🍓", "tab\there", "\"q\""]
    source = fill(node, "oddids", len(ids), ids)
    assert sorted(d["_id"] for d in source) == sorted(ids)
    r = node.post("/dev/fromquery/oddids/mark")
    assert r.status_code == 200 and r.json()["count"] == len(ids), r.text
    assert_query_bodies(node, "oddids", source)


def test_body_id_is_the_source_id_when_the_projection_drops_it(node: RunningNode) -> None:
    source = fill(node, "projected", 3)
    r = node.post("/dev/fromquery/projected/mark",
                  json={"options": {"hints": {"$fields": {"_id": 0, "secret": 0}}}})
    assert r.status_code == 200 and r.json()["count"] == 3, r.text
    assert_query_bodies(node, "projected", source, payload_has_id=False)


def test_plain_enqueue_keeps_the_job_id_in_body_id(node: RunningNode) -> None:
    for payload in ({"_id": "not-a-source", "a": 1}, "text"):
        job = node.post("/dev/enq/plain", json={"payload": payload}).json()
        assert job["_id"] == job["jobId"] and UUID.match(job["_id"])
        got = wait_until(lambda j=job: next((b for b in bodies(node, "plain")
                                             if b["body"]["jobId"] == j["jobId"]), None),
                         30, "the plain job")
        assert got["keys"] == ["payload", "jobId", "topic", "_id", "_created"], got
        body = got["body"]
        assert body["_id"] == job["_id"] and body["topic"] == "plain"
        assert body["payload"] == payload and ISO.match(body["_created"])


def test_the_admin_query_enqueue_gives_the_same_shape(node: RunningNode) -> None:
    source = fill(node, "admorders", 3)
    out = brygge("query", "admorders", "--enqueue", "mark", "--data-dir", str(node.data_dir))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["count"] == 3, out.stdout
    assert_query_bodies(node, "admorders", source)
    # and the `_A_D_M_` op the official coho CLI's `query --enqueue` uses
    source2 = fill(node, "cohoorders", 2)
    r = httpx.get(f"{node.base}/dev/_A_D_M_query/cohoorders?q={{}}&h={{}}", timeout=30,
                  headers={"x-admintoken": node.admin_token,
                           "x-options": json.dumps({"enqueue": "mark"})})
    assert r.status_code == 200 and r.json()["count"] == 2, r.text
    assert_query_bodies(node, "cohoorders", source2)


def test_a_redriven_dead_letter_keeps_its_source_id(node: RunningNode) -> None:
    source = fill(node, "heal", 2)
    r = node.post("/dev/fromquery/heal/healing", json={"options": {"retries": 0}})
    assert r.status_code == 200 and r.json()["count"] == 2, r.text
    letters = wait_until(lambda: len(d := dead(node, "healing")) == 2 and d, 60,
                         "two dead letters")
    assert sorted(d["sourceId"] for d in letters) == sorted(d["_id"] for d in source)
    node.post("/dev/kv/healed", json={"v": "yes"})
    redrive = httpx.post(f"{node.admin}/v1/projects/brygge/spaces/dev/queues/retry",
                         json={"topic": "healing"}, timeout=30,
                         headers={"x-admintoken": node.admin_token})
    assert redrive.status_code == 200, redrive.text
    done = wait_until(lambda: all_done(node, "heal"), 60, "the re-driven jobs")
    assert sorted(d["_id"] for d in done) == sorted(d["_id"] for d in source)
    assert kv(node, "runs:healing") == "4"
