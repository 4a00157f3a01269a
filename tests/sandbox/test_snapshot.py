"""Heap snapshots (sandbox/engine.py `Instance.snapshot`, sandbox/app.py): instances
restored from one image are independent of each other and of the original, keep
every limit, and serve requests like an instance that evaluated the app itself."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from sandbox import app as sapp
from sandbox.app import AppInstance
from sandbox.engine import Instance, JSError, SandboxTrap, Snapshot
from tests.support.nodes import wait_until
from tests.support.sandbox_app import HEAD, invoke, make_app
from tests.support.storage import storage_process


def noop(op: str, payload: str) -> str:
    return ""


STATE = """
globalThis.counter = 0;
globalThis.bump = () => String(++counter);
globalThis.peek = (k) => String(globalThis[k]) + '/' + String(({}).polluted);
globalThis.rnd = () => String(Math.random());
globalThis.spin = () => { for (;;) {} };
globalThis.hog = () => { const a = []; for (;;) a.push(new ArrayBuffer(1 << 20)); };
globalThis.depth = () => { let d = 0; function r() { d++; r(); }
  try { r(); } catch (e) { return e.name + ':' + d; } };
"""


@pytest.fixture
def snap():  # type: ignore[no-untyped-def]
    src = Instance(noop)
    src.eval_script(STATE)
    assert src.call("bump", "") == "1"
    s = src.snapshot()
    yield src, s
    src.close()
    s.close()


def test_restored_instances_are_independent(snap: tuple[Instance, Snapshot]) -> None:
    src, s = snap
    a, b = Instance(noop, snapshot=s), Instance(noop, snapshot=s)
    # each starts from the snapshot's state...
    assert a.call("bump", "") == "2"
    assert a.call("bump", "") == "3"
    assert b.call("bump", "") == "2"
    assert src.call("bump", "") == "2"
    # ...and nothing one writes reaches another, nor the image
    a.eval_script("globalThis.secret = 'A'; Object.prototype.polluted = 'yes';")
    assert a.call("peek", "secret") == "A/yes"
    assert b.call("peek", "secret") == "undefined/undefined"
    assert src.call("peek", "secret") == "undefined/undefined"
    c = Instance(noop, snapshot=s)
    assert c.call("peek", "secret") == "undefined/undefined"
    assert c.call("bump", "") == "2"


def test_large_writes_in_one_restored_instance_stay_private(
        snap: tuple[Instance, Snapshot]) -> None:
    _, s = snap
    a = Instance(noop, snapshot=s)
    # rewrite much of the heap and grow it far past the image
    a.eval_script("globalThis.blob = 'z'.repeat(20 << 20); for (let k = 0; k < 2e4; k++)"
                  " globalThis['k' + k] = {k};")
    assert a.memory_bytes() > s.size
    b = Instance(noop, snapshot=s)
    assert b.call("peek", "blob") == "undefined/undefined"
    assert b.call("peek", "k1") == "undefined/undefined"
    assert b.memory_bytes() == s.size


def test_math_random_differs_between_restored_instances(
        snap: tuple[Instance, Snapshot]) -> None:
    _, s = snap
    seqs = set()
    for _ in range(4):
        i = Instance(noop, snapshot=s)
        seqs.add(tuple(i.call("rnd", "") for _ in range(3)))
    assert len(seqs) == 4


def test_limits_hold_in_a_restored_instance(snap: tuple[Instance, Snapshot]) -> None:
    _, s = snap
    i = Instance(noop, snapshot=s, stack_kb=64)  # other limits than the source's
    assert i.call("depth", "").startswith("RangeError:")
    assert int(i.call("depth", "").split(":")[1]) < 1000
    j = Instance(noop, snapshot=s)
    assert int(j.call("depth", "").split(":")[1]) > 2000
    m = Instance(noop, snapshot=s, memory_mb=32)
    with pytest.raises((JSError, SandboxTrap), match="memory"):
        m.call("hog", "")
    assert m.memory_bytes() <= 32 << 20
    d = Instance(noop, snapshot=s)
    d.set_deadline(0.1)
    with pytest.raises(SandboxTrap, match="CPU"):
        d.call("spin", "")
    assert d.dead
    assert Instance(noop, snapshot=s).call("bump", "") == "2"  # the image is unharmed


def test_snapshot_outlives_its_source_and_restored_instances_outlive_it() -> None:
    src = Instance(noop)
    src.eval_script(STATE)
    s = src.snapshot()
    src.close()
    a = Instance(noop, snapshot=s)
    s.close()  # mappings keep the image alive
    assert a.call("bump", "") == "1"
    a.eval_script("globalThis.more = 'm'.repeat(1 << 20).length;")
    assert a.call("peek", "more") == f"{1 << 20}/undefined"


def test_snapshot_larger_than_the_memory_limit_is_refused() -> None:
    src = Instance(noop, memory_mb=64)
    src.eval_script("globalThis.blob = 'q'.repeat(24 << 20);")
    s = src.snapshot()
    with pytest.raises(SandboxTrap, match="larger"):
        Instance(noop, snapshot=s, memory_mb=16)
    s.close()


def test_dead_instance_cannot_be_snapshotted() -> None:
    i = Instance(noop)
    i.set_deadline(0.05)
    with pytest.raises(SandboxTrap):
        i.eval_script("for (;;) {}")
    with pytest.raises(SandboxTrap, match="dead"):
        i.snapshot()


# -- apps -------------------------------------------------------------------------------

APP = HEAD + """
let hits = 0;
const started = Date.now();
app.get('/hit', (req, res) => res.json({hits: ++hits, env: process.env.GREETING || null}));
app.get('/rand', (req, res) => res.json({r: Math.random(), u: crypto.randomUUID()}));
app.get('/lazy', async (req, res) => { const m = await import('./lazy.js');
  res.json({lazy: m.default}); });
