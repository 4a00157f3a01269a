"""Hostile tenant code against a real node, over both executor transports (the default
in-process one and gRPC): real wasm instances, real storage, two tenants (spaces) side
by side, every request over HTTP.

Every attack must end *that* invocation with a JSON 500 naming the cause and carrying
the request id, the instance that ran it must not serve again (one instance per space
here, so a reused one would answer the next request), the attacker's next request must
work, and the other tenant must keep being served while the attack runs. The victim's
latency during the attack is measured and reported (printed and recorded as a test
property); the assertion is about ordering — the victim's requests complete while the
attacker's invocation is still running — never about how fast anything is."""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
from typing import Any

import httpx
import pytest

from tests.support.nodes import RunningNode, create_space, new_node, write_app

MAX_RESPONSE_BYTES = 1 << 20
# A CPU limit far below the wall-clock deadline: work the limit does not stop keeps the
# space's only instance busy past the client's timeout, so the next request fails.
CPU_S, DEADLINE_S = 1.0, 120

ATTACKER_APP = r"""
import {app, Datastore} from 'codehooks-js';
app.auth('/*', (req, res, next) => next());
const iid = () => (globalThis.__iid ??= crypto.randomUUID());
app.get('/ok', (req, res) => res.json({ok: true, iid: iid()}));
// every attack route first records which instance runs it
app.use(async (req, res, next) => {
  if (req.query.mark) await (await Datastore.open()).set('attacked', iid());
  next();
});
app.get('/attacked', async (req, res) => res.json({iid: await (await Datastore.open()).get('attacked')}));
app.get('/loop', (req, res) => { for (;;) {} });
app.get('/loop-catch', (req, res) => { for (;;) { try { for (;;) {} } catch (e) {} } });
app.get('/alloc', (req, res) => { const a = []; for (let i = 0; ; i++) a.push('x'.repeat(1 << 25) + i); });
app.get('/recurse', (req, res) => { const f = (n) => f(n + 1) + 1; f(0); });
app.get('/storm', (req, res) => { const go = () => { Promise.resolve().then(go); }; go(); });
app.get('/storm-grow', (req, res) => { const go = () => Promise.resolve().then(go); go(); });
app.get('/timer-storm', (req, res) => { const go = () => { setTimeout(go, 0); setTimeout(go, 0); }; go(); });
app.get('/hostcalls', async (req, res) => {
  const c = await Datastore.open();
  for (;;) { try { await c.get('k'); } catch (e) {} }
});
app.get('/big', (req, res) => { const s = 'y'.repeat(1 << 16); for (;;) res.write(s); });
app.get('/after-end', (req, res) => { res.end('sent'); for (;;) {} });
// specifiers built at run time: the deploy's static import check would refuse literals
const spec = (...parts) => parts.join('');
app.get('/escape', async (req, res) => {
  const out = {};
  const tryit = async (name, fn) => {
    try { out[name] = String(await fn()); } catch (e) { out[name] = 'refused: ' + e.message; }
  };
  await tryit('host', () => typeof globalThis.__host);
  await tryit('internal', () => typeof globalThis.__brygge_internal);
  await tryit('fs', () => require(spec('fs')).readFileSync('/etc/passwd', 'utf8'));
  await tryit('child', () => require(spec('child_', 'process')).execSync('id'));
  await tryit('import-abs', () => import(spec('/etc/passwd')));
  await tryit('import-up', () => import(spec('../../../../etc/passwd')));
  await tryit('qjs-os', () => import(spec('os')).then((m) => Object.keys(m).join(',')));
  await tryit('qjs-std', () => import(spec('std')).then((m) => m.loadFile('/etc/passwd')));
  await tryit('wasi-file', () => globalThis.std && globalThis.std.loadFile('/etc/passwd'));
  const c = await Datastore.open();
  await tryit('other-space-coll', async () => JSON.stringify(await c.getMany('secrets', {}).toArray()));
  await tryit('other-space-kv', () => c.get('secret'));
  await tryit('other-space-kv-ks', () => c.get('secret', {keyspace: '../victim'}));
  await tryit('fetch-loopback', () => fetch('http://127.0.0.1:1/').then((r) => r.status));
  await tryit('fetch-metadata',
    () => fetch('http://169.254.169.254/latest/meta-data/').then((r) => r.status));
  res.json(out);
});
export default app.init();
"""

