"""Two Brygge nodes on one three-server NATS cluster (issue 6): cron ticks fire once
across the nodes, and when the JetStream leader of the JOBS stream is killed (with
one node's executor), another server takes over and the ticks go on -- run by the other
node's executor, the only one left (node A's supervisor is paused, so its executor is not
restarted meanwhile): node B does the work.

Node A runs storage, an executor, a control plane and a router; node B adds its own
executor, control plane and router to node A's storage (`BRYGGE_STORAGE_URL`), so
both dispatchers consume the same spaces' durable consumers. The streams are
replicated three times (`BRYGGE_NATS_REPLICAS=3`). Every run of the every-second job
stores its job id (the firing's stream sequence: the same on a redelivery, new on
another firing) and `next`, the time NATS stamped on the firing (one per tick; a
catch-up run for a missed tick carries that tick's `next` too).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from brygge import natsconn
from control_plane.cli.supervisor import nats_server_binary
from storage import queues
from tests.support.nodes import RunningNode, free_port, new_node, pid_alive, wait_until

APP = r"""
import {app, Datastore} from 'codehooks-js';
app.auth('/*', (req, res, next) => next());
app.job('* * * * * *', async (req, res) => {
  const conn = await Datastore.open();
  await conn.insertOne('runs', {jobId: req.body.jobId, next: req.body.next || '', at: Date.now()});
  res.end();
});
app.get('/runs', async (req, res) => {
  const conn = await Datastore.open();
  res.json(await conn.getMany('runs', {}, {limit: 100000}).toArray());
});
export default app.init();
"""


class NatsCluster:
    def __init__(self, tmp: Path, n: int = 3) -> None:
        self.tmp = tmp
        self.client_ports = [free_port() for _ in range(n)]
        self.route_ports = [free_port() for _ in range(n)]
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    @property
    def url(self) -> str:
        return ",".join(f"nats://127.0.0.1:{p}" for p in self.client_ports)

    def start(self) -> None:
        for i, (port, rport) in enumerate(zip(self.client_ports, self.route_ports, strict=True)):
            name = f"n{i + 1}"
            routes = ", ".join(f"nats-route://127.0.0.1:{p}" for p in self.route_ports
                               if p != rport)
            store = self.tmp / name
            conf = self.tmp / f"{name}.conf"
            conf.write_text(
                f"server_name: {name}\nlisten: 127.0.0.1:{port}\n"
                f"jetstream {{ store_dir: {json.dumps(str(store))}, sync_interval: always }}\n"
                f"cluster {{ name: brygge-test, listen: 127.0.0.1:{rport}, routes: [{routes}] }}\n")
            log = open(self.tmp / f"{name}.log", "ab")
            self.procs[name] = subprocess.Popen([nats_server_binary(), "-c", str(conf)],
                                                stdout=log, stderr=subprocess.STDOUT)
            log.close()
        wait_until(lambda: asyncio.run(self._meta_ready()), 60, "the JetStream meta leader")

    async def _meta_ready(self) -> bool:
        try:
            nc = await natsconn.connect(self.url, max_reconnect_attempts=1, connect_timeout=1)
        except Exception:
            return False
        try:
            await nc.jetstream().account_info()
            return True
        except Exception:
            return False
        finally:
            await nc.close()

    def jobs_leader(self) -> str:
        async def go() -> str:
            nc = await natsconn.connect(self.url)
            try:
                info = await nc.jetstream().stream_info(queues.JOBS_STREAM)
                assert info.config.num_replicas == 3, info.config
                return str(info.cluster.leader)
            finally:
                await nc.close()
        return asyncio.run(go())

    def stop(self) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                p.terminate()
        for p in self.procs.values():
            p.wait(timeout=30)


@pytest.fixture
def cluster(tmp_path: Path) -> Any:
    c = NatsCluster(tmp_path)
    c.start()
    yield c
    c.stop()


def runs(node: RunningNode) -> list[dict[str, Any]]:
    r = httpx.get(node.base + "/dev/runs", timeout=30)
    assert r.status_code == 200, r.text
    return list(r.json())


def firings_per_tick(rows: list[dict[str, Any]]) -> dict[str, set[str]]:
    ticks: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row["next"]:
            ticks[row["next"]].add(row["jobId"])
    return ticks


def test_two_nodes_fire_each_tick_once_and_survive_the_leader(cluster: NatsCluster,
                                                              tmp_path: Path) -> None:
    common = {"BRYGGE_NATS_URL": cluster.url, "BRYGGE_NATS_REPLICAS": "3"}
    a = new_node(tmp_path / "a", **common)
    (tmp_path / "a").mkdir()
    a.start()
    b: RunningNode | None = None
    paused = False
    try:
        b = new_node(tmp_path / "b", **common, BRYGGE_STORAGE_URL=a.node_json()["storage"])
        (tmp_path / "b").mkdir()
        b.start()
        assert "storage" not in b.node_json()["components"]
        app = tmp_path / "app"
        app.mkdir()
        (app / "index.js").write_text(APP)
        d = a.deploy(app)
        assert d.returncode == 0, d.stderr

        # Both nodes serve the space (one catalog), and its job runs on both nodes'
        # dispatchers: each tick exactly once.
        wait_until(lambda: len(runs(a)) >= 6, 60, "six ticks")
        assert len(runs(b)) >= 6
        steady = runs(a)
        ids = [r["jobId"] for r in steady]
        assert len(ids) == len(set(ids)), f"a tick ran twice: {sorted(ids)}"
        steady_ticks = firings_per_tick(steady)
        assert len(steady_ticks) >= 5, steady  # NATS-fired runs, each stamped with its tick
        assert all(len(v) == 1 for v in steady_ticks.values()), steady

        # Kill the JetStream leader of JOBS, and node A's executor with it, its supervisor
        # paused so that only node B's executor is left to run the ticks.
        leader = cluster.jobs_leader()
        victim = cluster.procs[leader]
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        assert a.proc is not None
        os.kill(a.proc.pid, signal.SIGSTOP)
        paused = True
        executor = a.node_json()["components"]["executor-0"]
        os.kill(executor, signal.SIGKILL)
        killed_at = time.time() * 1000
        wait_until(lambda: not pid_alive(executor), 10, "the executor to die")

        def after() -> list[dict[str, Any]]:
            return [r for r in runs(b) if r["at"] > killed_at]
        wait_until(lambda: len(after()) >= 5, 90, "ticks run by node B after the leader died")
        assert cluster.jobs_leader() != leader
        assert not pid_alive(executor) and a.node_json()["components"]["executor-0"] == executor
        os.kill(a.proc.pid, signal.SIGCONT)
        paused = False
        rows = runs(a)
        ticks = firings_per_tick(rows)
        fired_twice = {k: v for k, v in ticks.items() if len(v) > 1}
        assert not fired_twice, f"ticks fired more than once: {fired_twice}"
        ids = [r["jobId"] for r in rows]
        redelivered = len(ids) - len(set(ids))
        later = sorted(r["at"] for r in after())
        stamps = sorted(datetime.fromisoformat(k.replace("Z", "+00:00")).timestamp()
                        for k in ticks)
        skipped = round(stamps[-1] - stamps[0]) + 1 - len(stamps)
        print(f"cluster failover: leader {leader} killed; first run after it "
              f"{later[0] - killed_at:.0f} ms later; {len(ticks)} ticks fired once each, "
              f"{skipped} ticks not fired while the stream had no leader; "
              f"{redelivered} runs redelivered (at-least-once)")
    finally:
        if paused and a.proc is not None:
            os.kill(a.proc.pid, signal.SIGCONT)
        if b is not None and b.proc is not None:
            b.stop()
        a.stop()
