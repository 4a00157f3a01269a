#!/usr/bin/env python3
"""Crudlify through the full stack (issue 5): Brygge vs the official CLI's localserver, with wrk.

    bench/run_crud.sh                      # = .venv/bin/python bench/crud_bench.py
    bench/run_crud.sh --ref HEAD --profile # Brygge from a commit; then py-spy under load
    bench/run_crud.sh --duration 5 --concurrency 1,8 --only brygge

One run:
  1. writes one app (APP_JS: a public auth hook, `app.crudlify()`, and `POST /bulk/:collection`
     = insertMany, `POST /bulkindex/:collection` = createIndex) and starts it on a Brygge node
     (`brygge up --app`) and on `npx codehooks@1.0.13 localserver` (node_modules from the
     `npm install` cached in bench/.cache/localserver-storage-app, shared with
     storage_http_bench.py);
  2. preloads the same N documents (default 10,000; `{name, group: g0..g49, n, email, tags}`)
     into collection `items` on both, 1000 per request, and creates an index on `group`
     (Brygge's queries use it; the localserver's mock database scans regardless); and 100
     documents into collection `page100`;
  3. checks each route answers as expected on both servers (the document asked for, exactly
     100 documents for the query, 201 + `_id` for the insert);
  4. runs `wrk --latency` with a Lua script per route and concurrency:
       noop       GET  /dev/bench/noop                 baseline: a plain route, no storage
       get_by_id  GET  /dev/items/<id>                 id drawn at random from the preloaded ids
       query100   GET  /dev/items?group=g<k>&limit=100 k drawn at random (200 docs per group);
                                                       Brygge only: the localserver's crudlify
                                                       ignores the query string (it answers all
                                                       10,000 documents of `items`)
       list100    GET  /dev/page100?limit=100          all 100 documents of `page100`: the
                                                       100-document answer both servers give
       post       POST /dev/items                      small JSON document
     recording req/s, p50/p99, non-2xx and socket errors, and the server's CPU per request;
  5. "half of peak": per route, the best req/s Brygge reached across the concurrencies, then
     one paced run at half that rate (wrk's Lua `delay()`: each of C connections waits
     ~1000*C/R ms, jittered ±50 %, between requests) -> p99 at that load (the same for the
     localserver, at half of its own peak);
  6. prints the tables and the targets, writes bench/results/crud-<timestamp>.json, and stops
     both servers (process groups; also on Ctrl-C, SIGTERM, errors; a watchdog stops them if
     this script is killed).
With --profile, after that: py-spy (raw collapsed stacks) of Brygge's router and storage
processes and `perf record` of all its processes (if perf is installed) under noop, GET-by-id
and POST load, bucketed by code area and by library (bench/results/crud-<ts>-profile/;
`--summarize DIR` prints such a directory's summary again).

Only loopback addresses are ever targeted; every wrk run is bounded in time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_hello import (  # bench/ is on sys.path, not a package
    CACHE,
    CLI_SPEC,
    DISTURBED,
    RESULTS,
    ROOT,
    WATCHDOG,
    Server,
    _die_with_parent,
    _stop,
    child_pids,
    cmd_out,
    export_ref,
    free_port,
    loadavg,
    machine_info,
    need,
    run_wrk,
    tail,
    wait_quiet,
)
from profile_summary import _DSO_CLASSES, perf_summary

PERF_HZ = 499

SPACE = "dev"
COLL = "items"
PAGE_COLL = "page100"  # exactly 100 documents
GROUPS = 50
# Same dependency set (and cache dir) as bench/storage_http_bench.py: the localserver bundles
# the app with webpack without externals, so codehooks-js's imports (ajv, lodash, node-fetch)
# must resolve from the app folder.
APP_PACKAGE = {
    "name": "brygge-bench-storage",
    "version": "1.0.0",
    "private": True,
    "description": "bench/storage_http_bench.py app, for the official localserver",
    "main": "index.js",
    "dependencies": {"codehooks-js": "1.4.3", "ajv": "8.17.1", "lodash": "4.17.21",
                     "node-fetch": "2.7.0"},
}
APP_CACHE = CACHE / "localserver-storage-app"

APP_JS = r"""// bench/crud_bench.py: the same app on Brygge and on the official localserver.
import { app, Datastore } from 'codehooks-js';

app.auth('/*', (req, res, next) => next());  // public: no token needed

// preload helpers (two path segments: no crudlify route matches them)
app.post('/bulk/:collection', async (req, res) => {
  const conn = await Datastore.open();
  const r = await conn.insertMany(req.params.collection, req.body);
  res.json({ ids: r.map((d) => d._id) });
});

app.post('/bulkindex/:collection', async (req, res) => {
  const conn = await Datastore.open();
  await conn.createIndex(req.params.collection, [req.query.field]);
  res.json({ ok: true });
});

// baseline without storage (registered before crudlify, whose GET /:collection/:ID it shadows)
app.get('/bench/noop', (req, res) => res.json({ ok: true }));

