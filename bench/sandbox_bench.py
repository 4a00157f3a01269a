#!/usr/bin/env python3
"""Sandbox speed and density (issue 4), in one command:

    .venv/bin/python bench/sandbox_bench.py [--quick] [--spaces 1000] [--json PATH]

  1. process start: compiling the guest vs loading it from the on-disk cache, and
     building the runtime (prelude) snapshot;
  2. cold start — the first request after a deploy, from nothing (evaluate the app
     in a heap restored from the runtime snapshot, then serve), for a 10 KB and a
     2 MB webpack bundle; the same with the runtime evaluated inline (no snapshot,
     how it was before); and from the deployment's own snapshot;
  3. warm per-request overhead with no user code (`res.end()`), p50/p99;
  4. one host call: guest→host→guest with an echo op, and a Datastore `get` (the JS
     client, a host call, its promise) with a host side that answers at once;
  5. a CPU-bound loop in the sandbox vs Node 20 (for information);
  6. memory with N spaces deployed (a child process, so RSS is its own): each space
     holds what an executor pool holds after its first request — the deployment's
     snapshot and one warm instance that served a request — then snapshots only.

Every number is measured in this process on this machine (no network, no router):
the path is the executor's (`AppInstance` + `run("__brygge_invoke", ...)`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

APP_JS = """
const {app, Datastore} = __webpack_require__.ext("codehooks-js");
app.get('/noop', (req, res) => res.end());
app.get('/hello', (req, res) => res.json({message: 'Hello from Brygge!', path: req.apiPath}));
app.get('/kv', async (req, res) => {
  const conn = await Datastore.open();
  const n = Number(req.query.n || 1);
  const t0 = Date.now();
  for (let i = 0; i < n; i++) await conn.get('k');
  res.json({n, ms: Date.now() - t0});
});
app.get('/count', (req, res) => res.json({modules: Object.keys(loaded).length}));
module.exports = app.init();
"""


def _module(i: int) -> str:
    """One synthetic library module (~1.5 KB): a class, closures, a table, a regex."""
    table = ",".join(f'"k{i}_{j}":"value {j} of module {i} — {"x" * (j % 7)}"' for j in range(12))
    return (
        f'{i}(module,exports,__webpack_require__){{"use strict";'
        f"class Cache{i}{{constructor(a,b){{this.a=a;this.b=b;this.m=new Map}}"
        f"get(k){{if(!this.m.has(k))this.m.set(k,this.compute(k));return this.m.get(k)}}"
        f"compute(k){{let s=0;for(let j=0;j<k.length;j++)s=(s*31+k.charCodeAt(j))|0;"
        f"switch(s&3){{case 0:return s+this.a;case 1:return s-this.b;"
        f"case 2:return `${{s}}:${{this.a}}`;default:return[s,this.b]}}}}}}"
        f"const T{i}={{{table}}};"
        f"function pick{i}(xs,d){{return xs.map(z=>({{...z,v:T{i}[z.k]??d}})).filter(Boolean)}}"
        f"const re{i}=/^[a-z]+_(\\d+)$/i;"
        f"module.exports={{Cache:Cache{i},T:T{i},pick:pick{i},"
        f"test:(s)=>re{i}.test(s)&&new Cache{i}(1,2).get(s)}}}}"
    )


def make_bundle(target_bytes: int) -> str:
    """A webpack-style `var EntryPoint` bundle like the official CLI's: library
    modules in a module map, `codehooks-js` as an external, an entry module that
    requires every library at load (as apps import their dependencies) and exports
    `app.init()`."""
    mods: list[str] = []
    size = 0
    while size < target_bytes - 2500:
        m = _module(len(mods) + 1)
        mods.append(m)
        size += len(m) + 1
    n = len(mods)
    entry = (f"0(module,exports,__webpack_require__){{const loaded={{}};"
             f"for(let i=1;i<={n};i++)loaded[i]=__webpack_require__(i);" + APP_JS + "}")
    runtime = ("var c={};function __webpack_require__(id){if(c[id])return c[id].exports;"
               "const m=c[id]={exports:{}};M[id](m,m.exports,__webpack_require__);"
               "return m.exports}__webpack_require__.ext=(n)=>require(n);")
    return ("var EntryPoint;(()=>{var M={" + ",".join([entry, *mods]) + "};" + runtime
            + "EntryPoint=__webpack_require__(0)})();")


REQ = {"id": "0123456789abcdef", "method": "GET", "path": "/dev/noop", "apiPath": "/noop",
       "originalUrl": "/dev/noop", "query": "", "headers": {"host": "127.0.0.1:8080"},
       "hostname": "127.0.0.1", "ip": "127.0.0.1", "authed": True, "authError": "", "body": ""}


def request(app: Any, path: str, query: str = "") -> tuple[bytes, Any]:
    from sandbox.app import Invocation
    out: list[bytes] = []

    def emit(kind: str, data: Any) -> None:
        if kind in ("chunk", "end"):
            out.append(data)
    inv = Invocation(emit=emit)
    req = {**REQ, "path": "/dev" + path, "apiPath": path, "originalUrl": "/dev" + path,
           "query": query}
    app.run("__brygge_invoke", json.dumps(req), inv, 60.0)
    if inv.error:
        raise RuntimeError(f"{path}: {inv.error}")
    return b"".join(out), inv


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))]


def ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


# -- 1. process start ---------------------------------------------------------------------------

def process_start() -> dict[str, Any]:
    code = ("import sys, time; t = time.perf_counter();"
            "from sandbox import engine; engine.configure(sys.argv[1]); engine.shared_engine();"
            "t1 = time.perf_counter();"
            "from sandbox import app; app.prelude_snapshot();"
            "print((t1 - t) * 1000, (time.perf_counter() - t1) * 1000)")
    cache = tempfile.mkdtemp(prefix="brygge-bench-cache-")
    try:
        runs = []
        for _ in range(3):  # first: compile and write the cache; then: load it
            r = subprocess.run([sys.executable, "-c", code, cache], capture_output=True,
                               text=True, check=True, cwd=ROOT)
            runs.append([float(x) for x in r.stdout.split()])
        return {"compile_guest_ms": round(runs[0][0], 1),
                "load_cached_guest_ms": round(min(r[0] for r in runs[1:]), 1),
                "runtime_snapshot_build_ms": round(min(r[1] for r in runs), 1)}
    finally:
        shutil.rmtree(cache, ignore_errors=True)


# -- 2. cold starts -----------------------------------------------------------------------------

def cold(bundle: str, reps: int) -> dict[str, Any]:
    """Each evaluation gets a bundle it has never seen (a different trailing comment):
    nothing cached from an earlier deploy of the same code."""
    from sandbox import app as sapp
    from sandbox import modules
    host = lambda op, payload: ""  # noqa: E731
    res: dict[str, Any] = {"bundle_bytes": len(bundle)}
    seq = iter(range(1_000_000))
    checks: list[float] = []
    real_check = modules.ModuleSystem.check_bundle

    def timed_check(self: Any, *args: Any) -> None:
        t0 = time.perf_counter()
        try:
            real_check(self, *args)
        finally:
            checks.append(ms(t0))
    modules.ModuleSystem.check_bundle = timed_check  # type: ignore[method-assign]

    def fresh() -> dict[str, Any]:
        return {"kind": "bundle", "bundle": bundle + f"\n/* deploy {next(seq)} */"}

    def first_request(make: Any) -> tuple[float, float, Any]:
        t0 = time.perf_counter()
        app = make()
        t_eval = ms(t0)
        body, _ = request(app, "/hello")
        assert json.loads(body)["message"] == "Hello from Brygge!"
        return ms(t0), t_eval, app

    evals, totals = [], []
    for _ in range(reps):
        total, t_eval, app = first_request(lambda: sapp.AppInstance(fresh(), host))
        totals.append(total)
        evals.append(t_eval)
        app.close()
    res["cold_first_request_ms"] = round(statistics.median(totals), 2)
    res["cold_of_which_app_instance_ms"] = round(statistics.median(evals), 2)
    res["cold_of_which_bundle_check_ms"] = round(statistics.median(checks), 2)

    real = sapp.prelude_snapshot
    sapp.prelude_snapshot = lambda *a: None  # type: ignore[assignment]
    try:
        totals = []
        for _ in range(max(1, reps // 2)):
            total, _, app = first_request(lambda: sapp.AppInstance(fresh(), host))
            totals.append(total)
            app.close()
        res["cold_without_runtime_snapshot_ms"] = round(statistics.median(totals), 2)
    finally:
        sapp.prelude_snapshot = real  # type: ignore[assignment]

    art = fresh()
    src = sapp.AppInstance(art, host)
    modules.ModuleSystem.check_bundle = real_check  # type: ignore[method-assign]
    takes = []
    for _ in range(5):
        t0 = time.perf_counter()
        snap = src.snapshot()
        takes.append(ms(t0))
        if _ < 4:
            snap.close()
    res["snapshot_take_ms"] = round(statistics.median(takes), 2)
    res["snapshot_memory_mb"] = round(snap.size / 2**20, 1)
    res["snapshot_stored_mb"] = round(snap.stored_bytes / 2**20, 2)
    totals, restores = [], []
    for _ in range(max(reps, 20)):
        total, t_restore, app = first_request(lambda: sapp.AppInstance(art, host, snapshot=snap))
        totals.append(total)
        restores.append(t_restore)
        app.close()
    res["from_snapshot_first_request_ms"] = round(statistics.median(totals), 3)
    res["from_snapshot_p99_ms"] = round(pct(totals, 0.99), 3)
    res["from_snapshot_of_which_restore_ms"] = round(statistics.median(restores), 3)
    src.close()
    snap.close()
    return res


def cold_source(reps: int) -> dict[str, Any]:
    """The same for a `brygge deploy` (source) artifact: index.js importing
    codehooks-js, with ~9 KB of helper functions."""
    from sandbox import app as sapp
    helpers = "\n".join(f"export function helper{i}(xs) {{ return xs.map((x) => x * {i})"
                         f".filter((x) => x % 3 !== {i % 3}).reduce((a, b) => a + b, 0); }}"
                         for i in range(90))
    index = ("import {app} from 'codehooks-js';\nimport * as h from './helpers.js';\n"
             "app.get('/hello', (req, res) => res.json({message: 'Hello from Brygge!',"
             " n: h.helper1([1, 2, 3])}));\nexport default app.init();\n")
    art = {"kind": "source", "entry": "index.js",
           "files": {"index.js": index, "helpers.js": helpers}}
    totals = []
    for _ in range(reps):
        t0 = time.perf_counter()
        app = sapp.AppInstance(art, lambda op, payload: "")
        body, _ = request(app, "/hello")
        totals.append(ms(t0))
        assert json.loads(body)["message"] == "Hello from Brygge!"
        app.close()
    return {"source_bytes": len(index) + len(helpers),
            "cold_first_request_ms": round(statistics.median(totals), 2)}


# -- 3. warm overhead, 4. host calls ------------------------------------------------------------

def warm(bundle: str, n: int) -> dict[str, Any]:
    from sandbox import app as sapp
    from sandbox.engine import Instance
    kv = json.dumps("v")
    app = sapp.AppInstance({"kind": "bundle", "bundle": bundle},
                           lambda op, payload: kv if op.startswith("kv.") else "")
    for _ in range(500):
        request(app, "/noop")
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        request(app, "/noop")
        samples.append((time.perf_counter() - t0) * 1e6)
    hello = []
    for _ in range(n // 2):
        t0 = time.perf_counter()
        request(app, "/hello")
        hello.append((time.perf_counter() - t0) * 1e6)
    guest = guest_share(app, 2000 if n >= 5000 else 500)
    res: dict[str, Any] = {
        **guest,
        "warm_noop_us_p50": round(pct(samples, 0.5), 1),
        "warm_noop_us_p99": round(pct(samples, 0.99), 1),
        "warm_noop_us_mean": round(statistics.fmean(samples), 1),
        "warm_hello_json_us_p50": round(pct(hello, 0.5), 1),
        "warm_hello_json_us_p99": round(pct(hello, 0.99), 1),
    }
    # one kv get per iteration inside one invocation, minus the invocation itself
    calls = 20_000
    request(app, "/kv", f"n={calls}")
    t0 = time.perf_counter()
    _, inv = request(app, "/kv", f"n={calls}")
    per = (ms(t0) * 1000 - res["warm_noop_us_p50"]) / calls
    assert inv.host_calls >= calls, inv.host_calls
    res["datastore_get_roundtrip_us"] = round(per, 2)
    app.close()

    inst = Instance(lambda op, payload: payload)
    inst.eval_script("globalThis.loop = (n) => { n = Number(n); const t = Date.now();"
                     " for (let i = 0; i < n; i++) __host('echo\\nx'); return String(n); };")
    inst.call("loop", "1000")
    k = 50_000
    t0 = time.perf_counter()
    inst.call("loop", str(k))
    res["host_call_us"] = round(ms(t0) * 1000 / k, 2)
    inst.close()
    return res


def guest_share(app: Any, n: int) -> dict[str, Any]:
    """Of a /noop invocation: time inside guest code (call_function and
    execute_pending_jobs, less the host calls they make) vs everything else."""
    from sandbox import engine
    spent = {"guest": 0.0, "host": 0.0}
    orig_call, orig_host = engine.Instance._call, engine.Instance._host_call
    clock = time.perf_counter

    def call(self: Any, name: str, *args: int) -> int:
        if name not in ("call_function", "execute_pending_jobs"):
            return orig_call(self, name, *args)
        t0 = clock()
        h0 = spent["host"]
        try:
            return orig_call(self, name, *args)
        finally:
            spent["guest"] += clock() - t0 - (spent["host"] - h0)

    def host_call(self: Any, argc: int, argv: int) -> int:
        t0 = clock()
        try:
            return orig_host(self, argc, argv)
        finally:
            spent["host"] += clock() - t0

    engine.Instance._call = call  # type: ignore[method-assign]
    engine.Instance._host_call = host_call  # type: ignore[method-assign]
    try:
        t0 = clock()
        for _ in range(n):
            request(app, "/noop")
        total = clock() - t0
    finally:
        engine.Instance._call = orig_call  # type: ignore[method-assign]
        engine.Instance._host_call = orig_host  # type: ignore[method-assign]
    return {"noop_mean_us_instrumented": round(total / n * 1e6, 1),
            "of_which_guest_js_us": round(spent["guest"] / n * 1e6, 1),
            "of_which_host_side_us": round((total - spent["guest"]) / n * 1e6, 1)}


# -- 5. CPU-bound loop vs Node ------------------------------------------------------------------

CPU_JS = r"""
function work() {
  let s = 0;
  for (let i = 0; i < 2e7; i++) s = (s + i * i) % 1000003;
  const a = [];
  for (let i = 0; i < 200000; i++) a.push({i, k: 'key' + (i * 7919 % 200000)});
  a.sort((x, y) => x.k < y.k ? -1 : x.k > y.k ? 1 : 0);
  const m = new Map(a.map(o => [o.k, o.i]));
  let h = 0;
  for (const [k, v] of m) h = (h * 31 + v + k.length) | 0;
  return s + ':' + h + ':' + JSON.stringify(a.slice(0, 1000)).length;
}
"""


def cpu_vs_node() -> dict[str, Any]:
    from sandbox.engine import Instance
    timed = CPU_JS + ("globalThis.bench = () => { work(); let best = 1e9, r = '';"
                      " for (let k = 0; k < 3; k++) { const t = Date.now(); r = work();"
                      " best = Math.min(best, Date.now() - t); } return best + '|' + r; };")
    inst = Instance(lambda op, payload: "", memory_mb=512)
    inst.eval_script(timed)
    sandbox_ms, sandbox_r = inst.call("bench", "").split("|")
    inst.close()
    res: dict[str, Any] = {"sandbox_ms": int(sandbox_ms)}
    node = shutil.which("node")
    if node:
        out = subprocess.run([node, "-e", timed + "console.log(bench())"], capture_output=True,
                             text=True, check=True).stdout.strip()
        node_ms, node_r = out.split("|")
        assert node_r == sandbox_r, (node_r, sandbox_r)  # the same work, the same answer
        res["node_ms"] = int(node_ms)
        res["sandbox_over_node"] = round(int(sandbox_ms) / max(1, int(node_ms)), 1)
        res["node_version"] = subprocess.run([node, "--version"], capture_output=True,
                                             text=True).stdout.strip()
    return res


# -- 6. memory with N spaces --------------------------------------------------------------------

def _smaps() -> dict[str, int]:
    out = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
        k, v = line.split(":")
        out[k] = int(v.split()[0]) * 1024
    return out


def memory_child(spaces: int) -> dict[str, Any]:
    """Runs in its own process: what N deployed spaces cost an executor."""
    import gc

    from sandbox import app as sapp
    bundle = make_bundle(10 * 1024)
    host = lambda op, payload: ""  # noqa: E731
    sapp.prelude_snapshot()
    warmup = sapp.AppInstance({"kind": "bundle", "bundle": bundle}, host)  # settle allocators
    request(warmup, "/hello")
    warmup.close()
    gc.collect()
    base = _smaps()
    pools = []
    t0 = time.perf_counter()
    for i in range(spaces):
        # a distinct deployment per space (as tenants' apps are)
        art = {"kind": "bundle", "bundle": bundle.replace("Hello from Brygge!",
                                                          f"Hello from Brygge!{' ' * (i % 2)}")}
        first = sapp.AppInstance(art, host)
        snap = first.snapshot()  # what Executor._keep_snapshot does before it serves
        request(first, "/hello")
        pools.append((snap, first))
    t_deploy = ms(t0) / spaces
    gc.collect()
    with_instances = _smaps()
    # an instance restored from the pool's snapshot, after one request (the others)
    extra = []
    for snap, _ in pools[:100]:
        a = sapp.AppInstance({"kind": "bundle", "bundle": bundle}, host, snapshot=snap)
        request(a, "/hello")
        extra.append(a)
    gc.collect()
    with_restored = _smaps()
    for a in extra:
        a.close()
    for _, first in pools:
        first.close()
    gc.collect()
    snaps_only = _smaps()
    stored = sum(s.stored_bytes for s, _ in pools)

    # Snapshot images are memfd (shmem) pages: not in RSS unless mapped, so a space's
    # memory is its private (anonymous) pages plus its image's stored pages.
    def per(a: dict[str, int], b: dict[str, int], key: str, n: int = spaces) -> float:
        return round((a[key] - b[key]) / n / 2**20, 3)
    image = stored / spaces / 2**20
    warm_private = per(with_instances, base, "Anonymous")
    return {
        "spaces": spaces,
        "deploy_first_request_ms_each": round(t_deploy, 2),
        "process_rss_base_mb": round(base["Rss"] / 2**20, 1),
        "process_rss_with_spaces_mb": round(with_instances["Rss"] / 2**20, 1),
        "per_space_mb": round(warm_private + image, 3),
        "per_space_warm_instance_private_mb": warm_private,
        "per_space_snapshot_image_mb": round(image, 3),
        "per_idle_space_without_instance_mb": round(per(snaps_only, base, "Anonymous")
                                                    + image, 3),
        "per_extra_restored_instance_private_mb": per(with_restored, with_instances,
                                                      "Anonymous", 100),
        "all_spaces_total_mb": round((warm_private + image) * spaces, 1),
    }


def memory(spaces: int) -> dict[str, Any]:
    r = subprocess.run([sys.executable, __file__, "--memory-child", str(spaces)],
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


# -- main -----------------------------------------------------------------------------------------

def _busy() -> float:
    """Share of the machine's CPU in use over 0.5 s (/proc/stat)."""
    def snap() -> tuple[int, int]:
        v = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return sum(v), v[3] + v[4]
    t1, i1 = snap()
    time.sleep(0.5)
    t2, i2 = snap()
    return 1 - (i2 - i1) / max(1, t2 - t1)


