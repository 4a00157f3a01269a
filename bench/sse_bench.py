#!/usr/bin/env python3
"""Realtime over SSE (issue 7): memory per idle stream and publish-to-delivery latency.

    .venv/bin/python bench/sse_bench.py                        # 10,000 idle streams
    .venv/bin/python bench/sse_bench.py --idle 2000 --seconds 5

One run starts a Brygge node (free ports, temp data dir) with a chat-like app and:
  1. opens `--idle` event streams on channel /idle (100 streams per listener) from one
     asyncio client, and reads the router process's RSS before and after
     (/proc/<pid>/status VmRSS): KB per idle stream;
  2. with those still open, measures publish-to-delivery latency on channel /lat: a
     route publishes events in bursts (`realtime.publishEvent` with `{t: Date.now()}`),
     paced to `--rate` events/s for `--seconds`, to `--clients` streams that all match;
     latency = arrival time at the client minus `t` (same machine clock), p50/p99.
     Runs for (rate, clients) = (1000, 1) and (100, 10): 1,000 deliveries/s each.
Peer: none runs SSE on this machine (codehooks' localserver has no realtime platform
side), so the table gives absolute numbers against the issue's targets. Results go to
bench/results/sse-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from brygge import natsconn  # noqa: E402
from storage import realtime as rt  # noqa: E402
from tests.support.nodes import new_node  # noqa: E402  (starts and stops a real node)

RESULTS = ROOT / "bench" / "results"

APP = r"""
import {app, realtime} from 'codehooks-js';
app.auth('/*', (req, res, next) => next());
realtime.createChannel('/idle');
realtime.createChannel('/lat');
app.post('/connect', async (req, res) => {
  const l = await realtime.createListener(req.query.channel, {});
  res.json({listenerID: l._id});
});
app.post('/burst', async (req, res) => {
  const n = Number(req.query.n || 1);
  for (let i = 0; i < n; i++) await realtime.publishEvent('/lat', {t: Date.now()});
  res.json({n});
});
export default app.init();
"""


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))] if xs else float("nan")


async def open_stream(port: int, path: str, on_event: Any = None) -> asyncio.StreamWriter:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n"
                 .encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n", 1)[0]:
        raise RuntimeError(f"stream refused: {head[:200]!r}")

    async def pump() -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                if on_event is not None and line.startswith(b"data: "):
                    on_event(line[6:], time.time() * 1000)
        except (ConnectionError, asyncio.CancelledError):
            return
    # kept referenced by the writer's transport for the benchmark's lifetime
    writer.pump = asyncio.get_running_loop().create_task(pump())  # type: ignore[attr-defined]
    return writer


async def run(a: argparse.Namespace, port: int, router_pid: int, base: str, nats_url: str,
              sid: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=base + "/dev", timeout=60) as c:
        async def listener(channel: str) -> str:
            r = await c.post(f"/connect?channel={channel}")
            r.raise_for_status()
            return str(r.json()["listenerID"])

        before = rss_kb(router_pid)
        lids = [await listener("/idle") for _ in range(max(1, a.idle // 100))]
        idle: list[asyncio.StreamWriter] = []
        t0 = time.perf_counter()
        for i in range(0, a.idle, 200):  # 200 at a time: the listen backlog is finite
            idle += await asyncio.gather(*[open_stream(port, f"/dev/idle/{lids[j % len(lids)]}")
                                           for j in range(i, min(a.idle, i + 200))])
        opened_s = time.perf_counter() - t0
        await asyncio.sleep(2)  # let the router settle (measurement, not a test wait)
        after = rss_kb(router_pid)
        out["idle"] = {"streams": len(idle), "open_s": round(opened_s, 2),
                       "router_rss_before_mb": round(before / 1024, 1),
                       "router_rss_after_mb": round(after / 1024, 1),
                       "kb_per_stream": round((after - before) / max(1, len(idle)), 2)}
        print(f"[sse] idle: {out['idle']}", flush=True)

        runs = []
        for rate, clients, via in ((1000, 1, "app"), (100, 10, "app"), (1000, 1, "nats"),
                                   (1000, 10, "nats")):
            lats: list[float] = []

            def got(data: bytes, now: float, lats: list[float] = lats) -> None:
                lats.append(now - json.loads(data)["t"])

            lid = await listener("/lat")
            streams = [await open_stream(port, f"/dev/lat/{lid}", got) for _ in range(clients)]
            await asyncio.sleep(0.5)
            burst = max(1, rate // 100)  # 100 bursts per second, from 4 publishers
            total = rate * a.seconds
            start = time.perf_counter()
            sent = 0

            async def publisher(total: int = total, start: float = start, rate: int = rate,
                                burst: int = burst) -> None:
                nonlocal sent
                while sent < total:
                    due = start + sent / rate
                    sent += burst
                    delay = due - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)  # pacing the load generator
                    r = await c.post(f"/burst?n={burst}")
                    r.raise_for_status()

            async def direct(total: int = total, start: float = start, rate: int = rate) -> None:
                """What an executor publishes, straight into JetStream: the router's
                fan-out alone, without the app's HTTP route and datastore insert."""
                nonlocal sent
                nc = await natsconn.connect(nats_url)
                js = nc.jetstream()
                subject = rt.subject(sid, "/lat")
                while sent < total:
                    due = start + sent / rate
                    delay = due - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    body = json.dumps({"data": {"t": time.time() * 1000}, "query": {}})
                    await js.publish(subject, body.encode(), stream=rt.STREAM)
                    sent += 1
                await nc.close()
            if via == "app":
                await asyncio.gather(*[publisher() for _ in range(4)])
            else:
                await direct()
            pub_s = time.perf_counter() - start
            deadline = time.monotonic() + 30
            while len(lats) < total * clients and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            row = {"via": via, "rate": rate, "clients": clients, "events": total,
                   "published_per_s": round(total / pub_s), "delivered": len(lats),
                   "p50_ms": round(pct(lats, 50), 1), "p99_ms": round(pct(lats, 99), 1),
                   "max_ms": round(max(lats), 1) if lats else None}
            print(f"[sse] latency: {row}", flush=True)
            runs.append(row)
            for w in streams:
                w.close()
        out["latency"] = runs
        for w in idle:
            w.close()
    return out