// GET/POST/PUT/PATCH/DELETE /:collection[/:ID], no schema
app.crudlify();

export default app.init();
"""

POST_BODY = '{"name":"wrk","group":"gpost","n":1,"email":"wrk@example.com","tags":["a","b"]}'

LUA_COMMON = r"""
-- bench/crud_bench.py: generated wrk script
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end
"""

LUA_PACE = r"""
local pace_ms = %(pace_ms).3f
function delay()
  -- mean pace_ms, uniform +-50 %%: keeps the connections from marching in step
  return math.floor(pace_ms * (0.5 + math.random()) + 0.5)
end
"""


def lua_script(route: str, ids_file: Path, pace_ms: float | None) -> str:
    if route == "get_by_id":
        body = f"""
local ids = {{}}
function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0))
  for line in io.lines("{ids_file}") do ids[#ids + 1] = line end
end
function request()
  return wrk.format("GET", "/{SPACE}/{COLL}/" .. ids[math.random(#ids)])
end
"""
    elif route == "query100":
        body = f"""
function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0))
end
function request()
  return wrk.format("GET", "/{SPACE}/{COLL}?group=g" .. math.random(0, {GROUPS - 1}) .. "&limit=100")
end
"""
    elif route == "noop":
        body = f"""
function request()
  return wrk.format("GET", "/{SPACE}/bench/noop")
end
"""
    elif route == "list100":
        body = f"""
function request()
  return wrk.format("GET", "/{SPACE}/{PAGE_COLL}?limit=100")
end
"""
    elif route == "post":
        body = f"""
function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0))
end
local hdrs = {{["Content-Type"] = "application/json"}}
local payload = '{POST_BODY}'
function request()
  return wrk.format("POST", "/{SPACE}/{COLL}", hdrs, payload)
end
"""
    else:
        raise ValueError(route)
    pace = LUA_PACE % {"pace_ms": pace_ms} if pace_ms else ""
    return LUA_COMMON + body + pace


ROUTES = ("noop", "get_by_id", "query100", "list100", "post")
# codehooks@1.0.13's localserver runs crudlify's `getMany(collection, filter, options)` as
# `getMany(collection)`: GET /items?group=..&limit=100 answers the whole collection.
LOCALSERVER_SKIPS = {"query100": "the localserver's crudlify ignores the query string"}
ROUTE_LABEL = {
    "noop": f"GET /{SPACE}/bench/noop",
    "get_by_id": f"GET /{SPACE}/{COLL}/<id>",
    "query100": f"GET /{SPACE}/{COLL}?group=g<k>&limit=100",
    "list100": f"GET /{SPACE}/{PAGE_COLL}?limit=100",
    "post": f"POST /{SPACE}/{COLL}",
}


def say(msg: str) -> None:
    print(f"[crud] {msg}", file=sys.stderr, flush=True)


# -- HTTP helpers (stdlib; loopback only) ------------------------------------------------------
def http(method: str, url: str, body: bytes | None = None, timeout: float = 60.0
         ) -> tuple[int, bytes]:
    assert url.startswith("http://127.0.0.1:"), url
    req = urllib.request.Request(url, data=body, method=method,
                                 headers={"content-type": "application/json"} if body else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class CrudServer(Server):
    """http_hello's Server (start/stop by process group), ready when crudlify answers."""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/{SPACE}"

    @property
    def url(self) -> str:  # what wrk is pointed at; the Lua scripts set the paths
        return f"http://127.0.0.1:{self.port}/"

    def wait_ready(self, timeout: float) -> float:
        assert self.proc is not None
        t0 = time.monotonic()
        last = "no answer"
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}) while starting; "
                                   f"see {self.log}:\n{tail(self.log)}")
            try:
                status, body = http("GET", f"{self.base}/{COLL}?limit=1", timeout=2.0)
                if status == 200 and isinstance(json.loads(body), list):
                    return time.monotonic() - t0
                last = f"HTTP {status}: {body[:200]!r}"
            except (OSError, ValueError) as e:
                last = str(e)
            time.sleep(0.25)
        raise RuntimeError(f"{self.name} did not answer {self.base}/{COLL} within {timeout:.0f}s "
                           f"(last: {last}); see {self.log}:\n{tail(self.log)}")


