"""The datastore and key-value APIs as apps call them, through a real node:
HTTP → router → executor → wasm → storage (RocksDB). One app exposes
`POST /call {method, args}` so each calling convention is a table row."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.nodes import RunningNode, new_node, wait_until

APP = r"""
import {app, Datastore} from 'codehooks-js';
app.auth('/*', (req, res, next) => next());
app.post('/call', async (req, res) => {
  const conn = await Datastore.open();
  const {method, args, stream} = req.body;
  const fix = (a) => (a && a.$re ? new RegExp(a.$re, a.flags || '') : a);
  const argv = (args || []).map((a) => (a && typeof a === 'object' && !Array.isArray(a)
    ? Object.fromEntries(Object.entries(a).map(([k, v]) => [k, fix(v)])) : a));
  try {
    let r = conn[method](...argv);
    if (stream === 'toArray') r = await r.toArray();
    else if (stream === 'json') return r.json(res);
    else if (stream === 'forEach') { const out = []; await r.forEach(async (d) => out.push(d)); r = out; }
    else if (stream === 'events') {
      r = await new Promise((resolve, reject) => { const out = [];
        r.on('data', (d) => out.push(d)); r.on('end', () => resolve(out)); r.on('error', reject); });
    }
    else r = await r;
    res.json({ok: r === undefined ? null : r});
  } catch (e) {
    res.status(400).json({error: e.message, name: e.name, schemaError: e.schemaError});
  }
});
app.post('/insert', async (req, res) => {
  const conn = await Datastore.open();
  res.status(201).json(await conn.insertOne('acked', req.body));
});
app.get('/col/:c', async (req, res) => {
  const conn = await Datastore.open();
  conn.getMany(req.params.c, {}).json(res);
});
export default app.init();
"""


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("ds")
    app = tmp / "app"
    app.mkdir()
    (app / "index.js").write_text(APP)
    n = new_node(tmp, BRYGGE_PAGE_SIZE="7")  # small pages: streaming crosses many pages
    n.start(app=str(app))
    yield n
    n.stop()


def call(node: RunningNode, method: str, *args: Any, stream: str | None = None) -> Any:
    r = node.post("/dev/call", json={"method": method, "args": list(args), "stream": stream})
    body = r.json()
    if r.status_code != 200:
        raise AssertionError(body) if r.status_code != 400 else ValueError(body)
    return body["ok"]


def err(node: RunningNode, method: str, *args: Any) -> dict[str, Any]:
    r = node.post("/dev/call", json={"method": method, "args": list(args)})
    assert r.status_code == 400, r.text
    return r.json()


def test_insert_get_and_ids(node: RunningNode) -> None:
    d = call(node, "insertOne", "people", {"name": "Ada", "age": 36})
    assert len(d["_id"]) == 24 and d["name"] == "Ada"
    assert call(node, "getOne", "people", d["_id"]) == d
    assert call(node, "findOne", "people", {"name": "Ada"}) == d
    assert call(node, "findOneOrNull", "people", "nope") is None
    assert err(node, "getOne", "people", "nope")["error"] == "not found"
    mine = call(node, "insertOne", "people", {"_id": "custom-1", "name": "Grace"})
    assert mine["_id"] == "custom-1"
    assert "already exists" in err(node, "insertOne", "people", {"_id": "custom-1"})["error"]


def test_getmany_conventions_and_streams(node: RunningNode) -> None:
    docs = [{"n": i, "even": i % 2 == 0, "tag": ["a", "b"][i % 2]} for i in range(30)]
    call(node, "insertMany", "nums", docs)
    allnums = call(node, "getMany", "nums", {}, stream="toArray")
    assert [d["n"] for d in allnums] == list(range(30))  # _id order = insertion order
    q = call(node, "getMany", "nums", {"n": {"$gte": 10}}, {"sort": {"n": -1}, "limit": 5,
                                                             "offset": 2}, stream="toArray")
    assert [d["n"] for d in q] == [27, 26, 25, 24, 23]
    legacy = call(node, "getMany", {"collection": "nums", "filter": {"tag": "a"},
                                    "hints": {"$fields": {"n": 1}}, "limit": 3},
                  stream="toArray")
    assert legacy == [{"_id": allnums[i]["_id"], "n": i} for i in (0, 2, 4)]
    crud = call(node, "getMany", "nums", {"even": True},
                {"filter": {"even": True}, "hints": {"sort": {"n": -1}, "fields": {"n": 1}},
                 "limit": 2, "offset": 1}, stream="toArray")
    assert [d["n"] for d in crud] == [26, 24]
    assert call(node, "getMany", "nums", {}, {"hints": {"$onlycount": True}},
                stream="toArray") == [{"count": 30}]
    assert len(call(node, "getMany", "nums", {}, stream="forEach")) == 30
    assert len(call(node, "getMany", "nums", {}, stream="events")) == 30
    r = node.post("/dev/call", json={"method": "getMany", "args": ["nums", {"n": {"$lt": 3}}],
                                     "stream": "json"})
    assert r.headers["content-type"].startswith("application/json")
    assert r.text.startswith("[\n {") and r.text.endswith("}\n]")
    assert [d["n"] for d in r.json()] == [0, 1, 2]
    assert node.get("/dev/col/empty").text == "[\n\n]"
    assert call(node, "count", "nums", {"tag": "b"}) == {"count": 15}
    regex = call(node, "getMany", "people", {"name": {"$re": "^gr", "flags": "i"}},
                 stream="toArray")
    assert [d["name"] for d in regex] == ["Grace"]


@pytest.mark.parametrize("query, message", [
    ({"n": {"$foo": 1}}, "$foo"),
    ({"n": {"$in": 3}}, "$in"),
])
def test_bad_queries_are_errors_not_empty_results(node: RunningNode, query: dict[str, Any],
                                                  message: str) -> None:
    e = err(node, "count", "nums", query)
    assert message in e["error"]


def test_updates(node: RunningNode) -> None:
    d = call(node, "insertOne", "acc", {"_id": "u1", "name": "x", "visits": 1, "tags": ["a"]})
    up = call(node, "updateOne", "acc", "u1", {"$set": {"profile.city": "Oslo"},
                                                "$inc": {"visits": 2}, "$push": {"tags": "b"}})
    assert up == {**d, "profile": {"city": "Oslo"}, "visits": 3, "tags": ["a", "b"]}
    assert call(node, "updateOne", "acc", {"_id": "u1"}, {"name": "merged"})["name"] == "merged"
    new = call(node, "updateOne", "acc", {"email": "jane@example.com"}, {"$inc": {"visits": 8}},
               {"upsert": True})
    assert new["email"] == "jane@example.com" and new["visits"] == 8 and len(new["_id"]) == 24
    assert call(node, "updateMany", "acc", {}, {"$set": {"flag": True}}) == {"count": 2}
    rep = call(node, "replaceOne", "acc", "u1", {"only": 1})
    assert rep == {"only": 1, "_id": "u1"}
    assert call(node, "removeOne", "acc", "u1") == {"_id": "u1"}
    assert call(node, "removeMany", "acc", {}) == {"count": 1}
    assert err(node, "updateOne", "acc", "gone", {"$set": {"a": 1}})["error"] == "not found"
    assert call(node, "updateOne", "acc", {"email": "nobody"}, {"$set": {"a": 1}}) is None


def test_indexes_answer_like_scans(node: RunningNode) -> None:
    call(node, "insertMany", "idx", [{"k": i % 7, "s": f"s{i:03d}"} for i in range(60)])
    before = call(node, "getMany", "idx", {"k": {"$in": [2, 3]}}, {"sort": {"s": 1}},
                  stream="toArray")
    call(node, "createIndex", "idx", ["k", "s"])
    after = call(node, "getMany", "idx", {"k": {"$in": [2, 3]}}, {"sort": {"s": 1}},
                 stream="toArray")
    assert before == after and len(after) == 18
    rng = call(node, "getMany", "idx", {"s": {"$gte": "s010", "$lt": "s020"}}, stream="toArray")
    assert [d["s"] for d in rng] == [f"s{i:03d}" for i in range(10, 20)]
    scan = call(node, "getMany", "idx", {}, {"useIndex": "s", "start": "s05", "reverse": True},
                stream="toArray")
    assert scan[0]["s"] == "s059"
    from storage.engine import Engine  # the catalogue, read as the CLI does: read-only
    ro = Engine(str(node.data_dir / "db"), read_only=True)
    try:
        space = json.loads(ro.call("", "sys.get", b'{"key": "space/brygge/dev"}'))
        cat = json.loads(ro.call(space["id"], "db.collections", b"{}"))
    finally:
        ro.close()
    idx = next(c for c in cat if c["name"] == "idx")
    assert sorted(idx["indexes"]) == ["k", "s"] and idx["count"] == 60


def test_schema_validation(node: RunningNode) -> None:
    schema = {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
              "properties": {"firstName": {"type": "string"},
                             "email": {"type": "string", "format": "email"}},
              "required": ["firstName"]}
    call(node, "createCollection", "person", {"schema": schema})
    e = err(node, "insertOne", "person", {"lastName": "x"})
    assert e["schemaError"] == [{"instancePath": "", "schemaPath": "#/required",
                                 "keyword": "required",
                                 "params": {"missingProperty": "firstName"},
                                 "message": "must have required property 'firstName'"}]
    ok = call(node, "insertOne", "person", {"firstName": "Ola", "email": "ola@example.com"})
    assert err(node, "updateOne", "person", ok["_id"], {"$set": {"firstName": 5}})["schemaError"]
    assert call(node, "getSchema", "person") == schema
    call(node, "removeSchema", "person")
    assert call(node, "insertOne", "person", {"lastName": "free"})["lastName"] == "free"


def test_key_value(node: RunningNode) -> None:
    assert call(node, "set", "greeting", "hei") in ("hei", {"key": "greeting", "value": "hei"})
    assert call(node, "get", "greeting") == "hei"
    assert call(node, "get", "missing") is None
    assert [call(node, "incr", "hits", 1) for _ in range(3)] == [1, 2, 3]
    assert call(node, "decr", "hits", 2) == 1
    call(node, "setObj", "cfg", {"a": [1, 2]})
    assert call(node, "getObj", "cfg") == {"a": [1, 2]}
    call(node, "set", "k", "other", {"keyspace": "ks"})
    assert call(node, "get", "k") is None and call(node, "get", "k", {"keyspace": "ks"}) == "other"
    for i in range(12):
        call(node, "set", f"page-{i:02d}", str(i))
    items = call(node, "getAll", "page-", stream="toArray")
    assert [i["key"] for i in items] == [f"page-{i:02d}" for i in range(12)]
    assert items[0]["val"] == "0"
    assert call(node, "delAll", "page-")["count"] == 12


def test_concurrent_incr_is_atomic(node: RunningNode) -> None:
    def work() -> None:
        for _ in range(25):
            call(node, "incr", "race", 1)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert call(node, "get", "race") in (100, "100")


def test_concurrent_update_inc_is_atomic(node: RunningNode) -> None:
    call(node, "insertOne", "counters", {"_id": "c1", "n": 0})

    def work() -> None:
        for _ in range(25):
            call(node, "updateOne", "counters", "c1", {"$inc": {"n": 1}})

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert call(node, "getOne", "counters", "c1")["n"] == 100


def test_acknowledged_writes_survive_kill_9_of_storage(node: RunningNode) -> None:
    acked: list[dict[str, Any]] = []
    stop = threading.Event()

    def writer(w: int) -> None:
        i = 0
        with httpx.Client(timeout=60) as c:
            while not stop.is_set():
                try:
                    r = c.post(f"{node.base}/dev/insert", json={"w": w, "i": i, "pad": "x" * 200})
                except httpx.HTTPError:
                    continue
                if r.status_code == 201:
                    acked.append(r.json())
                i += 1

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    wait_until(lambda: len(acked) >= 50, 30, "writes under load")
    pid = node.node_json()["components"]["storage"]
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: node.node_json()["components"]["storage"] != pid, 30,
               "storage to restart")
    n_at_kill = len(acked)
    wait_until(lambda: len(acked) >= n_at_kill + 20, 30, "writes after restart")
    stop.set()
    for t in threads:
        t.join(60)
    stored = {d["_id"]: d for d in call(node, "getMany", "acked", {}, stream="toArray")}
    missing = [d for d in acked if stored.get(d["_id"]) != d]
    assert not missing, f"{len(missing)} acknowledged writes lost or changed"
    assert all(set(d) == {"_id", "w", "i", "pad"} for d in stored.values())  # no partial docs


def test_space_isolation_in_storage(tmp_path: Path) -> None:
    """Names with separators cannot reach another space's keys (engine level)."""
    from storage.engine import Engine
    e = Engine(str(tmp_path / "db"))
    a, b = "a" * 12, "b" * 12
    for coll in ("x", "x\u00e6", "../x", "x/y"):
        e.call(a, "db.insertOne", json.dumps({"collection": coll, "doc": {"v": 1}}).encode())
    assert json.loads(e.call(b, "db.collections", b"{}")) == []
    with pytest.raises(Exception, match="NUL"):
        e.call(a, "db.insertOne", json.dumps({"collection": "x\x00y", "doc": {}}).encode())
    e.call(a, "space.drop", b"{}")
    assert json.loads(e.call(a, "db.collections", b"{}")) == []
    e.close()


