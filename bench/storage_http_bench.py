#!/usr/bin/env python3
"""Storage through the HTTP API (issue 3): Brygge vs the official CLI's localserver, side by side.

    .venv/bin/python bench/storage_http_bench.py                 # 100,000 docs, 300 requests/route
    .venv/bin/python bench/storage_http_bench.py --docs 20000 --requests 100

One run:
  1. writes a small codehooks-js app (routes below) to a temp dir;
  2. starts a Brygge node (`brygge up --app <dir>`) and `npx codehooks@1.0.13 localserver` in a
     copy of the same app (node_modules from an `npm install` cached in bench/.cache);
  3. loads the same N documents into both through `POST /dev/load` (insertMany, batches of
     1000) -> docs/s, then creates indexes on age and city through `POST /dev/index`;
  4. sends a fixed number of sequential requests per route with one keep-alive httpx client
     (after a warm-up) -> p50/p99 and req/s; checks both servers return the same counts;
  5. prints the table with the Brygge/localserver ratio, writes JSON to
     bench/results/storage_http-<timestamp>.json, and stops both servers (process groups,
     also on errors and Ctrl-C).

Routes (the same index.js on both; the public auth hook lets every request through):
    GET  /ping                 baseline, no storage
    POST /load                 insertMany(body array)
    POST /index                createIndex(['age', 'city'])
    GET  /byid/:id             getOne(id)
    GET  /eq?city=             getMany {city} limit 100
    GET  /range?lo=&hi=        getMany {age: {$gte: lo, $lt: hi}} limit 100
    GET  /count?city=          getMany {city} with hints {$onlycount: true}
    GET  /scan?email=          the same count on the unindexed email field (no match: full scan)
    GET  /all                  getMany of the whole collection, streamed
    POST /kv/set, GET /kv/get, POST /kv/incr   key-value

The localserver's mock database answers getMany by scanning the whole collection (it uses an
index only with the `useIndex` option), so its query latency grows with the collection size.
Only loopback addresses are used; every request loop is bounded.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from storage_data import (
    AGE_MAX,
    AGE_MIN,
    BENCH,
    CITIES,
    RESULTS,
    ROOT,
    batches,
    lat_stats,
    machine_info,
    table,
    wait_quiet,
)

CACHE = BENCH / ".cache"
CLI_SPEC = "codehooks@1.0.13"
SPACE = "dev"
APP_PACKAGE = {
    "name": "brygge-bench-storage",
    "version": "1.0.0",
    "private": True,
    "description": "bench/storage_http_bench.py app, for the official localserver",
    "main": "index.js",
    # the localserver bundles without externals: codehooks-js's imports must resolve
    "dependencies": {"codehooks-js": "1.4.3", "ajv": "8.17.1", "lodash": "4.17.21",
                     "node-fetch": "2.7.0"},
}

APP_JS = r"""// bench/storage_http_bench.py: the same app on Brygge and on the official localserver.
import { app, Datastore } from 'codehooks-js';

app.auth('/*', (req, res, next) => next());  // public: no token needed

const C = 'people';

app.get('/ping', (req, res) => res.json({ ok: true }));

app.post('/load', async (req, res) => {
  const conn = await Datastore.open();
  const r = await conn.insertMany(C, req.body);
  res.json({ ids: r.map((d) => d._id) });
});

app.post('/index', async (req, res) => {
  const conn = await Datastore.open();
  await conn.createIndex(C, ['age', 'city']);
  res.json({ ok: true });
});

app.get('/byid/:id', async (req, res) => {
  const conn = await Datastore.open();
  try {
    res.json(await conn.getOne(C, req.params.id));
  } catch (e) {
    res.status(404).json({ error: String(e) });
  }
});

// getMany(collection, {filter, limit, hints}): the form both runtimes accept
app.get('/eq', async (req, res) => {
  const conn = await Datastore.open();
  conn.getMany(C, { filter: { city: req.query.city }, limit: 100 }).json(res);
});