def prepare_localserver_app(work: Path, npm_env: dict[str, str]) -> Path:
    need("npm", "install Node.js 20+ and npm")
    need("npx", "install Node.js 20+ and npm")
    APP_CACHE.mkdir(parents=True, exist_ok=True)
    pkg = json.dumps(APP_PACKAGE, indent=2) + "\n"
    stamp = APP_CACHE / ".installed"
    if not (stamp.exists() and stamp.read_text() == pkg and (APP_CACHE / "node_modules").is_dir()):
        say(f"npm install in {APP_CACHE} ({', '.join(APP_PACKAGE['dependencies'])}); cached")
        (APP_CACHE / "package.json").write_text(pkg)
        shutil.rmtree(APP_CACHE / "node_modules", ignore_errors=True)
        r = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
                           cwd=APP_CACHE, env={**os.environ, **npm_env}, capture_output=True,
                           text=True, timeout=600)
        if r.returncode != 0:
            raise RuntimeError(f"npm install failed in {APP_CACHE}:\n{r.stdout}\n{r.stderr}")
        stamp.write_text(pkg)
    app = work / "localserver-app"
    app.mkdir()
    (app / "index.js").write_text(APP_JS)
    shutil.copy2(APP_CACHE / "package.json", app / "package.json")
    if (APP_CACHE / "package-lock.json").exists():
        shutil.copy2(APP_CACHE / "package-lock.json", app / "package-lock.json")
    shutil.copytree(APP_CACHE / "node_modules", app / "node_modules", symlinks=True)
    return app


# -- data -----------------------------------------------------------------------------------------
def documents(n: int, seed: int = 42) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    return [{"name": f"{rnd.choice(words)} {rnd.choice(words)} {i}", "group": f"g{i % GROUPS}",
             "n": i, "email": f"user{i}@example.com",
             "tags": rnd.sample(words, rnd.randint(1, 3))} for i in range(n)]


def preload(s: CrudServer, docs: list[dict[str, Any]], batch: int = 1000) -> tuple[list[str], float]:
    ids: list[str] = []
    t0 = time.perf_counter()
    for i in range(0, len(docs), batch):
        body = json.dumps(docs[i:i + batch], separators=(",", ":")).encode()
        status, out = http("POST", f"{s.base}/bulk/{COLL}", body, timeout=300)
        if status != 200:
            raise RuntimeError(f"{s.name}: POST /bulk/{COLL}: HTTP {status}: {out[:300]!r}")
        ids.extend(json.loads(out)["ids"])
    body = json.dumps(docs[:100], separators=(",", ":")).encode()
    status, out = http("POST", f"{s.base}/bulk/{PAGE_COLL}", body, timeout=300)
    if status != 200:
        raise RuntimeError(f"{s.name}: POST /bulk/{PAGE_COLL}: HTTP {status}: {out[:300]!r}")
    status, out = http("POST", f"{s.base}/bulkindex/{COLL}?field=group", b"{}", timeout=300)
    if status != 200:
        raise RuntimeError(f"{s.name}: createIndex: HTTP {status}: {out[:300]!r}")
    return ids, time.perf_counter() - t0