def space_id(storage: str) -> str:
    from storage.catalog import Catalog
    from storage.client import AsyncStorageClient

    async def go() -> str:
        client = AsyncStorageClient(storage)
        try:
            return str((await Catalog(client).space("brygge", "dev"))["id"])
        finally:
            await client.close()
    return asyncio.run(go())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--idle", type=int, default=10_000)
    ap.add_argument("--seconds", type=int, default=5)
    a = ap.parse_args()
    import resource
    import tempfile
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    tmp = Path(tempfile.mkdtemp(prefix="brygge-ssebench-"))
    (tmp / "app").mkdir()
    (tmp / "app" / "index.js").write_text(APP)
    node = new_node(tmp)
    node.start(app=str(tmp / "app"))
    report: dict[str, Any] = {"when": datetime.now(UTC).isoformat(), "cpus": os.cpu_count()}
    try:
        info = node.node_json()
        report.update(asyncio.run(run(a, node.http_port, info["components"]["router"], node.base,
                                      info["nats_url"], space_id(info["storage"]))))
    finally:
        node.stop()
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"sse-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(report, indent=2))
    i = report["idle"]
    print(f"\n{i['streams']:,} idle streams: router RSS {i['router_rss_before_mb']} → "
          f"{i['router_rss_after_mb']} MB, {i['kb_per_stream']} KB per stream")
    print("\n| published via | events/s asked | events/s reached | clients | deliveries/s | "
          "p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in report["latency"]:
        print(f"| {r['via']} | {r['rate']:,} | {r['published_per_s']:,} | {r['clients']} | "
              f"{r['published_per_s'] * r['clients']:,} | {r['p50_ms']} | {r['p99_ms']} | "
              f"{r['max_ms']} |")
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