def wait_idle(limit: float = 0.15, timeout: float = 60) -> float:
    """This machine is shared: wait until others use < `limit` of it (or give up)."""
    end = time.monotonic() + timeout
    while (b := _busy()) > limit and time.monotonic() < end:
        time.sleep(1)
    return b


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repetitions, 100 spaces")
    ap.add_argument("--spaces", type=int, default=1000)
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.memory_child:
        print(json.dumps(memory_child(a.memory_child)))
        return 0
    from sandbox import app as sapp
    from sandbox import engine
    engine.configure(Path(tempfile.gettempdir()) / "brygge-bench-wasm-cache")
    quick = a.quick
    small, large = make_bundle(10 * 1024), make_bundle(2 * 1024 * 1024)
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
    }
    results["machine"]["busy_before"] = round(wait_idle(), 2)
    print("process start ...", file=sys.stderr)
    results["process_start"] = process_start()
    sapp.prelude_snapshot()
    print("cold starts ...", file=sys.stderr)
    results["cold_10kb"] = cold(small, 5 if quick else 20)
    results["cold_2mb"] = cold(large, 2 if quick else 6)
    results["cold_source_10kb"] = cold_source(5 if quick else 20)
    print("warm path ...", file=sys.stderr)
    results["machine"]["busy_before_warm"] = round(wait_idle(), 2)
    results["warm"] = warm(small, 2000 if quick else 10_000)
    print("cpu vs node ...", file=sys.stderr)
    results["cpu"] = cpu_vs_node()
    spaces = 100 if quick else a.spaces
    print(f"memory with {spaces} spaces ...", file=sys.stderr)
    results["memory"] = memory(spaces)
    text = json.dumps(results, indent=2)
    print(text)
    if a.json:
        Path(a.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
