#!/usr/bin/env python3
"""Queues end to end (issue 6): jobs/s, enqueue-to-start latency and cron jitter.

    .venv/bin/python bench/queue_bench.py                 # 5,000 jobs per worker setting
    .venv/bin/python bench/queue_bench.py --jobs 2000 --latency-jobs 500 --cron-s 10

One run starts a Brygge node (`brygge up --app <tmp app>`, free ports, temp data dir) with
one app and measures:
  1. throughput: N documents are put in a collection, then one request calls
     `conn.enqueueFromQuery(collection, {}, topic)` (pipelined JetStream publishes); the clock
     runs from that request until the topic's queue is empty (admin API
     `GET /v1/projects/brygge/spaces/dev/queues`: queued + inFlight = 0). Topics `w1`,
     `w10`, `w100` have a trivial worker (`res.end()`) with workers = 1, 10, 100;
  2. enqueue-to-start latency: jobs enqueued one per request (`conn.enqueue`, payload
     `{t: Date.now()}`) at half of the throughput measured for `w10`, from 8 client threads;
     the worker stores `Date.now() - t`; p50/p99 over all of them;
  3. cron jitter: `app.job('* * * * * *')` stores `Date.now()` at every tick for
     `--cron-s` seconds; jitter = milliseconds past the second the tick belongs to.
Results print as a table and go to bench/results/queue-<timestamp>.json. Only loopback.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.support.nodes import new_node, wait_until  # noqa: E402  (starts and stops a real node)

RESULTS = ROOT / "bench" / "results"

APP = r"""
import {app, Datastore} from 'codehooks-js';
app.auth('/*', (req, res, next) => next());
app.post('/fill', async (req, res) => {
  const conn = await Datastore.open();
  const n = req.body.n, docs = [];
  for (let i = 0; i < n; i++) docs.push({i});
  for (let i = 0; i < n; i += 1000) await conn.insertMany(req.body.coll, docs.slice(i, i + 1000));
  res.json({n});
});
app.post('/fanout', async (req, res) => {
  const conn = await Datastore.open();
  res.json(await conn.enqueueFromQuery(req.body.coll, {}, req.body.topic));
});
app.post('/one', async (req, res) => {
  const conn = await Datastore.open();
  await conn.enqueue('lat', {t: Date.now()});
  res.status(201).end();
});
app.get('/lat', async (req, res) => {
  const conn = await Datastore.open();
  res.json((await conn.getMany('lat', {}, {limit: 1000000}).toArray()).map((d) => d.ms));
});
app.get('/ticks', async (req, res) => {
  const conn = await Datastore.open();
  res.json((await conn.getMany('ticks', {}, {limit: 1000000}).toArray()).map((d) => d.at));
});
const trivial = (req, res) => res.end();
app.worker('w1', trivial, {workers: 1});
app.worker('w10', trivial, {workers: 10});
app.worker('w100', trivial, {workers: 100});
app.worker('lat', async (req, res) => {
  const ms = Date.now() - req.body.payload.t;
  const conn = await Datastore.open();
  await conn.insertOne('lat', {ms});
  res.end();
}, {workers: 10});
app.job('* * * * * *', async (req, res) => {
  const conn = await Datastore.open();
  await conn.insertOne('ticks', {at: Date.now()});
  res.end();
});
export default app.init();
"""


def say(msg: str) -> None:
    print(f"[queue] {msg}", flush=True)


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--jobs", type=int, default=5000)
    ap.add_argument("--latency-jobs", type=int, default=1000)
    ap.add_argument("--cron-s", type=float, default=15)
    ap.add_argument("--topics", default="w1,w10,w100",
                    help="throughput topics to run (w1, w10, w100; default all three)")
    a = ap.parse_args()
    import tempfile
    tmp = Path(tempfile.mkdtemp(prefix="brygge-qbench-"))
    (tmp / "app").mkdir()
    (tmp / "app" / "index.js").write_text(APP)
    node = new_node(tmp)
    report: dict[str, Any] = {"when": datetime.now(UTC).isoformat(), "jobs": a.jobs,
                              "cpus": os.cpu_count()}
    node.start(app=str(tmp / "app"))
    try:
        c = httpx.Client(base_url=node.base + "/dev", timeout=600)
        adm = httpx.Client(base_url=node.admin, timeout=60,
                           headers={"x-admintoken": node.admin_token})

        def queue(topic: str) -> dict[str, Any]:
            r = adm.get("/v1/projects/brygge/spaces/dev/queues")
            r.raise_for_status()
            return next((q for q in r.json() if q["topic"] == topic),
                        {"queued": 0, "inFlight": 0})

        thr: dict[str, Any] = {}
        for topic in a.topics.split(","):
            coll = f"src_{topic}"
            c.post("/fill", json={"n": a.jobs, "coll": coll}).raise_for_status()
            t0 = time.perf_counter()
            r = c.post("/fanout", json={"coll": coll, "topic": topic})
            r.raise_for_status()
            t_enq = time.perf_counter() - t0
            assert r.json()["count"] == a.jobs, r.text
            wait_until(lambda t=topic: (q := queue(t))["queued"] + q["inFlight"] == 0, 600,
                       f"{topic} to drain")
            total = time.perf_counter() - t0
            thr[topic] = {"enqueue_s": round(t_enq, 3), "enqueue_per_s": round(a.jobs / t_enq),
                          "total_s": round(total, 3), "jobs_per_s": round(a.jobs / total)}
            say(f"{topic}: {thr[topic]}")
        report["throughput"] = thr

        rate = max(10.0, (thr.get("w10") or next(iter(thr.values())))["jobs_per_s"] / 2)
        n = a.latency_jobs
        say(f"latency: {n} jobs at {rate:.0f}/s")
        sent = [0]
        lock = threading.Lock()
        start = time.perf_counter()

        def driver() -> None:
            with httpx.Client(base_url=node.base + "/dev", timeout=60) as cc:
                while True:
                    with lock:
                        k = sent[0]
                        if k >= n:
                            return
                        sent[0] += 1
                    due = start + k / rate
                    wait = due - time.perf_counter()
                    if wait > 0:
                        time.sleep(wait)  # pacing the load generator, not a test wait
                    cc.post("/one")

        ts = [threading.Thread(target=driver) for _ in range(8)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        lats = wait_until(lambda: len(v := c.get("/lat").json()) >= n and v, 300,
                          "latency jobs")
        report["latency"] = {"rate": round(rate), "n": len(lats), "p50_ms": pct(lats, 50),
                             "p99_ms": pct(lats, 99), "max_ms": max(lats)}
        say(f"latency: {report['latency']}")

        time.sleep(a.cron_s)  # let the every-second cron job tick
        ticks = sorted(c.get("/ticks").json())
        jitter = [t % 1000 for t in ticks]
        gaps = [b - a_ for a_, b in itertools.pairwise(ticks)]
        report["cron"] = {"ticks": len(ticks), "jitter_p50_ms": statistics.median(jitter) if jitter
                          else None, "jitter_p99_ms": pct(jitter, 99) if jitter else None,
                          "gap_max_ms": max(gaps) if gaps else None}
        say(f"cron: {report['cron']}")
    finally:
        node.stop()
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"queue-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(report, indent=2))
    print("\n| topic | workers | jobs | enqueue jobs/s | end-to-end jobs/s |\n|---|---:|---:|---:|---:|")
    for topic, t in report["throughput"].items():
        w = int(topic[1:])
        print(f"| {topic} | {w} | {a.jobs} | {t['enqueue_per_s']:,} | {t['jobs_per_s']:,} |")
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