VICTIM_APP = r"""
import {app, Datastore} from 'codehooks-js';
app.auth('/*', (req, res, next) => next());
app.get('/iid', (req, res) => res.json({iid: (globalThis.__iid ??= crypto.randomUUID())}));
app.get('/ping', async (req, res) => {
  const c = await Datastore.open();
  res.json({n: await c.incr('pings', 1)});
});
app.post('/secret', async (req, res) => {
  const c = await Datastore.open();
  await c.set('secret', 'victim-kv-secret');
  res.json(await c.insertOne('secrets', {secret: 'victim-doc-secret'}));
});
export default app.init();
"""


@pytest.fixture(scope="module", params=["inprocess", "grpc"])
def node(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("iso")
    n = new_node(tmp, BRYGGE_EXECUTOR_TRANSPORT=request.param, BRYGGE_CPU_LIMIT_S=str(CPU_S),
                 BRYGGE_REQUEST_TIMEOUT_S=str(DEADLINE_S), BRYGGE_MEMORY_LIMIT_MB="64",
                 BRYGGE_MAX_HOST_CALLS="2000", BRYGGE_MAX_RESPONSE_BYTES=str(MAX_RESPONSE_BYTES),
                 BRYGGE_INSTANCES_PER_SPACE="1")
    n.start()
    create_space(n, "victim")
    for space, src in (("dev", ATTACKER_APP), ("victim", VICTIM_APP)):
        d = n.deploy(write_app(tmp, space, src), space=space)
        assert d.returncode == 0, d.stderr
    yield n
    n.stop()


def call(node: RunningNode, space: str, method: str, path: str) -> httpx.Response:
    return httpx.request(method, f"{node.base}/{space}{path}", timeout=30)


def attacker(node: RunningNode, path: str) -> httpx.Response:
    return call(node, "dev", "GET", path)


def victim(node: RunningNode, method: str, path: str) -> httpx.Response:
    return call(node, "victim", method, path)


CPU, MEMORY = "CPU time limit exceeded", "memory"
# (path, the causes one of which the 500 names)
ATTACKS: list[Any] = [
    ("/loop", (CPU,)),
    ("/loop-catch", (CPU,)),
    # copying 32 MiB strings to the cap takes CPU: on a starved host (the full suite on two
    # cores) the 1 s budget, armed by the wall-clock epoch, can end it first
    ("/alloc", (MEMORY, CPU)),
    ("/storm", (CPU,)),
    # a chain that grows: whichever ends first; out of memory rejects a promise nobody
    # awaits, and the 500 still names it (not just "finished without sending a response")
    ("/storm-grow", (MEMORY, CPU)),
    ("/timer-storm", (MEMORY, CPU)),
    ("/hostcalls", ("host calls",)),
]


@pytest.mark.parametrize("path,cause", ATTACKS,
                         ids=[getattr(a, "values", a)[0] for a in ATTACKS])
def test_attack_ends_only_that_invocation(node: RunningNode, path: str,
                                          cause: tuple[str, ...]) -> None:
    r = attacker(node, path + "?mark=1")
    assert r.status_code == 500, (r.status_code, r.text[:200])
    body = r.json()
    assert body["requestId"] and body["requestId"] == r.headers["x-request-id"]
    # out of memory inside JS is a (catchable) InternalError: the chain's 500 names it
    assert any(c in body["error"] + body.get("detail", "") for c in cause), body
    attacked = attacker(node, "/attacked").json()["iid"]
    assert attacked
    # the instance was recycled: the same tenant is served again at once, by another one
    ok = attacker(node, "/ok")
    assert ok.status_code == 200 and ok.json()["ok"] is True, ok.text
    assert ok.json()["iid"] != attacked


def test_deep_recursion_is_a_500_with_request_id(node: RunningNode) -> None:
    r = attacker(node, "/recurse")
    assert r.status_code == 500 and r.json()["requestId"]
    assert attacker(node, "/ok").status_code == 200


def test_response_size_cap_cuts_the_stream(node: RunningNode) -> None:
    got = 0
    with httpx.stream("GET", f"{node.base}/dev/big", timeout=30) as r:
        assert r.status_code == 200  # the head was already sent; the body stops at the cap
        try:
            for chunk in r.iter_raw():
                got += len(chunk)
                assert got <= MAX_RESPONSE_BYTES
        except httpx.RemoteProtocolError:
            pass  # the cut stream may end without its last chunk
    assert got <= MAX_RESPONSE_BYTES
    assert attacker(node, "/ok").status_code == 200


def test_work_after_the_response_is_bounded_too(node: RunningNode) -> None:
    r = attacker(node, "/after-end")
    assert (r.status_code, r.content) == (200, b"sent")
    # the space's only instance was looping after its response: the CPU limit stops the
    # loop (the wall-clock deadline would hold the instance past this client's timeout)
    ok = attacker(node, "/ok")
    assert ok.status_code == 200, ok.text


def test_escape_attempts_are_refused(node: RunningNode) -> None:
    assert victim(node, "POST", "/secret").status_code == 200
    r = attacker(node, "/escape")
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["host"] == "undefined" and out["internal"] == "undefined"
    for k in ("fs", "child", "import-abs", "import-up", "qjs-std", "fetch-loopback",
              "fetch-metadata"):
        assert out[k].startswith("refused"), (k, out[k])
    assert out["qjs-os"].startswith("refused") or "exec" not in out["qjs-os"]
    assert out["wasi-file"] in ("undefined", "false", "null") or out["wasi-file"].startswith(
        "refused")
    assert "victim" not in json.dumps(out)  # nothing of the other tenant's data


def test_other_tenant_is_served_during_an_attack(node: RunningNode,
                                                 record_property: Any) -> None:
    def victim_latencies(n: int) -> list[float]:
        lat = []
        for _ in range(n):
            t0 = time.perf_counter()
            r = victim(node, "GET", "/ping")
            lat.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, r.text
        return lat

    baseline = victim_latencies(20)
    done = threading.Event()
    result: dict[str, httpx.Response] = {}

    def attack() -> None:
        result["r"] = attacker(node, "/loop")
        done.set()

    t = threading.Thread(target=attack)
    t.start()
    during: list[float] = []
    while not done.is_set() and len(during) < 200:
        during.extend(victim_latencies(1))
    t.join(30)
    assert result["r"].status_code == 500
    # The victim was served while the attacker's loop was still burning CPU.
    assert len(during) >= 3, during

    def p(xs: list[float], q: float) -> float:
        return sorted(xs)[min(len(xs) - 1, int(q * len(xs)))]
    report = {"baseline_p50_ms": round(statistics.median(baseline), 2),
              "during_attack_p50_ms": round(statistics.median(during), 2),
              "during_attack_p99_ms": round(p(during, 0.99), 2),
              "requests_during_attack": len(during), "cpu_cores": os.cpu_count()}
    record_property("victim_latency", json.dumps(report))
    print("victim latency while another tenant loops:", report)


def test_each_space_gets_its_own_instances(node: RunningNode) -> None:
    v = victim(node, "GET", "/iid").json()["iid"]
    a = attacker(node, "/ok").json()["iid"]
    assert a and v and a != v
    # an instance keeps its id: the victim's next request is served by the same one
    assert victim(node, "GET", "/iid").json()["iid"] == v