app.get('/kv', async (req, res) => {
  const conn = await Datastore.open(); res.json({v: await conn.get('k')}); });
export default app.init();
"""
FILES = {"lazy.js": "export default 'loaded later';"}


def test_app_restored_from_its_snapshot_serves_requests() -> None:
    calls: list[tuple[str, str]] = []

    def ops(op: str, payload: str) -> str:
        calls.append((op, payload))
        return json.dumps("from-kv") if op.startswith("kv.") else ""

    first = make_app(APP, FILES, ops, env_json=json.dumps({"GREETING": "hei"}))
    s = first.snapshot()
    assert invoke(first, "GET", "/hit").json() == {"hits": 1, "env": "hei"}
    a = AppInstance({"kind": "source", "entry": "index.js", "files": {"index.js": APP, **FILES}},
                    ops, snapshot=s)
    assert a.manifest == first.manifest
    assert a.manifest["routes"] == ["GET /hit", "GET /rand", "GET /lazy", "GET /kv"]
    assert invoke(a, "GET", "/hit").json() == {"hits": 1, "env": "hei"}  # its own counter
    assert invoke(a, "GET", "/hit").json() == {"hits": 2, "env": "hei"}
    assert invoke(first, "GET", "/hit").json() == {"hits": 2, "env": "hei"}
    assert invoke(a, "GET", "/lazy").json() == {"lazy": "loaded later"}  # module loader
    r = invoke(a, "GET", "/kv")
    assert r.status == 200, r.text
    assert any(op.startswith("kv.") for op, _ in calls)  # host calls reach this host
    r1, r2 = invoke(a, "GET", "/rand").json(), invoke(first, "GET", "/rand").json()
    assert r1["r"] != r2["r"] and r1["u"] != r2["u"]


def test_app_instance_after_a_trap_restores_cleanly() -> None:
    src = make_app(APP + "\napp.get('/loop', () => { for (;;) {} });", FILES)
    s = src.snapshot()
    a = AppInstance(
        {"kind": "source", "entry": "index.js", "files": {"index.js": APP, **FILES}}, noop,
        snapshot=s)
    with pytest.raises(SandboxTrap):
        invoke(a, "GET", "/loop", deadline=0.2)
    assert a.dead
    b = AppInstance(
        {"kind": "source", "entry": "index.js", "files": {"index.js": APP, **FILES}}, noop,
        snapshot=s)
    assert invoke(b, "GET", "/hit").json()["hits"] == 1


def test_runtime_prelude_comes_from_one_snapshot() -> None:
    base = sapp.prelude_snapshot()
    assert base is not None and base is sapp.prelude_snapshot()
    i = Instance(noop, snapshot=base)
    i.eval_script("globalThis.probe = () => typeof globalThis.__brygge_internal + ','"
                  " + typeof globalThis.__brygge_invoke;")
    assert i.call("probe", "") == "undefined,function"


@pytest.mark.parametrize("env", ["", json.dumps({"GREETING": "hallo"})])
def test_app_from_the_prelude_snapshot_matches_a_fully_evaluated_one(
        env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    art: dict[str, Any] = {"kind": "source", "entry": "index.js",
                           "files": {"index.js": APP, **FILES}}
    fast = AppInstance(art, noop, env_json=env)
    monkeypatch.setattr(sapp, "prelude_snapshot", lambda *a: None)  # evaluate PRELUDE here
    slow = AppInstance(art, noop, env_json=env)
    assert fast.manifest == slow.manifest
    for path in ("/hit", "/hit", "/lazy"):
        assert invoke(fast, "GET", path).json() == invoke(slow, "GET", path).json()


# -- executor pools (sandbox/server.py) with a real storage process ----------------------

POOL_APP = HEAD + """
const boot = Math.random();  // module state: frozen into the deployment's snapshot
let hits = 0;
app.get('/boot', (req, res) => res.json({boot, hits: ++hits, env: process.env.MODE || null}));
app.get('/loop', () => { for (;;) {} });
export default app.init();
"""


@pytest.fixture(scope="module", name="store")
def _store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from storage_process(tmp_path_factory.mktemp("snap"))  # a real storage process


@pytest.fixture(scope="module")
def executor(store: Any) -> Any:
    from dataclasses import replace

    from brygge.settings import Settings
    from sandbox.executor import Executor
    s = replace(Settings(), cpu_limit_s=0.5, request_timeout_s=10.0, instances_per_space=2)
    return Executor(s, store, None)


def put_app(store: Any, src: str) -> str:
    art = {"kind": "source", "entry": "index.js", "files": {"index.js": src}}
    return str(store.blob_put(json.dumps(art).encode()))


def get(ex: Any, space: str, digest: str, path: str, env: str = "") -> tuple[int, Any]:
    import queue

    from proto import brygge_pb2 as pb
    inv = pb.Invocation(request_id=f"req-{path}", space_id=space, deployment=digest,
                        deadline_s=10.0, env_json=env, http=pb.HttpRequest(
                            method="GET", path=f"/dev{path}", api_path=path,
                            original_url=f"/dev{path}", authed=True))
    out: queue.Queue[Any] = queue.Queue()
    ex._run_http(inv, b"", out)
    status, body = 0, b""
    while (m := out.get()) is not None:
        if m.HasField("head"):
            status = m.head.status
        elif m.HasField("body_chunk"):
            body += m.body_chunk
    return status, json.loads(body)


def test_recycled_instance_is_restored_from_the_deployment_snapshot(executor: Any,
                                                                    store: Any) -> None:
    digest = put_app(store, POOL_APP)
    status, first = get(executor, "snappool0001", digest, "/boot")
    assert status == 200 and first["hits"] == 1
    pool = executor.pools[("snappool0001", digest)]
    assert pool.snapshot is not None  # taken before the first instance served
    status, body = get(executor, "snappool0001", digest, "/loop")
    assert status == 500 and "CPU" in body["error"] and body["requestId"] == "req-/loop"
    status, again = get(executor, "snappool0001", digest, "/boot")
    # a new instance (its own counter) that did not evaluate the module again
    assert status == 200 and again == {"boot": first["boot"], "hits": 1, "env": None}


def test_env_change_gets_a_fresh_evaluation_and_retires_the_old_snapshot(
        executor: Any, store: Any) -> None:
    digest = put_app(store, POOL_APP)
    _, a = get(executor, "snappool0002", digest, "/boot", json.dumps({"MODE": "a"}))
    old = executor.pools[("snappool0002", digest + json.dumps({"MODE": "a"}))]
    _, b = get(executor, "snappool0002", digest, "/boot", json.dumps({"MODE": "b"}))
    assert (a["env"], b["env"]) == ("a", "b")
    assert a["boot"] != b["boot"]  # evaluated afresh for the new env
    # Retirement runs on its own thread (off the router's loop): wait for it.
    assert old.snapshot is not None
    wait_until(lambda: not old.snapshot._finalizer.alive, 30, "old snapshot retired")
    assert not any(k == ("snappool0002", digest + json.dumps({"MODE": "a"}))
                   for k in executor.pools)


def test_validate_prepares_the_snapshot_the_first_request_restores(executor: Any,
                                                                   store: Any) -> None:
    from proto import brygge_pb2 as pb
    digest = put_app(store, POOL_APP)
    reply = executor.validate(pb.ValidateRequest(space_id="snappool0003", deployment=digest))
    assert reply.ok, reply.error
    prepared = executor.prepared[("snappool0003", digest)]
    status, body = get(executor, "snappool0003", digest, "/boot")
    assert status == 200 and body["hits"] == 1
    assert executor.pools[("snappool0003", digest)].snapshot is prepared
    assert ("snappool0003", digest) not in executor.prepared


def test_no_runtime_snapshot_when_the_prelude_calls_the_host_while_loading(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A load-time host call's answer could depend on the app (or be random): such a
    prelude is evaluated in every instance instead of being shared."""
    monkeypatch.setattr(sapp, "_prelude", [])
    monkeypatch.setattr(sapp, "PRELUDE", [*sapp.PRELUDE, (
        "brygge:loads.js", "globalThis.__loadTime = __brygge_internal.host('kv.get', '{}');")])
    assert sapp.prelude_snapshot() is None
    assert sapp._prelude == [None]  # decided once, not a failed evaluation
    app = make_app(APP, FILES)
    assert invoke(app, "GET", "/hit").json() == {"hits": 1, "env": None}


def test_builtin_codehooks_js_is_loaded_in_the_runtime_snapshot(
        monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[str] = []
    real = Instance._module_load

    def spy(self: Instance, name_ptr: int, name_len: int, out_len_ptr: int) -> int:
        loads.append(self._read(name_ptr, name_len).decode())
        return real(self, name_ptr, name_len, out_len_ptr)
    monkeypatch.setattr(Instance, "_module_load", spy)
    assert sapp.prelude_snapshot() is not None
    one = make_app(HEAD + "app.get('/one', (q, r) => r.end('1')); export default app.init();")
    two = make_app(HEAD + "app.get('/two', (q, r) => r.end('2')); export default app.init();")
    assert "builtin:codehooks-js" not in loads  # found loaded, not loaded again
    # ...and each instance has its own copy of the module's state (the app singleton)
    assert (one.manifest["routes"], two.manifest["routes"]) == (["GET /one"], ["GET /two"])
    assert invoke(one, "GET", "/two").status == 404
    monkeypatch.setattr(sapp, "prelude_snapshot", lambda *a: None)
    make_app(HEAD + "export default app.init();")
    assert "builtin:codehooks-js" in loads  # evaluated in the instance without a snapshot