def test_env_vars_reach_process_env_without_redeploy(node: RunningNode, tmp_path: Path) -> None:
    from tests.support.nodes import brygge
    app = tmp_path / "envapp"
    app.mkdir()
    (app / "index.js").write_text(
        "import {app} from 'codehooks-js';\n"
        "const atLoad = process.env.GREETING;\n"
        "app.auth('/*', (req, res, next) => next());\n"
        "app.get('/env', (req, res) => res.json({now: process.env.GREETING ?? null,"
        " atLoad: atLoad ?? null}));\n"
        "export default app.init();\n")
    d = str(node.data_dir)
    assert brygge("set-env", "GREETING", "hei", "--data-dir", d).returncode == 0
    assert node.deploy(app).returncode == 0
    assert node.get("/dev/env").json() == {"now": "hei", "atLoad": "hei"}
    # a change retires the warm instances: the module is evaluated afresh
    assert brygge("set-env", "GREETING", "hallo", "--data-dir", d).returncode == 0
    wait_until(lambda: node.get("/dev/env").json() == {"now": "hallo", "atLoad": "hallo"}, 10,
               "the new value")
    assert brygge("remove-env", "GREETING", "--data-dir", d).returncode == 0
    wait_until(lambda: node.get("/dev/env").json() == {"now": None, "atLoad": None}, 10,
               "the removal")
    bad = brygge("set-env", "1BAD", "x", "--data-dir", d)
    assert bad.returncode == 1 and "env var name '1BAD'" in bad.stderr
    missing = brygge("remove-env", "NOPE", "--data-dir", d)
    assert missing.returncode == 1 and "no env var 'NOPE'" in missing.stderr


def test_fetch_to_internal_address_is_refused_through_the_node(node: RunningNode,
                                                               tmp_path: Path) -> None:
    app = tmp_path / "ssrf"
    app.mkdir()
    (app / "index.js").write_text(
        "import {app} from 'codehooks-js';\n"
        "app.auth('/*', (req, res, next) => next());\n"
        "app.get('/probe', async (req, res) => {\n"
        "  try { const r = await fetch(req.query.url); res.json({status: r.status}); }\n"
        "  catch (e) { res.status(502).json({error: e.message}); }\n"
        "});\n"
        "export default app.init();\n")
    assert node.deploy(app).returncode == 0
    for target in (f"http://127.0.0.1:{node.admin_port}/health", "http://169.254.169.254/"):
        r = node.get("/dev/probe", params={"url": target})
        assert r.status_code == 502, r.text
        assert r.json()["error"].startswith("fetch failed:") and "not allowed" in r.json()["error"]
