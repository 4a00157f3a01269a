#!/usr/bin/env python3
"""In-process storage benchmark (issue 3): the storage Engine called directly, no HTTP, no wasm.

    .venv/bin/python bench/storage_bench.py              # 1,000,000 documents (a few minutes)
    .venv/bin/python bench/storage_bench.py --quick      # 50,000 documents
    .venv/bin/python bench/storage_bench.py --profile    # also cProfile the query paths

Every operation goes through `Engine.call(space, op, json_bytes) -> json_bytes`, the same entry
point the executor's host calls use, so JSON decoding of the arguments and encoding of the
result are included. Argument payloads are encoded before the clock starts.

Measures, in one run on a fresh temp data dir:
  import        db.insertMany in batches of 1000 (no indexes yet) -> docs/s
  createIndex   on age and on city, timed separately
  import+idx    a second collection with both indexes defined before the import -> docs/s
  get by _id    db.getOne of random _ids (p50/p99)
  eq city       db.getMany {city: c} limit 100 (index on city)
  range age     db.getMany {age: {$gte: a, $lt: a+5}} limit 100 (index on age)
  count eq      db.count {city: c} (~N/50 matches, through the index)
  scan          db.count on an unindexed field that matches nothing -> docs/s scanned
  stream        db.getMany of the whole collection, paging through cursors -> docs/s
  kv set/get/incr  100k ops each, single thread -> ops/s

Prints a table and writes JSON to bench/results/storage-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import random
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage_data import (
    AGE_MAX,
    AGE_MIN,
    CITIES,
    RESULTS,
    ROOT,
    Background,
    batches,
    dir_bytes,
    lat_stats,
    machine_info,
    table,
    wait_quiet,
)

SPACE = "benchspace01"
COLL = "people"
COLL_IDX = "people_indexed"
clock = time.perf_counter

TARGETS = {  # issue 3
    "eq_city_p50_ms": 2.0,
    "import_docs_s": 50_000,
    "stream_docs_s": 200_000,
    "kv_get_ops_s": 200_000,
}


def say(msg: str) -> None:
    print(f"[storage-bench] {msg}", file=sys.stderr, flush=True)


def enc(v: Any) -> bytes:
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode()


class Bench:
    def __init__(self, engine: Any, quiet_wait: float) -> None:
        self.e = engine
        self.quiet_wait = quiet_wait

    def quiet(self) -> float:
        return wait_quiet(self.quiet_wait, say)

    def call(self, op: str, args: dict[str, Any]) -> Any:
        return json.loads(self.e.call(SPACE, op, enc(args)))

    def latencies(self, op: str, payloads: list[bytes], warmup: int = 50) -> dict[str, float]:
        """Sequential calls, one sample per call (payloads pre-encoded)."""
        call = self.e.call
        for p in payloads[:warmup]:
            call(SPACE, op, p)
        self.quiet()
        samples = []
        cpu = []
        tt = time.thread_time
        with Background() as bg:
            for p in payloads:
                c0 = tt()
                t0 = clock()
                call(SPACE, op, p)
                samples.append(clock() - t0)
                cpu.append(tt() - c0)
        c = lat_stats(cpu)
        return {**lat_stats(samples), "cpu_p50_ms": c["p50_ms"], "cpu_p99_ms": c["p99_ms"],
                "cpu_ops_s": c["ops_s"], "background_cpu": round(bg.share, 3)}

    def throughput(self, op: str, payloads: list[bytes]) -> dict[str, float]:
        """ops/s over a tight loop (no per-call clock reads)."""
        call = self.e.call
        self.quiet()
        with Background() as bg:
            c0 = time.thread_time()
            t0 = clock()
            for p in payloads:
                call(SPACE, op, p)
            dt = clock() - t0
            cpu = time.thread_time() - c0
        return {"n": len(payloads), "seconds": dt, "ops_s": len(payloads) / dt,
                "mean_us": dt / len(payloads) * 1e6, "cpu_seconds": cpu,
                "cpu_ops_s": len(payloads) / cpu, "background_cpu": round(bg.share, 3)}

    def import_docs(self, coll: str, n: int, batch: int, seed: int, ids: list[str] | None
                    ) -> dict[str, float]:
        call = self.e.call
        busy = cpu = 0.0
        done = 0
        self.quiet()
        last_report = clock()
        bg = Background().__enter__()
        tt = time.thread_time
        for docs in batches(n, batch, seed):
            payload = enc({"collection": coll, "docs": docs})
            c0 = tt()
            t0 = clock()
            out = call(SPACE, "db.insertMany", payload)
            busy += clock() - t0
            cpu += tt() - c0
            done += len(docs)
            if ids is not None:
                ids.extend(d["_id"] for d in json.loads(out))
            if clock() - last_report > 10:
                say(f"  {coll}: {done:,}/{n:,} docs, {done / busy:,.0f} docs/s so far")
                last_report = clock()
        bg.__exit__()
        return {"docs": n, "seconds": busy, "docs_s": n / busy, "cpu_seconds": cpu,
                "cpu_docs_s": n / cpu, "background_cpu": round(bg.share, 3)}


def stream(b: Bench, n: int, page: int | None) -> dict[str, Any]:
    """Page through the whole collection; only the Engine.call time counts (the client's
    decoding of each page, needed to find the cursor, is left out)."""
    call = b.e.call
    base: dict[str, Any] = {"collection": COLL} if page is None else {"collection": COLL,
                                                                      "pageSize": page}
    b.quiet()
    busy = cpu = 0.0
    got = pages = 0
    cursor = None
    tt = time.thread_time
    per_page: list[tuple[int, float]] = []
    with Background() as bg:
        while True:
            p = enc({**base, "cursor": cursor} if cursor else base)
            c0 = tt()
            t0 = clock()
            raw = call(SPACE, "db.getMany", p)
            dt = clock() - t0
            busy += dt
            cpu += tt() - c0
            out = json.loads(raw)
            per_page.append((len(out["docs"]), dt))
            got += len(out["docs"])
            pages += 1
            cursor = out["cursor"]
            if not cursor:
                break
    assert got == n, (got, n)
    tenth = max(1, len(per_page) // 10)

    def rate(pp: list[tuple[int, float]]) -> float:
        return sum(k for k, _ in pp) / max(sum(t for _, t in pp), 1e-9)
    # a cursor's cost should not grow with the number of pages already read
    return {"docs": got, "pages": pages, "seconds": busy, "docs_s": got / busy,
            "cpu_seconds": cpu, "cpu_docs_s": got / cpu, "background_cpu": round(bg.share, 3),
            "docs_s_first_10pct_pages": rate(per_page[:tenth]),
            "docs_s_last_10pct_pages": rate(per_page[-tenth:])}


def breakdown(engine: Any, eq: list[bytes], reps: int = 300) -> dict[str, float]:
    """Where the time of one `eq city limit 100` call goes, stage by stage, without a profiler
    (µs of CPU per query, mean over `reps` queries). Stages are re-done by hand with the same
    primitives the engine uses, so they approximate (not partition) the full call."""
    from storage import keys
    ds = engine.datastore
    db = engine.db
    qs = [json.loads(p) for p in eq[:reps]]
    out: dict[str, float] = {}

    def t(name: str, fn: Callable[[dict[str, Any]], Any]) -> list[Any]:
        for q in qs[:20]:
            fn(q)
        got = []
        t0 = time.thread_time()  # CPU time: robust against other work on the machine
        for q in qs:
            got.append(fn(q))
        out[name] = (time.thread_time() - t0) / len(qs) * 1e6
        return got

    t("engine_call_total", lambda q: engine.call(SPACE, "db.getMany", enc(q)))
    results = t("datastore_get_many_no_json", lambda q: ds.get_many(SPACE, q))
    t("args_json_loads", lambda q: json.loads(enc(q)))
    t("result_json_dumps", lambda q: json.dumps(results[0], separators=(",", ":"),
                                                ensure_ascii=False).encode())
    prefix = ds._index_prefix(SPACE, COLL, "city")
    from storage import encoding

    def index_keys(q: dict[str, Any]) -> list[bytes]:
        lo = prefix + encoding.encode(q["query"]["city"])
        ks = []
        for k, _ in ds._scan(prefix, lo, lo + b"\xff"):
            ks.append(k)
            if len(ks) == 100:
                break
        return ks
    idx = t("index_scan_100_keys", index_keys)
    ids_per_q = [[k[len(prefix):][encoding.decode_len(k[len(prefix):], 0):].decode() for k in ks]
                 for ks in idx]
    it = iter(range(10**9))

    def doc_keys(q: dict[str, Any]) -> list[bytes]:
        i = next(it) % len(ids_per_q)
        return [keys.doc_key(SPACE, COLL, d) for d in ids_per_q[i]]
    dks = t("doc_key_build_100 (validates space+names)", doc_keys)
    it2 = iter(range(10**9))

    def gets(q: dict[str, Any]) -> list[bytes]:
        i = next(it2) % len(dks)
        return [db.get(k) for k in dks[i]]
    raws = t("rocksdb_get_100", gets)
    it3 = iter(range(10**9))
    t("rocksdb_multi_get_100", lambda q: db.get(dks[next(it3) % len(dks)]))
    it4 = iter(range(10**9))
    t("json_loads_100_docs", lambda q: [json.loads(r) for r in raws[next(it4) % len(raws)]])
    from storage.query import compile_query
    t("compile_query", lambda q: compile_query(q["query"]))
    return {k: round(v, 1) for k, v in out.items()}


def run(a: argparse.Namespace) -> dict[str, Any]:
    from storage.engine import Engine

    rnd = random.Random(7)
    n = a.docs
    work = Path(a.data_dir) if a.data_dir else Path(tempfile.mkdtemp(prefix="brygge-storage-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    res: dict[str, Any] = {}
    report: dict[str, Any] = {
        "benchmark": "storage_inprocess", "timestamp": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
        "machine": machine_info(),
        "params": {"docs": n, "batch": a.batch, "samples": a.samples, "kv_ops": a.kv_ops,
                   "sync": "wal (engine default)", "page_size": 500},
        "results": res, "targets": TARGETS,
    }
    engine = Engine(str(work / "db"))
    b = Bench(engine, a.quiet_wait)
    try:
        # -- import -------------------------------------------------------------------------
        say(f"import {n:,} docs into {COLL} (batches of {a.batch}, no index)")
        ids: list[str] = []
        gc.collect()
        res["import"] = b.import_docs(COLL, n, a.batch, 42, ids)
        say(f"  {res['import']['docs_s']:,.0f} docs/s")

        for field in ("age", "city"):
            say(f"createIndex {field}")
            t0 = clock()
            out = b.call("db.createIndex", {"collection": COLL, "fields": field})
            res[f"create_index_{field}"] = {"seconds": clock() - t0, "docs": out.get("count")}
            say(f"  {res[f'create_index_{field}']['seconds']:.2f} s")

        m = min(n, a.indexed_import)
        say(f"import {m:,} docs into {COLL_IDX} with indexes on age and city defined first")
        b.call("db.createIndex", {"collection": COLL_IDX, "fields": ["age", "city"]})
        res["import_indexed"] = b.import_docs(COLL_IDX, m, a.batch, 4242, None)
        say(f"  {res['import_indexed']['docs_s']:,.0f} docs/s")
        res["disk_bytes_after_import"] = dir_bytes(work / "db")

        # -- point and indexed queries --------------------------------------------------------
        k = a.samples
        say(f"get by _id ({k} random ids)")
        res["get_by_id"] = b.latencies("db.getOne", [
            enc({"collection": COLL, "query": rnd.choice(ids)}) for _ in range(k)])

        say(f"equality query on city, limit 100 ({k} calls)")
        eq = [enc({"collection": COLL, "query": {"city": rnd.choice(CITIES)},
                   "options": {"limit": 100}}) for _ in range(k)]
        res["eq_city_limit100"] = b.latencies("db.getMany", eq)
        sample = b.call("db.getMany", json.loads(eq[0]))
        res["eq_city_limit100"]["docs_returned"] = len(sample["docs"])

        say(f"range query on age, limit 100 ({k} calls)")
        rng = []
        for _ in range(k):
            lo = rnd.randint(AGE_MIN, AGE_MAX - 5)
            rng.append(enc({"collection": COLL, "query": {"age": {"$gte": lo, "$lt": lo + 5}},
                            "options": {"limit": 100}}))
        res["range_age_limit100"] = b.latencies("db.getMany", rng)

        say(f"equality query with a second unindexed condition, limit 10 ({k // 4} calls)")
        combo = [enc({"collection": COLL, "query": {"city": rnd.choice(CITIES),
                                                    "tags": "vip", "age": {"$gt": 60}},
                      "options": {"limit": 10}}) for _ in range(k // 4)]
        res["eq_city_plus_filter_limit10"] = b.latencies("db.getMany", combo, warmup=10)

        kc = a.count_samples
        say(f"count of an equality match on city ({kc} calls, ~{n // 50:,} matches each)")
        cnt = [enc({"collection": COLL, "query": {"city": CITIES[i % 50]}}) for i in range(kc)]
        res["count_eq_city"] = b.latencies("db.count", cnt, warmup=2)
        res["count_eq_city"]["matches"] = b.call("db.count", json.loads(cnt[0]))["count"]
        res["count_eq_city"]["docs_s"] = res["count_eq_city"]["matches"] / (
            res["count_eq_city"]["p50_ms"] / 1e3)

        # -- scans ----------------------------------------------------------------------------
        say("unindexed scan: count {email: <absent>} over the whole collection (3 runs)")
        scans = []
        cpus = []
        b.quiet()
        with Background() as bg:
            for _ in range(3):
                c0 = time.thread_time()
                t0 = clock()
                c = b.call("db.count", {"collection": COLL,
                                        "query": {"email": "nobody@example.com"}})
                scans.append(clock() - t0)
                cpus.append(time.thread_time() - c0)
                assert c["count"] == 0, c
        best = min(scans)
        res["scan_unindexed"] = {"docs": n, "seconds_best": best, "seconds_all": scans,
                                 "docs_s": n / best, "cpu_docs_s": n / min(cpus),
                                 "background_cpu": round(bg.share, 3)}
        say(f"  {n / best:,.0f} docs/s")

        say("stream: getMany of every document, paging through cursors")
        res["stream_all"] = stream(b, n, None)
        say(f"  {res['stream_all']['docs_s']:,.0f} docs/s")
        say("stream with pageSize 5000")
        res["stream_all_page5000"] = stream(b, n, 5000)

        # -- key-value ----------------------------------------------------------------------------
        kn = a.kv_ops
        say(f"kv set / get / incr, {kn:,} ops each")
        keys = [f"user:{i:07d}:session" for i in range(kn)]
        sets = [enc({"key": key, "value": f"token-{i}-abcdefghijklmnop"}) for i, key in
                enumerate(keys)]
        gets = [enc({"key": keys[rnd.randrange(kn)]}) for _ in range(kn)]
        incrs = [enc({"key": f"counter:{rnd.randrange(1000)}", "n": 1}) for _ in range(kn)]
        res["kv_set"] = b.throughput("kv.set", sets)
        res["kv_get"] = b.throughput("kv.get", gets)
        res["kv_incr"] = b.throughput("kv.incr", incrs)
        res["kv_get_latency"] = b.latencies("kv.get", gets[: a.samples])
        for op in ("kv_set", "kv_get", "kv_incr"):
            say(f"  {op}: {res[op]['ops_s']:,.0f} ops/s")

        res["disk_bytes_end"] = dir_bytes(work / "db")

        if a.profile:
            say("breakdown of one eq-city query (no profiler)")
            report["breakdown_eq_city_us"] = bd = breakdown(engine, eq)
            print("\n== where one `eq city, limit 100` call goes (µs of CPU per query, by stage) ==")
            for k2, v in bd.items():
                print(f"  {v:9.1f}  {k2}")
            report["profile"] = profile(engine, eq, rng, cnt, [enc({"collection": COLL, "query": {
                "email": "nobody@example.com"}})], [enc({"key": key}) for key in keys[:20000]],
                [enc({"collection": COLL, "query": rnd.choice(ids)}) for _ in range(2000)])
    finally:
        engine.close()
        if a.data_dir or a.keep:
            say(f"data kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return report


def profile(engine: Any, eq: list[bytes], rng: list[bytes], cnt: list[bytes], scan: list[bytes],
            kv: list[bytes], byid: list[bytes]) -> dict[str, Any]:
    """cProfile each query path; keep the top functions by own time."""
    out: dict[str, Any] = {}
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    pdir = RESULTS / f"storage-{stamp}-profile"
    pdir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, tuple[str, list[bytes]]] = {
        "eq_city_limit100": ("db.getMany", eq[:500]), "range_age_limit100": ("db.getMany", rng[:500]),
        "get_by_id": ("db.getOne", byid), "count_eq_city": ("db.count", cnt[:5]),
        "scan_unindexed": ("db.count", scan), "kv_get": ("kv.get", kv),
        "import_batches": ("db.insertMany", [enc({"collection": "people_profile", "docs": d})
                                             for d in batches(20_000, 1000, 99)]),
    }
    for name, (op, payloads) in paths.items():
        say(f"profiling {name}")
        pr = cProfile.Profile()
        call: Callable[..., Any] = engine.call
        pr.enable()
        for p in payloads:
            call(SPACE, op, p)
        pr.disable()
        pr.dump_stats(str(pdir / f"{name}.prof"))
        s = io.StringIO()
        st = pstats.Stats(pr, stream=s)
        st.sort_stats("tottime").print_stats(12)
        total = st.total_tt  # type: ignore[attr-defined]
        top = []
        for (fn, line, func), (_cc, nc, tt, _ct, _) in sorted(
                st.stats.items(), key=lambda kv: -kv[1][2])[:12]:  # type: ignore[attr-defined]
            top.append({"func": f"{Path(fn).name}:{line}:{func}", "calls": nc,
                        "tottime_s": round(tt, 4), "share": round(tt / total, 3) if total else 0})
        out[name] = {"calls": len(payloads), "total_s": round(total, 4), "top_tottime": top}
        print(f"\n== cProfile {name}: {len(payloads)} x {op}, {total:.3f} s total (profiled) ==")
        for t in top[:10]:
            print(f"  {t['share']:6.1%}  {t['tottime_s']:8.4f}s  {t['calls']:>9}  {t['func']}")
    out["dir"] = str(pdir.relative_to(ROOT))
    return out


def print_report(report: dict[str, Any]) -> None:
    r = report["results"]
    n = report["params"]["docs"]

    def lat(name: str, label: str, target: str = "") -> list[str]:
        x = r[name]
        return [label, f"{x['p50_ms']:.3f}", f"{x['p99_ms']:.3f}", f"{x['cpu_p50_ms']:.3f}",
                f"{x['ops_s']:,.0f}", "", "", target, bgc(x)]

    def rate(name: str, label: str, key: str, unit: str, target: str = "") -> list[str]:
        x = r[name]
        ck = "cpu_" + key
        return [label, "", "", "", "", f"{x[key]:,.0f} {unit}",
                f"{x[ck]:,.0f}" if ck in x else "", target, bgc(x)]

    def bgc(x: dict[str, Any]) -> str:
        return f"{x['background_cpu']:.0%}" if "background_cpu" in x else ""

    rows = [["in-process (Engine.call)", "p50 ms", "p99 ms", "CPU p50", "ops/s (seq)", "rate",
             "by CPU time", "target", "other CPU"],
            rate("import", f"import {n:,} docs, batches of 1000", "docs_s", "docs/s", "≥ 50,000"),
            rate("import_indexed", f"import {r['import_indexed']['docs']:,} docs, 2 indexes",
                 "docs_s", "docs/s"),
            ["createIndex age / city", "", "", "",
             "", f"{r['create_index_age']['seconds']:.1f} s / {r['create_index_city']['seconds']:.1f} s",
             "", "", ""],
            lat("get_by_id", "get by _id"),
            lat("eq_city_limit100", "eq city (indexed), limit 100", "p50 ≤ 2 ms"),
            lat("range_age_limit100", "range age (indexed), limit 100"),
            lat("eq_city_plus_filter_limit10", "eq city + unindexed filter, limit 10"),
            lat("count_eq_city", f"count city=c (~{r['count_eq_city']['matches']:,} matches)"),
            rate("scan_unindexed", "unindexed scan (count, 0 matches)", "docs_s", "docs/s"),
            rate("stream_all", "stream all (getMany, 500/page)", "docs_s", "docs/s", "≥ 200,000"),
            rate("stream_all_page5000", "stream all (pageSize 5000)", "docs_s", "docs/s"),
            ["  stream 500/page: first / last 10% of pages", "", "", "", "",
             f"{r['stream_all'].get('docs_s_first_10pct_pages', 0):,.0f} / "
             f"{r['stream_all'].get('docs_s_last_10pct_pages', 0):,.0f}", "", "", ""],
            rate("kv_set", "kv set", "ops_s", "ops/s"),
            rate("kv_get", "kv get", "ops_s", "ops/s", "≥ 200,000"),
            rate("kv_incr", "kv incr", "ops_s", "ops/s"),
            lat("kv_get_latency", "kv get latency")]
    m = report["machine"]
    print(f"\nStorage in-process, {n:,} docs — {m['nproc']} CPUs, {m['cpu_model']}, "
          f"commit {m['brygge_commit']}{' (dirty)' if m['brygge_dirty'] else ''}")
    print(table(rows))
    print("CPU p50 / by CPU time: this thread's CPU time (immune to other work on the machine);")
    print("other CPU: share of the machine's CPUs used by other processes during the measurement")
    print(f"disk after import: {r['disk_bytes_after_import'] / 2**20:,.0f} MiB")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--docs", type=int, default=1_000_000)
    ap.add_argument("--quick", action="store_true", help="50,000 documents")
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--samples", type=int, default=2000, help="calls per latency measurement")
    ap.add_argument("--count-samples", type=int, default=20)
    ap.add_argument("--kv-ops", type=int, default=100_000)
    ap.add_argument("--indexed-import", type=int, default=100_000,
                    help="docs for the import-with-indexes measurement (capped at --docs)")
    ap.add_argument("--quiet-wait", type=float, default=30.0,
                    help="before each measurement, wait up to this many seconds for other work "
                         "on the machine to calm down (0: don't)")
    ap.add_argument("--profile", action="store_true", help="cProfile each query path afterwards")
    ap.add_argument("--data-dir", help="use (and keep) this data dir instead of a temp dir")
    ap.add_argument("--keep", action="store_true", help="keep the temp data dir")
    a = ap.parse_args()
    if a.quick:
        a.docs = 50_000

    def on_signal(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")  # unwinds through run()'s cleanup
    signal.signal(signal.SIGTERM, on_signal)
    report = run(a)
    print_report(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"storage-{report['timestamp']}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    say(f"results written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