app.get('/range', async (req, res) => {
  const conn = await Datastore.open();
  const filter = { age: { $gte: Number(req.query.lo), $lt: Number(req.query.hi) } };
  conn.getMany(C, { filter, limit: 100 }).json(res);
});

app.get('/count', async (req, res) => {
  const conn = await Datastore.open();
  conn.getMany(C, { filter: { city: req.query.city }, hints: { $onlycount: true } }).json(res);
});

app.get('/scan', async (req, res) => {
  const conn = await Datastore.open();
  conn.getMany(C, { filter: { email: req.query.email }, hints: { $onlycount: true } }).json(res);
});

app.get('/all', async (req, res) => {
  const conn = await Datastore.open();
  conn.getMany(C, {}).json(res);
});

app.post('/kv/set', async (req, res) => {
  const conn = await Datastore.open();
  await conn.set(req.query.key, req.query.value);
  res.json({ ok: true });
});

app.get('/kv/get', async (req, res) => {
  const conn = await Datastore.open();
  res.json({ value: await conn.get(req.query.key) });
});

app.post('/kv/incr', async (req, res) => {
  const conn = await Datastore.open();
  const v = await conn.incr(req.query.key, 1);
  res.json({ value: v });
});

export default app.init();
"""


def say(msg: str) -> None:
    print(f"[storage-http] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def tail(path: Path, n: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


# -- servers ----------------------------------------------------------------------------------------
class Server:
    def __init__(self, name: str, argv: list[str], cwd: Path, log: Path, port: int,
                 env: dict[str, str] | None = None) -> None:
        self.name, self.argv, self.cwd, self.log, self.port = name, argv, cwd, log, port
        self.env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.base = f"http://127.0.0.1:{port}/{SPACE}"

    def start(self) -> None:
        with open(self.log, "ab") as logf:
            self.proc = subprocess.Popen(self.argv, cwd=self.cwd, stdout=logf,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         env={**os.environ, **self.env}, start_new_session=True,
                                         preexec_fn=_die_with_parent)

    def wait_ready(self, timeout: float) -> float:
        assert self.proc is not None
        t0 = time.monotonic()
        last = "no answer"
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}) while starting; "
                                   f"see {self.log}:\n{tail(self.log)}")
            try:
                r = httpx.get(self.base + "/ping", timeout=2.0)
                if r.status_code == 200 and r.json() == {"ok": True}:
                    return time.monotonic() - t0
                last = f"HTTP {r.status_code}: {r.text[:200]}"
            except (httpx.HTTPError, ValueError) as e:
                last = str(e)
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer {self.base}/ping within {timeout:.0f}s "
                           f"(last: {last}); see {self.log}:\n{tail(self.log)}")

    def stop(self, grace: float = 15.0) -> None:
        p, self.proc = self.proc, None
        if p is None:
            return
        if p.poll() is None:
            try:
                if self.name == "brygge":
                    p.send_signal(signal.SIGTERM)  # `brygge up` stops its own children
                else:
                    os.killpg(p.pid, signal.SIGTERM)
                p.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                say(f"{self.name} did not stop within {grace:.0f}s: killing its process group")
            except ProcessLookupError:
                pass
        try:
            os.killpg(p.pid, signal.SIGKILL)  # whatever is left in the group
        except (ProcessLookupError, PermissionError):
            pass
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


def prepare_localserver_app(work: Path, npm_env: dict[str, str]) -> Path:
    for tool in ("npm", "npx"):
        if not shutil.which(tool):
            raise SystemExit(f"bench: `{tool}` not found: install Node.js 20+ and npm")
    cached = CACHE / "localserver-storage-app"
    cached.mkdir(parents=True, exist_ok=True)
    pkg = json.dumps(APP_PACKAGE, indent=2) + "\n"
    stamp = cached / ".installed"
    if not (stamp.exists() and stamp.read_text() == pkg and (cached / "node_modules").is_dir()):
        say(f"npm install in {cached} ({', '.join(APP_PACKAGE['dependencies'])}); cached")
        (cached / "package.json").write_text(pkg)
        shutil.rmtree(cached / "node_modules", ignore_errors=True)
        r = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
                           cwd=cached, env={**os.environ, **npm_env}, capture_output=True,
                           text=True, timeout=600)
        if r.returncode != 0:
            raise RuntimeError(f"npm install failed in {cached}:\n{r.stdout}\n{r.stderr}")
        stamp.write_text(pkg)
    app = work / "localserver-app"
    app.mkdir()
    (app / "index.js").write_text(APP_JS)
    shutil.copy2(cached / "package.json", app / "package.json")
    if (cached / "package-lock.json").exists():
        shutil.copy2(cached / "package-lock.json", app / "package-lock.json")
    shutil.copytree(cached / "node_modules", app / "node_modules", symlinks=True)
    return app


# -- measuring ----------------------------------------------------------------------------------------
def load(client: httpx.Client, base: str, n: int, batch: int) -> tuple[dict[str, Any], list[str]]:
    ids: list[str] = []
    busy = 0.0
    for docs in batches(n, batch, 42):
        body = json.dumps(docs, separators=(",", ":"), ensure_ascii=False).encode()
        t0 = time.perf_counter()
        r = client.post(base + "/load", content=body, headers={"content-type": "application/json"})
        busy += time.perf_counter() - t0
        if r.status_code != 200:
            raise RuntimeError(f"POST /load: HTTP {r.status_code}: {r.text[:300]}")
        ids.extend(r.json()["ids"])
    return {"docs": n, "seconds": busy, "docs_s": n / busy}, ids


def measure(client: httpx.Client, method: str, urls: list[str], warmup: int,
            check: Any = None) -> dict[str, Any]:
    for u in urls[:warmup]:
        client.request(method, u)
    samples = []
    bad = 0
    t_all = time.perf_counter()
    for u in urls:
        t0 = time.perf_counter()
        r = client.request(method, u)
        body = r.content
        samples.append(time.perf_counter() - t0)
        if r.status_code != 200:
            bad += 1
            if bad == 1:
                say(f"  {method} {u}: HTTP {r.status_code}: {body[:200]!r}")
    wall = time.perf_counter() - t_all
    out: dict[str, Any] = lat_stats(samples)
    out["req_s"] = len(urls) / wall
    out["non_200"] = bad
    out["bytes_last"] = len(body)
    if check is not None:
        out["check"] = check(json.loads(body))
    return out


def run_routes(s: Server, ids: list[str], a: argparse.Namespace, rnd_seed: int = 7
               ) -> dict[str, Any]:
    rnd = random.Random(rnd_seed)
    k = a.requests
    b = s.base
    res: dict[str, Any] = {}
    with httpx.Client(timeout=120.0) as c:
        routes: list[tuple[str, str, list[str], int]] = [
            ("ping", "GET", [f"{b}/ping"] * k, 20),
            ("get_by_id", "GET", [f"{b}/byid/{rnd.choice(ids)}" for _ in range(k)], 20),
            ("eq_city_limit100", "GET", [f"{b}/eq?city={rnd.choice(CITIES)}" for _ in range(k)],
             10),
        ]
        rng = []
        for _ in range(k):
            lo = rnd.randint(AGE_MIN, AGE_MAX - 5)
            rng.append(f"{b}/range?lo={lo}&hi={lo + 5}")
        routes.append(("range_age_limit100", "GET", rng, 10))
        kc = max(5, k // 10)
        routes.append(("count_eq_city", "GET", [f"{b}/count?city={CITIES[i % 50]}"
                                                for i in range(kc)], 2))
        routes.append(("scan_unindexed", "GET", [f"{b}/scan?email=nobody@example.com"] * kc, 2))
        routes.append(("kv_set", "POST", [f"{b}/kv/set?key=k{i}&value=v{i}" for i in range(k)], 10))
        routes.append(("kv_get", "GET", [f"{b}/kv/get?key=k{rnd.randrange(k)}"
                                         for _ in range(k)], 10))
        routes.append(("kv_incr", "POST", [f"{b}/kv/incr?key=c{rnd.randrange(50)}"
                                           for _ in range(k)], 10))
        routes.append(("stream_all", "GET", [f"{b}/all"] * a.stream_requests, 1))
        checks = {
            "eq_city_limit100": lambda j: len(j),
            "range_age_limit100": lambda j: len(j),
            "count_eq_city": lambda j: j[0]["count"] if j else None,
            "scan_unindexed": lambda j: j[0]["count"] if j else None,
            "stream_all": lambda j: len(j),
        }
        for name, method, urls, warm in routes:
            if a.quiet_wait > 0:
                wait_quiet(a.quiet_wait, say)
            say(f"{s.name}: {name} x{len(urls)}")
            r = measure(c, method, urls, warm, checks.get(name))
            if name == "stream_all" and r.get("check"):
                r["docs_s"] = r["check"] / (r["p50_ms"] / 1e3)
            if name in ("count_eq_city", "scan_unindexed") and r.get("check") is not None:
                r["docs_scanned_s"] = (r["check"] if name == "count_eq_city" else a.docs) / (
                    r["p50_ms"] / 1e3)
            res[name] = r
            say(f"  p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, {r['req_s']:,.0f} req/s"
                + (f", check {r['check']}" if "check" in r else ""))
    return res


def print_table(report: dict[str, Any]) -> None:
    rb = report["results"].get("brygge", {})
    rl = report["results"].get("localserver", {})
    rows = [["route (sequential, 1 conn)", "Brygge p50", "p99", "req/s",
             "localserver p50", "p99", "req/s", "p50 L/B"]]

    def cells(r: dict[str, Any] | None) -> list[str]:
        if not r:
            return ["-", "-", "-"]
        return [f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}", f"{r['req_s']:,.0f}"]

    for name in ("import", "create_index", "ping", "get_by_id", "eq_city_limit100",
                 "range_age_limit100", "count_eq_city", "scan_unindexed", "stream_all",
                 "kv_set", "kv_get", "kv_incr"):
        b, ls = rb.get(name), rl.get(name)
        if name == "import":
            rows.append(["import (POST /load x1000 docs)",
                         f"{b['docs_s']:,.0f}/s" if b else "-", "", "",
                         f"{ls['docs_s']:,.0f}/s" if ls else "-", "", "",
                         f"{b['docs_s'] / ls['docs_s']:.2f}x" if b and ls else "-"])
            continue
        if name == "create_index":
            rows.append(["createIndex age+city (s)", f"{b['seconds']:.2f}" if b else "-", "", "",
                         f"{ls['seconds']:.2f}" if ls else "-", "", "", ""])
            continue
        ratio = f"{ls['p50_ms'] / b['p50_ms']:.1f}x" if b and ls and b["p50_ms"] else "-"
        rows.append([name, *cells(b), *cells(ls), ratio])
    n = report["params"]["docs"]
    print(f"\nStorage over HTTP, {n:,} docs in each server, times in ms; "
          "'p50 L/B' = localserver p50 / Brygge p50 (>1: Brygge faster)")
    print(table(rows))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--requests", type=int, default=300, help="sequential requests per route")
    ap.add_argument("--stream-requests", type=int, default=3)
    ap.add_argument("--only", choices=("brygge", "localserver"))
    ap.add_argument("--quiet-wait", type=float, default=20.0,
                    help="before each route, wait up to this many seconds for other work on the "
                         "machine to calm down (0: don't)")
    ap.add_argument("--start-timeout", type=float, default=240.0)
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, data)")
    a = ap.parse_args()

    def on_signal(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    brygge_bin = Path(sys.executable).parent / "brygge"
    if not brygge_bin.exists():
        raise SystemExit(f"bench: {brygge_bin} not found: run with the venv's python")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    work = Path(tempfile.mkdtemp(prefix="brygge-storage-http-"))
    npm_env = {"npm_config_cache": str(CACHE / "npm"), "npm_config_update_notifier": "false",
               "npm_config_fund": "false", "npm_config_audit": "false"}
    servers: dict[str, Server] = {}
    results: dict[str, dict[str, Any]] = {}
    report: dict[str, Any] = {
        "benchmark": "storage_http", "timestamp": stamp, "machine": machine_info(),
        "params": {"docs": a.docs, "batch": a.batch, "requests": a.requests, "cli": CLI_SPEC,
                   "client": f"httpx {httpx.__version__}, one keep-alive connection, sequential"},
        "results": results,
    }
    code = 0
    try:
        if a.only != "localserver":
            appdir = work / "brygge-app"
            appdir.mkdir()
            (appdir / "index.js").write_text(APP_JS)
            (appdir / "config.json").write_text(json.dumps({"name": "brygge", "space": SPACE}))
            port = free_port()
            servers["brygge"] = Server(
                "brygge", [str(brygge_bin), "up", "--data-dir", str(work / "brygge-data"),
                           "--http-port", str(port), "--admin-port", str(free_port()),
                           "--app", str(appdir)], ROOT, work / "brygge.log", port)
        if a.only != "brygge":
            app = prepare_localserver_app(work, npm_env)
            port = free_port()
            servers["localserver"] = Server(
                "localserver", ["npx", "--yes", CLI_SPEC, "localserver", "--port", str(port)],
                app, work / "localserver.log", port, env=npm_env)
        for s in servers.values():
            say(f"starting {s.name}: {' '.join(s.argv)}")
            s.start()
        for s in servers.values():
            waited = s.wait_ready(a.start_timeout)
            say(f"{s.name} answers {s.base}/ping after {waited:.1f}s")

        all_ids: dict[str, list[str]] = {}
        for name, s in servers.items():
            res = results.setdefault(name, {})
            with httpx.Client(timeout=300.0) as c:
                say(f"{name}: loading {a.docs:,} docs through POST /load, batches of {a.batch}")
                res["import"], all_ids[name] = load(c, s.base, a.docs, a.batch)
                say(f"  {res['import']['docs_s']:,.0f} docs/s")
                t0 = time.perf_counter()
                r = c.post(s.base + "/index")
                if r.status_code != 200:
                    raise RuntimeError(f"{name} POST /index: HTTP {r.status_code}: {r.text[:300]}")
                res["create_index"] = {"seconds": time.perf_counter() - t0}
                say(f"  createIndex age+city: {res['create_index']['seconds']:.2f} s")
        if "localserver" in servers:
            time.sleep(4)  # the mock database saves itself to JSON, debounced up to 3 s

        for name, s in servers.items():
            results[name].update(run_routes(s, all_ids[name], a))

        if len(servers) == 2:
            mismatch = [k for k in ("eq_city_limit100", "range_age_limit100", "count_eq_city",
                                    "scan_unindexed", "stream_all")
                        if results["brygge"][k].get("check") != results["localserver"][k].get("check")]
            report["check_mismatch"] = mismatch
            if mismatch:
                say(f"warning: the servers answered differently for {mismatch}")
            report["ratio_localserver_p50_over_brygge_p50"] = {
                k: round(results["localserver"][k]["p50_ms"] / results["brygge"][k]["p50_ms"], 2)
                for k in results["brygge"] if "p50_ms" in results["brygge"][k]}
        print_table(report)
    except KeyboardInterrupt:
        say("interrupted: stopping servers")
        code = 130
    except Exception as e:
        say(f"failed: {type(e).__name__}: {e}")
        report["error"] = str(e)
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for s in reversed(list(servers.values())):
            s.stop()
        if results:
            RESULTS.mkdir(parents=True, exist_ok=True)
            out = RESULTS / f"storage_http-{stamp}.json"
            out.write_text(json.dumps(report, indent=2) + "\n")
            say(f"results written to {out.relative_to(ROOT)}")
        if a.keep or code:
            say(f"logs and data kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    return code


if __name__ == "__main__":
    sys.exit(main())