def check_routes(s: CrudServer, ids: list[str]) -> dict[str, Any]:
    """Each route answers what it should before anything is measured."""
    out: dict[str, Any] = {}
    for doc_id in (ids[0], ids[len(ids) // 2], ids[-1]):
        status, body = http("GET", f"{s.base}/{COLL}/{doc_id}")
        d = json.loads(body) if status == 200 else None
        if not (isinstance(d, dict) and d.get("_id") == doc_id):
            raise RuntimeError(f"{s.name}: GET /{COLL}/{doc_id}: HTTP {status}: {body[:300]!r}")
    out["get_by_id_bytes"] = len(body)
    for g in (0, 17, GROUPS - 1):
        status, body = http("GET", f"{s.base}/{COLL}?group=g{g}&limit=100")
        docs = json.loads(body) if status == 200 else None
        n = len(docs) if isinstance(docs, list) else None
        out["query100_docs"] = n
        out["query100_bytes"] = len(body)
        if s.name == "localserver":
            break  # recorded, not required (LOCALSERVER_SKIPS)
        if not (isinstance(docs, list) and n == 100
                and all(d.get("group") == f"g{g}" for d in docs)):
            raise RuntimeError(f"{s.name}: query group=g{g}&limit=100: HTTP {status}, {n} docs: "
                               f"{body[:300]!r}")
    status, body = http("GET", f"{s.base}/{PAGE_COLL}?limit=100")
    docs = json.loads(body) if status == 200 else None
    if not (isinstance(docs, list) and len(docs) == 100):
        n = len(docs) if isinstance(docs, list) else None
        raise RuntimeError(f"{s.name}: GET /{PAGE_COLL}?limit=100: HTTP {status}, {n} docs")
    out["list100_docs"] = 100
    out["list100_bytes"] = len(body)
    status, body = http("POST", f"{s.base}/{COLL}", POST_BODY.encode())
    d = json.loads(body) if status in (200, 201) else None
    if not (isinstance(d, dict) and d.get("_id") and d.get("name") == "wrk"):
        raise RuntimeError(f"{s.name}: POST /{COLL}: HTTP {status}: {body[:300]!r}")
    out["post_status"] = status
    status, body = http("GET", f"{s.base}/bench/noop")
    if status != 200 or json.loads(body) != {"ok": True}:
        raise RuntimeError(f"{s.name}: GET /bench/noop: HTTP {status}: {body[:300]!r}")
    return out


# -- tables -----------------------------------------------------------------------------------------
def _fmt(v: Any, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def md_table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---:" if i else "---" for i in range(len(head))) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def cells(r: dict[str, Any] | None) -> list[str]:
    if not r:
        return ["-"] * 5
    rps = ("*" if r.get("disturbed") else "") + f"{r['rps']:,.0f}"
    errs = r.get("non_2xx", 0) + r.get("socket_errors", 0)
    return [rps, _fmt(r.get("p50_ms"), ".2f"), _fmt(r.get("p99_ms"), ".2f"),
            _fmt(r.get("cpu_us_per_request_total"), ",.0f"), str(errs)]


def main_table(results: dict[str, Any], levels: list[int]) -> str:
    head = ["route", "conns", "Brygge req/s", "p50 ms", "p99 ms", "CPU µs/req", "err",
            "local req/s", "p50 ms", "p99 ms", "CPU µs/req", "err", "req/s B/L"]
    rows = []
    for route in ROUTES:
        for c in levels:
            b = results.get("brygge", {}).get(route, {}).get(str(c))
            ls = results.get("localserver", {}).get(route, {}).get(str(c))
            ratio = f"**{b['rps'] / ls['rps']:.2f}**" if b and ls and ls["rps"] else "-"
            rows.append([route, str(c), *cells(b), *cells(ls), ratio])
    return md_table(head, rows)


def half_table(half: dict[str, Any]) -> str:
    head = ["route", "server", "peak req/s", "target req/s", "reached req/s", "conns",
            "p50 ms", "p99 ms", "err"]
    rows = []
    for route in ROUTES:
        for name in ("brygge", "localserver"):
            h = half.get(name, {}).get(route)
            if not h:
                continue
            r = h["run"]
            rows.append([route, name, f"{h['peak_rps']:,.0f}", f"{h['target_rps']:,.0f}",
                         ("*" if r.get("disturbed") else "") + f"{r['rps']:,.0f}",
                         str(r["connections"]), _fmt(r.get("p50_ms"), ".2f"),
                         _fmt(r.get("p99_ms"), ".2f"),
                         str(r.get("non_2xx", 0) + r.get("socket_errors", 0))])
    return md_table(head, rows)


PROFILE_ROUTES = ("noop", "get_by_id", "post")  # noop: the same request path without storage

# -- profiling ------------------------------------------------------------------------------------
WAIT_LEAVES = (
    "Condition.wait (threading.py", "_worker (concurrent/futures/thread.py",
    "EpollSelector.select", "select (selectors.py", "Event.wait", "Queue.get (queue.py",
    "_serve (grpc/_server.py", "shared_engine.<locals>.tick", "sleep (", "_wait_once",
)

# First pattern (in order) that matches any frame of a stack wins: a host call's storage
# round trip counts as storage, not as the wasm call that made it.
PROFILE_BUCKETS: dict[str, list[tuple[str, str]]] = {
    "router": [
        ("event loop, native (uvloop run_forever: epoll, socket I/O, httptools parsing; the "
         "innermost Python frame is Runner.run)", r";LEAF:Runner\.run "),
        ("storage gRPC round trip from a host call (StorageClient.raw: serialize, channel, "
         "wait for the reply)", r"storage/client\.py|_channel\.py|grpc/_interceptor"),
        ("guest→host call glue (host side: read string, dispatch op, reply)",
         r"_host_call|_raw_host_call|host_ops|_host_ops"),
        ("wasm calls into the guest (QuickJS: runtime dispatch, crudlify, JSON)",
         r"wasmtime_func_call|_FastFunc\.__call__|engine\.py"),
        ("invocation glue (AppInstance.run, pool lease, request/response marshalling)",
         r"sandbox/app\.py|sandbox/executor\.py|sandbox/server\.py|sandbox/local\.py|InProcessExecutor"),
        ("router code (admission, headers, ASGI messages)",
         r"router/(app|admit|credentials|resolve|streaming)\.py|storage/admission"),
        ("HTTP server (uvicorn + httptools)", r"uvicorn/protocols"),
        ("NATS client", r"nats/"),
        ("thread pool hand-off (futures, run_in_executor)",
         r"concurrent/futures|run_in_executor|threading\.py"),
        ("event loop itself (uvloop/asyncio)", r"asyncio/|uvicorn/|uvloop"),
    ],
    "storage": [
        ("RocksDB calls (rocksdict get/put/write/iterators)", r"Rdict|rocksdict|WriteBatch"),
        ("JSON encode/decode (json module)", r"json/"),
        ("key building and validation (storage/keys.py)", r"storage/keys\.py"),
        ("query planning/execution (storage/query.py, datastore)",
         r"storage/query\.py|storage/datastore\.py"),
        ("engine dispatch (storage/engine.py)", r"storage/engine\.py"),
        ("gRPC server machinery (grpc/_server.py, cygrpc)", r"grpc/|storage/server\.py"),
        ("thread pool", r"concurrent/futures|threading\.py"),
    ],
}


def parse_raw(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text(errors="replace").splitlines():
        m = re.match(r"^(.*) (\d+)$", line)
        if m:
            stacks.append((m.group(1).split(";"), int(m.group(2))))
    return stacks


def summarize_profile(kind: str, path: Path, requests: int, top: int = 14) -> list[str]:
    """Buckets (share of busy samples) and the hottest leaf functions of a py-spy raw file.
    py-spy samples at 100 Hz per thread; with the run's request count, samples -> µs/req."""
    stacks = parse_raw(path)
    buckets: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    own: Counter[str] = Counter()
    waiting = 0
    for frames, n in stacks:
        leaf = frames[-1]
        if any(w in leaf for w in WAIT_LEAVES):
            waiting += n
            continue
        joined = ";".join(frames) + ";LEAF:" + leaf
        name = next((b for b, pat in PROFILE_BUCKETS[kind] if re.search(pat, joined)), "other")
        buckets[name] += n
        leaves[re.sub(r":\d+\)", ")", leaf)] += n
        # the innermost frame that is Brygge's own code (not the stdlib, not site-packages)
        for f in reversed(frames):
            if re.search(r"\((router|sandbox|storage|control_plane|brygge)/", f):
                own[re.sub(r":\d+\)", ")", f)] += n
                break
    busy = sum(buckets.values())
    per_req = 1e6 / 100 / max(requests, 1)  # µs of one sample spread over the requests
    lines = [f"{kind} ({path.name}): {busy} busy samples ({busy * per_req:,.0f} µs/req of "
             f"Python-visible time), {waiting} waiting samples left out"]
    for name, n in buckets.most_common():
        lines.append(f"  {100 * n / max(busy, 1):5.1f}%  {n * per_req:7,.0f} µs/req  {name}")
    lines.append("  hottest leaf frames:")
    for f, n in leaves.most_common(top):
        lines.append(f"    {100 * n / max(busy, 1):5.1f}%  {f[:150]}")
    lines.append("  innermost Brygge frame:")
    for f, n in own.most_common(top):
        lines.append(f"    {100 * n / max(busy, 1):5.1f}%  {f[:150]}")
    return lines


def perf_us_per_request(script: Path, pids: dict[str, int], requests: int) -> list[str]:
    """perf samples (PERF_HZ per busy CPU) as CPU µs per request, by process and library."""
    names = {str(pid): name for name, pid in pids.items()}
    by: Counter[tuple[str, str]] = Counter()
    for line in script.read_text(errors="replace").splitlines():
        m = re.match(r"\s*(\d+)/\d+\s+\S+\s+.*\((.*)\)\s*$", line)
        if m:
            lib = next((label for key, label in _DSO_CLASSES if key in m.group(2)),
                       "other libraries")
            by[(names.get(m.group(1), "other"), lib)] += 1
    us = 1e6 / PERF_HZ / max(requests, 1)
    procs: Counter[str] = Counter()
    for (proc, _), n in by.items():
        procs[proc] += n
    out = [f"perf, CPU µs per request ({requests:,} requests; perf ran through the whole load):"]
    for proc, n in procs.most_common(3):
        out.append(f"  {n * us:7,.0f}  {proc}")
        for (p, lib), k in by.most_common():
            if p == proc and k * us >= 5:
                out.append(f"           {k * us:7,.0f}  {lib}")
    return out


def profile_brygge(s: CrudServer, scripts: dict[str, Path], conns: int, threads: int,
                   duration: float, outdir: Path, procs: list[Any]) -> dict[str, Any]:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        raise SystemExit("bench: --profile needs py-spy (.venv/bin/pip install py-spy)")
    assert s.proc is not None
    pids = {"supervisor": s.proc.pid, **child_pids(s.proc.pid)}
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "pids.json").write_text(json.dumps(pids, indent=2) + "\n")
    report: dict[str, Any] = {"dir": str(outdir.relative_to(ROOT)), "pids": pids}
    targets = [k for k in ("router", "storage") if k in pids]
    for route in PROFILE_ROUTES:
        if route not in scripts:
            continue
        say(f"  py-spy of {', '.join(targets)} during {duration:g}s of {route} at {conns} conns")
        spies = []
        for name in targets:
            argv = [spy, "record", "-p", str(pids[name]), "-r", "100", "-d", str(int(duration)),
                    "-f", "raw", "-o", str(outdir / f"{route}-{name}.txt"), "--threads",
                    "--nonblocking"]
            sp = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  preexec_fn=_die_with_parent)
            procs.append(sp)
            spies.append(sp)
        perf, pdata = shutil.which("perf"), outdir / f"{route}-perf.data"
        pr = None
        if perf:  # native view: which library the CPU is in (wasm, libpython, gRPC, kernel)
            pr = subprocess.Popen([perf, "record", "-F", "499", "-p",
                                   ",".join(str(pids[k]) for k in pids if k != "supervisor"),
                                   "-o", str(pdata), "--", "sleep", str(duration + 1.5)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  preexec_fn=_die_with_parent)
            procs.append(pr)
        time.sleep(1.0)  # let py-spy attach before the load starts
        run = run_wrk(s.url, conns, threads, duration, procs, pgid=s.proc.pid,
                      script=scripts[route])
        for sp in spies:
            _stop(sp, procs)
        if pr is not None:
            _stop(pr, procs)
            if pdata.exists():
                with open(outdir / f"{route}-perf.script", "wb") as f:
                    subprocess.run([str(perf), "script", "-i", str(pdata), "-F",
                                    "pid,tid,ip,sym,dso"], stdout=f, stderr=subprocess.DEVNULL,
                                   timeout=300)
                pdata.unlink()
        (outdir / f"{route}-run.json").write_text(json.dumps(run, indent=2) + "\n")
        lines = [f"== {route}: {run['rps']:,.0f} req/s under py-spy, {run.get('requests', 0):,} "
                 f"requests, CPU µs/req {run.get('cpu_us_per_request')}"]
        for name in targets:
            f = outdir / f"{route}-{name}.txt"
            if f.exists():
                lines += summarize_profile(name, f, run.get("requests", 0))
        if (outdir / f"{route}-perf.script").exists():
            lines += perf_summary(outdir / f"{route}-perf.script", pids).splitlines()
            lines += perf_us_per_request(outdir / f"{route}-perf.script", pids,
                                         run.get("requests", 0))
        report[route] = {"run": run, "summary": lines}
        (outdir / f"{route}-summary.txt").write_text("\n".join(lines) + "\n")
        print("\n".join(lines))
    return report


# -- main -----------------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--duration", type=float, default=8.0, help="seconds per wrk run (8)")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per route (3)")
    ap.add_argument("--concurrency", default="1,8,32", help="wrk connections, comma separated")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads (capped at connections)")
    ap.add_argument("--docs", type=int, default=10_000, help="documents preloaded (10000)")
    ap.add_argument("--routes", default=",".join(ROUTES), help="comma separated subset of "
                    + ", ".join(ROUTES))
    ap.add_argument("--half-conns", type=int, default=16,
                    help="connections of the paced half-of-peak runs (16)")
    ap.add_argument("--no-half", action="store_true", help="skip the half-of-peak runs")
    ap.add_argument("--quiet-wait", type=float, default=30.0,
                    help="before each run, wait up to this many seconds for other work on the "
                         "machine to stop (0: don't check)")
    ap.add_argument("--only", choices=("brygge", "localserver"), help="benchmark one side only")
    ap.add_argument("--profile", action="store_true",
                    help="then py-spy Brygge's router and storage under GET-by-id and POST load")
    ap.add_argument("--profile-concurrency", type=int, default=8)
    ap.add_argument("--start-timeout", type=float, default=240.0)
    ap.add_argument("--ref", help="run Brygge from this git ref (exported to a temp dir, e.g. HEAD)"
                    " instead of the working tree, so concurrent edits do not leak in")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, data dir)")
    ap.add_argument("--summarize", metavar="DIR", type=Path,
                    help="only print the summary of an earlier --profile dir and exit")
    a = ap.parse_args()
    if a.summarize:
        for route in PROFILE_ROUTES:
            if not (a.summarize / f"{route}-run.json").exists():
                continue
            run = json.loads((a.summarize / f"{route}-run.json").read_text())
            print(f"== {route}: {run['rps']:,.0f} req/s under py-spy, CPU µs/req "
                  f"{run.get('cpu_us_per_request')}")
            for name in ("router", "storage"):
                f = a.summarize / f"{route}-{name}.txt"
                if f.exists():
                    print("\n".join(summarize_profile(name, f, run.get("requests", 0))))
            f = a.summarize / f"{route}-perf.script"
            if f.exists():
                pids = json.loads((a.summarize / "pids.json").read_text())
                print(perf_summary(f, pids))
                print("\n".join(perf_us_per_request(f, pids, run.get("requests", 0))))
        return 0
    levels = [int(x) for x in a.concurrency.split(",") if x.strip()]
    routes = [r for r in a.routes.split(",") if r]
    if bad := set(routes) - set(ROUTES):
        raise SystemExit(f"bench: unknown route(s) {sorted(bad)}")
    if a.docs < 100 * GROUPS:
        raise SystemExit(f"bench: --docs must be >= {100 * GROUPS} ({GROUPS} groups of >= 100)")

    need("wrk", "install it (Debian: apt-get install -y wrk)")
    brygge_bin = Path(sys.executable).parent / "brygge"
    if a.only != "localserver" and not brygge_bin.exists():
        raise SystemExit(f"bench: {brygge_bin} not found: run with the venv's python")

    def on_signal(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    work = Path(tempfile.mkdtemp(prefix="brygge-crud-"))
    npm_env = {"npm_config_cache": str(CACHE / "npm"), "npm_config_update_notifier": "false",
               "npm_config_fund": "false", "npm_config_audit": "false"}
    servers: dict[str, CrudServer] = {}
    procs: list[Any] = []
    watchdog: subprocess.Popen[bytes] | None = None
    results: dict[str, dict[str, dict[str, Any]]] = {}
    half: dict[str, dict[str, Any]] = {}
    report: dict[str, Any] = {
        "benchmark": "crud", "timestamp": stamp,
        "routes": {r: ROUTE_LABEL[r] for r in routes},
        "localserver_skips": LOCALSERVER_SKIPS,
        "machine": {**machine_info(), "loadavg_before": loadavg()},
        "params": {"duration_s": a.duration, "warmup_s": a.warmup, "concurrency": levels,
                   "threads": a.threads, "docs": a.docs, "groups": GROUPS,
                   "half_conns": a.half_conns, "cli": CLI_SPEC, "app": APP_PACKAGE["dependencies"],
                   "app_js": APP_JS},
        "results": results, "half_of_peak": half,
    }
    code = 0
    try:
        appdir = work / "brygge-app"
        appdir.mkdir()
        (appdir / "index.js").write_text(APP_JS)
        (appdir / "config.json").write_text(json.dumps({"name": "brygge", "space": SPACE}))
        if a.only != "localserver":
            port = free_port()
            tree, env, up = ROOT, {}, [str(brygge_bin), "up"]
            if a.ref:
                tree = export_ref(a.ref, work / "tree")
                env = {"PYTHONPATH": str(tree)}
                # runpy: any layout of the CLI (module or package) at the ref
                up = [sys.executable, "-c",
                      "import runpy; runpy.run_module('control_plane.cli', run_name='__main__')",
                      "up"]
                report["machine"]["brygge_commit"] = cmd_out(["git", "rev-parse", "--short",
                                                              a.ref], cwd=ROOT)
                report["machine"]["brygge_dirty"] = False
            servers["brygge"] = CrudServer(
                "brygge", [*up, "--data-dir", str(work / "brygge-data"), "--http-port", str(port),
                           "--admin-port", str(free_port()), "--app", str(appdir)],
                cwd=tree, log=work / "brygge.log", port=port, env=env)
        if a.only != "brygge":
            app = prepare_localserver_app(work, npm_env)
            port = free_port()
            servers["localserver"] = CrudServer(
                "localserver", ["npx", "--yes", CLI_SPEC, "localserver", "--port", str(port)],
                cwd=app, log=work / "localserver.log", port=port, env=npm_env)
        for s in servers.values():
            say(f"starting {s.name}: {' '.join(s.argv)}")
            s.start()
        watchdog = subprocess.Popen(
            [sys.executable, "-c", WATCHDOG,
             *(f"{s.proc.pid}:{'leader' if s.name == 'brygge' else 'group'}"
               for s in servers.values() if s.proc)],
            stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent, start_new_session=True)
        for s in servers.values():
            waited = s.wait_ready(a.start_timeout)
            say(f"{s.name} answers {s.base}/{COLL} (after {waited:.1f}s)")
            report.setdefault("startup_s", {})[s.name] = round(waited, 2)

        docs = documents(a.docs)
        scripts: dict[str, dict[str, Path]] = {}
        for name, s in servers.items():
            ids, secs = preload(s, docs)
            say(f"{name}: preloaded {len(ids):,} docs in {secs:.1f}s + index on group")
            report.setdefault("preload", {})[name] = {"docs": len(ids), "seconds": round(secs, 2)}
            report.setdefault("checks", {})[name] = check_routes(s, ids)
            ids_file = work / f"ids-{name}.txt"
            ids_file.write_text("\n".join(ids) + "\n")
            scripts[name] = {}
            for route in ROUTES:
                p = work / f"{name}-{route}.lua"
                p.write_text(lua_script(route, ids_file, None))
                scripts[name][route] = p

        for name, s in servers.items():
            assert s.proc is not None
            mine = [r for r in routes if not (name == "localserver" and r in LOCALSERVER_SKIPS)]
            for route in mine:
                if a.warmup > 0:
                    run_wrk(s.url, 8, a.threads, a.warmup, procs, script=scripts[name][route])
                for c in levels:
                    background = wait_quiet(a.quiet_wait) if a.quiet_wait > 0 else None
                    say(f"{name} {route}: wrk {a.duration:g}s at {c} connection(s)")
                    r = run_wrk(s.url, c, a.threads, a.duration, procs, pgid=s.proc.pid,
                                script=scripts[name][route])
                    r["background_busy_before"] = background
                    results.setdefault(name, {}).setdefault(route, {})[str(c)] = r
                    say(f"  {r['rps']:,.0f} req/s, p50 {r.get('p50_ms', 0):.2f} ms, p99 "
                        f"{r.get('p99_ms', 0):.2f} ms, {r['non_2xx']} non-2xx, "
                        f"{r['socket_errors']} socket errors, CPU "
                        f"{r.get('cpu_us_per_request_total', 0):,.0f} µs/req "
                        f"{r.get('cpu_us_per_request', {})}"
                        + (f"; DISTURBED (other work {r['other_busy']:.0%})"
                           if r.get("disturbed") else ""))

            if a.no_half:
                continue
            for route in mine:
                runs = results[name][route]
                peak = max(runs.values(), key=lambda r: r["rps"])
                target = peak["rps"] / 2
                # a connection sends, waits for the answer (~p50 at low load), then waits
                # delay(): the pause is the period minus the expected latency
                lat = min(r.get("p50_ms", 0.0) for r in runs.values())
                pace_ms = max(1.0, 1000.0 * a.half_conns / target - lat)
                p = work / f"{name}-{route}-paced.lua"
                p.write_text(lua_script(route, work / f"ids-{name}.txt", pace_ms))
                background = wait_quiet(a.quiet_wait) if a.quiet_wait > 0 else None
                say(f"{name} {route}: paced at half of peak ({target:,.0f} of "
                    f"{peak['rps']:,.0f} req/s): {a.half_conns} conns, ~{pace_ms:.1f} ms apart")
                r = run_wrk(s.url, a.half_conns, a.threads, a.duration, procs, pgid=s.proc.pid,
                            script=p)
                r["background_busy_before"] = background
                half.setdefault(name, {})[route] = {
                    "peak_rps": peak["rps"], "peak_connections": peak["connections"],
                    "target_rps": round(target, 1), "pace_ms": round(pace_ms, 2), "run": r}
                say(f"  reached {r['rps']:,.0f} req/s, p50 {r.get('p50_ms', 0):.2f} ms, "
                    f"p99 {r.get('p99_ms', 0):.2f} ms")

        if a.profile and "brygge" in servers:
            pdir = RESULTS / f"crud-{stamp}-profile"
            say(f"profiling Brygge at {a.profile_concurrency} connections -> {pdir}")
            report["profile"] = profile_brygge(servers["brygge"], scripts["brygge"],
                                               a.profile_concurrency, a.threads, a.duration,
                                               pdir, procs)

        # targets (issue 5)
        ncpu = os.cpu_count() or 1
        targets: dict[str, Any] = {}
        b, ls = results.get("brygge", {}), results.get("localserver", {})
        for route in routes:
            if route in b and route in ls:
                bp = max(r["rps"] for r in b[route].values())
                lp = max(r["rps"] for r in ls[route].values())
                per_level = {c: round(b[route][c]["rps"] / ls[route][c]["rps"], 3)
                             for c in b[route] if c in ls[route] and ls[route][c]["rps"]}
                targets[f"{route}: Brygge peak >= localserver peak"] = {
                    "brygge": round(bp), "localserver": round(lp), "ratio": round(bp / lp, 3),
                    "ratio_per_concurrency": per_level, "met": bp >= lp}
        if "get_by_id" in b:
            bp = max(r["rps"] for r in b["get_by_id"].values())
            targets["get_by_id: >= 1,000 req/s per core"] = {
                "req_s": round(bp), "cores": ncpu, "req_s_per_core": round(bp / ncpu),
                "met": bp / ncpu >= 1000}
        for route, h in half.get("brygge", {}).items():
            targets[f"{route}: p99 <= 20 ms at half of peak"] = {
                "p99_ms": h["run"].get("p99_ms"), "target_rps": h["target_rps"],
                "reached_rps": h["run"]["rps"], "met": (h["run"].get("p99_ms") or 1e9) <= 20}
        report["targets"] = targets

        print()
        print(f"crudlify, wrk --latency, {a.duration:g}s per run, threads=min({a.threads}, conns), "
              f"{a.docs:,} docs — {report['machine']['nproc']} CPUs, "
              f"{report['machine']['cpu_model']}, Brygge {report['machine']['brygge_commit']}")
        print(main_table(results, levels))
        if any(r.get("disturbed") for side in results.values() for rr in side.values()
               for r in rr.values()):
            print(f"* other work used more than {DISTURBED:.0%} of the machine during this run")
        if half:
            print()
            print(half_table(half))
        print()
        for k, v in targets.items():
            print(f"{'MET   ' if v['met'] else 'MISSED'} {k}: "
                  + ", ".join(f"{kk}={vv}" for kk, vv in v.items() if kk != "met"))
    except KeyboardInterrupt:
        say("interrupted: stopping servers")
        code = 130
    except Exception as e:
        say(f"failed: {e}")
        report["error"] = str(e)
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for p in list(procs):
            if p.poll() is None:
                p.kill()
                p.wait()
        for s in reversed(list(servers.values())):
            s.stop()
        if watchdog is not None:
            watchdog.kill()
            watchdog.wait()
        if results:
            RESULTS.mkdir(parents=True, exist_ok=True)
            out = RESULTS / f"crud-{stamp}.json"
            out.write_text(json.dumps(report, indent=2) + "\n")
            say(f"results written to {out.relative_to(ROOT)}")
        if a.keep or code == 1:
            say(f"logs and data kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    return code


if __name__ == "__main__":
    sys.exit(main())
