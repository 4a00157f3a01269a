#!/usr/bin/env python3
"""Files end to end (issue 7): throughput of a large file through the whole stack, and the
memory of every process while it streams.

    .venv/bin/python bench/files_bench.py                 # 100 MB, 3 rounds
    .venv/bin/python bench/files_bench.py --mb 20 --rounds 1

One run starts a Brygge node (`tests.support.nodes.new_node`: free ports, temp data dir,
`BRYGGE_MAX_RESPONSE_BYTES` raised to 1 GiB so one response may carry the file) with an app
that has `app.put('/up/:name')` piping `req` into `filestore.saveFile` and
`app.storage({route: '/blobs'})`. Per round:
  1. upload: PUT /dev/up/big.bin with an N MB random body (generated 1 MiB at a time, so
     the client holds 1 MiB), through router -> executor (streamed body, http.body_read) ->
     storage (file.write of 256 KiB pieces);
  2. download: GET /dev/blobs/big.bin (app.storage: file.stat, then file.read 256 KiB at a
     time, res.write per chunk), SHA-256 checked against what was sent;
  3. the same through the admin API (`brygge files upload|get`: PUT/GET .../files/...).
Throughput = bytes / wall time of the request. While each runs a thread samples VmRSS
(every 20 ms) of every component in node.json "components" (router, executors, storage,
control plane, nats); the table shows the baseline before the first round and the peak.
Results print and go to bench/results/files-<timestamp>.json. Only loopback.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.support.nodes import new_node  # noqa: E402  (starts and stops a real node)

RESULTS = ROOT / "bench" / "results"
MIB = 1024 * 1024
APP = r"""
import {app, filestore} from 'codehooks-js';
import {PassThrough} from 'stream';
app.auth('/*', (req, res, next) => next());
app.put('/up/:name', async (req, res) => {
  res.json(await filestore.saveFile('/bench/' + req.params.name, req.pipe(new PassThrough())));
});
app.storage({route: '/blobs', directory: '/bench'});
export default app.init();
"""


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler:
    """Peak VmRSS per component while running."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.peak = dict.fromkeys(pids, 0)
        self.stop = threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop.is_set():
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], rss_kb(pid))
            self.stop.wait(0.02)

    def __enter__(self) -> Sampler:
        self.t.start()
        return self

    def __exit__(self, *a: Any) -> None:
        self.stop.set()
        self.t.join()


def body(mb: int, h: Any) -> Any:
    block = os.urandom(MIB)
    for i in range(mb):
        piece = bytes([i & 0xFF]) + block[1:]  # every MiB differs
        h.update(piece)
        yield piece


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--mb", type=int, default=100, help="file size in MiB")
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    import tempfile
    tmp = Path(tempfile.mkdtemp(prefix="brygge-filesbench-"))
    (tmp / "app").mkdir()
    (tmp / "app" / "index.js").write_text(APP)
    node = new_node(tmp, BRYGGE_MAX_RESPONSE_BYTES=str(1024 * MIB),
                    BRYGGE_MAX_FILE_BYTES=str(2 * a.mb * MIB))
    node.start(app=str(tmp / "app"))
    rows: list[dict[str, Any]] = []
    try:
        pids = {k: v for k, v in node.node_json()["components"].items()}
        base = {k: rss_kb(p) for k, p in pids.items()}
        size = a.mb * MIB
        adm = f"{node.admin}/v1/projects/brygge/spaces/dev/files/bench/admin.bin"
        ah = {"x-admintoken": node.admin_token}
        with httpx.Client(timeout=httpx.Timeout(600)) as c:
            for rnd in range(a.rounds):
                for kind in ("app upload", "app.storage download", "admin upload",
                             "admin download"):
                    sent = hashlib.sha256()
                    with Sampler(pids) as s:
                        t0 = time.perf_counter()
                        if kind == "app upload":
                            r = c.put(f"{node.base}/dev/up/big.bin", content=body(a.mb, sent),
                                      headers={"content-type": "application/octet-stream",
                                               "content-length": str(size)})
                            assert r.status_code == 200 and r.json()["size"] == size, r.text
                            digest = sent.hexdigest()
                        elif kind == "admin upload":
                            r = c.put(adm, content=body(a.mb, sent),
                                      headers={**ah, "content-length": str(size)})
                            assert r.status_code == 201, r.text
                            admin_digest = sent.hexdigest()
                        else:
                            url = f"{node.base}/dev/blobs/big.bin" if kind.startswith("app") \
                                else adm
                            got, n = hashlib.sha256(), 0
                            with c.stream("GET", url, headers=ah) as r:
                                assert r.status_code == 200, r.read()
                                for piece in r.iter_raw():
                                    got.update(piece)
                                    n += len(piece)
                            want = digest if kind.startswith("app") else admin_digest
                            assert n == size and got.hexdigest() == want, (kind, n)
                        dt = time.perf_counter() - t0
                    rows.append({"round": rnd + 1, "kind": kind, "mb": a.mb,
                                 "seconds": round(dt, 3), "MBps": round(a.mb / dt, 1),
                                 "peak_rss_mb": {k: round(v / 1024, 1) for k, v in s.peak.items()}})
                    print(f"round {rnd + 1} {kind:22} {a.mb} MiB in {dt:6.2f} s = "
                          f"{a.mb / dt:7.1f} MiB/s   peak RSS MiB: " + ", ".join(
                              f"{k} {v / 1024:.0f}" for k, v in s.peak.items()), flush=True)
        print("baseline RSS MiB: " + ", ".join(f"{k} {v / 1024:.0f}" for k, v in base.items()))
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"files-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}.json"
        out.write_text(json.dumps({"mb": a.mb, "baseline_rss_mb": {
            k: round(v / 1024, 1) for k, v in base.items()}, "rows": rows}, indent=2))
        print(f"results: {out}")
    finally:
        node.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
