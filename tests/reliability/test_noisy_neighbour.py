"""A hostile tenant against a real node, over both executor transports (issue 15,
items 3 and 8): a space whose handlers answer at once but keep their instances
busy must not stall another space (an invocation waits for an instance of its own
space without holding a shared thread: sandbox/sched.py), and a client that stops
reading a large streamed response must not make the node buffer it (the guest's
writes wait: sandbox/outbox.py).

No timing assertions: the victim's latencies are measured and reported, the
assertion is about ordering (every victim request completes while all of the
attacker's handlers are still pending, so none of them was cut off by its
deadline); memory is read from /proc/<pid>/status of the node's processes."""

from __future__ import annotations

import concurrent.futures
import json
import socket
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.nodes import RunningNode, brygge, create_space, new_node, wait_until

APP = r"""
import {app, Datastore} from 'codehooks-js';
app.auth('/*', (req, res, next) => next());
app.get('/ping', (req, res) => res.json({ok: true}));
// answers at once, then keeps its instance busy until the test releases it
app.get('/hold', async (req, res) => {
  const c = await Datastore.open();
  res.json({held: true});
  while (!(await c.get('release'))) await new Promise((r) => setTimeout(r, 20));
  await c.incr('finished', 1);
});
app.get('/stream', async (req, res) => {
  const piece = 'x'.repeat(65536);
  res.set('content-type', 'application/octet-stream');
  const n = Number(req.query.mb) * 16;
  for (let i = 0; i < n; i++) res.write(piece);
  res.end();
  const c = await Datastore.open();
  await c.set('streamed-' + req.query.tag, String(n * 65536));
});
app.get('/streamed/:tag', async (req, res) => {
  const c = await Datastore.open(); res.json({n: await c.get('streamed-' + req.params.tag)});
});
export default app.init();
"""

THREADS, INSTANCES, MAX_WAITING = 6, 4, 8
DEADLINE_S = 20
MB = 1024 * 1024


@pytest.fixture(scope="module", params=["inprocess", "grpc"])
def node(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("noisy")
    app = tmp / "app"
    app.mkdir()
    (app / "index.js").write_text(APP)
    n = new_node(tmp, BRYGGE_EXECUTOR_TRANSPORT=request.param,
                 BRYGGE_EXECUTOR_THREADS=str(THREADS),
                 BRYGGE_INSTANCES_PER_SPACE=str(INSTANCES),
                 BRYGGE_SPACE_MAX_WAITING=str(MAX_WAITING),
                 BRYGGE_REQUEST_TIMEOUT_S=str(DEADLINE_S))
    n.start()
    create_space(n, "victim")
    for space in ("dev", "victim"):
        d = n.deploy(app, space=space)
        assert d.returncode == 0, d.stderr
    n.transport = request.param  # type: ignore[attr-defined]
    yield n
    n.stop()


def _kv(node: RunningNode, *args: str) -> Any:
    """The attacker space's key-value store, through the admin API (its own routes
    are as busy as the attacker made them)."""
    return brygge(*args, "--data-dir", str(node.data_dir), "-s", "dev")


def _finished(node: RunningNode) -> int:
    r = _kv(node, "get", "finished", "--json")
    if r.returncode != 0:
        assert "no key 'finished'" in r.stderr, r.stderr
        return 0
    got = json.loads(r.stdout)  # {key, value}
    return int(got["value"])


def _p99(xs: list[float]) -> float:
    return sorted(xs)[min(len(xs) - 1, int(0.99 * len(xs)))]


def test_a_space_holding_its_instances_does_not_stall_another(
        node: RunningNode, record_property: Any) -> None:
    def victim_latencies(n: int) -> list[float]:
        out = []
        with httpx.Client(timeout=60) as c:
            for _ in range(n):
                t0 = time.perf_counter()
                r = c.get(node.base + "/victim/ping")
                out.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, r.text
        return out

    quiet = victim_latencies(10)
    # More requests than the executor has threads: INSTANCES answer at once and hold
    # their instances; MAX_WAITING wait for one; the rest are refused at once.
    flood = THREADS + INSTANCES + MAX_WAITING - 3
    pool = concurrent.futures.ThreadPoolExecutor(flood)
    attack = [pool.submit(httpx.get, node.base + "/dev/hold", timeout=60) for _ in range(flood)]
    try:
        wait_until(lambda: sum(f.done() for f in attack) == flood - MAX_WAITING, 60,
                   "the attacker's first requests to be answered (or refused)")
        during = victim_latencies(20)
        # The attacker's handlers are all still pending: none finished, and the
        # requests waiting behind them still wait (no thread was freed for them).
        assert _finished(node) == 0
        assert sum(f.done() for f in attack) == flood - MAX_WAITING
    finally:
        assert _kv(node, "set", "release", "go").returncode == 0
        results = [f.result() for f in attack]
        pool.shutdown()
    # Every accepted attacker request ran to its end after the release: none was cut
    # off by its deadline, so every victim request above completed while they held on.
    accepted = [r for r in results if r.status_code != 429]
    refused = [r for r in results if r.status_code == 429]
    wait_until(lambda: _finished(node) == len(accepted), 60,
               "the attacker's handlers to finish")
    assert all(r.status_code == 200 and r.json() == {"held": True} for r in accepted), \
        [(r.status_code, r.text) for r in accepted]
    # Beyond the space's waiting bound: a precise 429 at once, not a stall.
    assert len(accepted) == INSTANCES + MAX_WAITING and len(refused) == flood - len(accepted)
    for r in refused:
        body = r.json()
        assert "BRYGGE_SPACE_MAX_WAITING" in body["error"] and body["requestId"], body
        assert r.headers["retry-after"] == "1"
        assert r.headers["x-request-id"] == body["requestId"]
    report = {"transport": node.transport,  # type: ignore[attr-defined]
              "quiet_p50_ms": round(statistics.median(quiet), 2),
              "quiet_p99_ms": round(_p99(quiet), 2),
              "attack_p50_ms": round(statistics.median(during), 2),
              "attack_p99_ms": round(_p99(during), 2)}
    record_property("victim_latency", json.dumps(report))
    print("victim latency while another space holds its instances:", report)


# -- a client that stops reading ---------------------------------------------------------
def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for pid {pid}")


def _pids(node: RunningNode) -> dict[str, int]:
    """The processes an in-flight response passes through."""
    comps = node.node_json()["components"]
    names = ["router"] + (["executor-0"] if node.transport == "grpc" else [])  # type: ignore
    return {n: comps[n] for n in names}


def _open_stream(node: RunningNode, mb: int, tag: str) -> tuple[socket.socket, bytes]:
    """GET /dev/stream on a raw socket with a small receive buffer; returns the socket
    and what came with the head (the client then reads only when the test says)."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    s.settimeout(60)
    s.connect(("127.0.0.1", node.http_port))
    s.sendall(f"GET /dev/stream?mb={mb}&tag={tag} HTTP/1.1\r\nHost: localhost\r\n"
              "Accept-Encoding: identity\r\n\r\n".encode())
    got = b""
    while b"\r\n\r\n" not in got:
        got += s.recv(65536)
    head, _, rest = got.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"chunked" in head.lower(), head
    return s, rest


def _read_chunked(s: socket.socket, already: bytes) -> int:
    """Read the rest of a chunked body; its length."""
    buf, total = already, 0
    while True:
        while b"\r\n" not in buf:
            more = s.recv(1 << 20)
            assert more, "the connection closed inside the body"
            buf += more
        size_line, _, buf = buf.partition(b"\r\n")
        size = int(size_line, 16)
        while len(buf) < size + 2:
            more = s.recv(1 << 20)
            assert more, "the connection closed inside a chunk"
            buf += more
        buf = buf[size + 2:]
        if size == 0:
            return total
        total += size


def _warm(node: RunningNode) -> None:
    """One paused stream with a request beside it: what the measured run needs
    (the streaming path, a second instance of the space) exists before it."""
    s, rest = _open_stream(node, 4, "warm")
    try:
        assert httpx.get(node.base + "/dev/ping", timeout=30).status_code == 200
        assert _read_chunked(s, rest) == 4 * MB
    finally:
        s.close()


def test_a_client_that_stops_reading_is_not_buffered(node: RunningNode) -> None:
    _warm(node)
    pids = _pids(node)
    before = {n: _rss_kb(p) for n, p in pids.items()}
    s, rest = _open_stream(node, 128, "paused")
    peak = dict(before)
    try:
        def grown_mb() -> dict[str, int]:
            for n, p in pids.items():
                peak[n] = max(peak[n], _rss_kb(p))
            return {n: (peak[n] - before[n]) // 1024 for n in pids}

        def deadline_logged() -> bool:
            grown = grown_mb()
            assert all(mb < 16 for mb in grown.values()), f"RSS grew by MB: {grown}"
            # other requests keep working meanwhile
            assert httpx.get(node.base + "/dev/ping", timeout=30).status_code == 200
            r = brygge("logs", "--data-dir", str(node.data_dir), "--json")
            return any("wall-clock deadline exceeded" in json.loads(ln)["log"]
                       and json.loads(ln)["source"] == "GET /stream"
                       for ln in r.stdout.splitlines())

        # The guest waits in its write while nobody reads, until its deadline ends it;
        # without backpressure it would have written all 128 MB into the node's memory.
        wait_until(deadline_logged, DEADLINE_S + 60, "the paused stream's deadline")
        grown = grown_mb()
        assert all(mb < 16 for mb in grown.values()), f"RSS grew by MB: {grown}"
        # the client resumes: it gets what was under way, then the stream's end
        assert _read_chunked(s, rest) < 64 * MB
    finally:
        s.close()
    assert httpx.get(node.base + "/dev/streamed/paused", timeout=30).json() == {"n": None}
    assert httpx.get(node.base + "/dev/ping", timeout=30).status_code == 200


def test_a_paused_client_that_resumes_gets_everything(node: RunningNode) -> None:
    s, rest = _open_stream(node, 32, "resumed")
    try:
        for _ in range(5):  # paused while other requests are served
            assert httpx.get(node.base + "/dev/ping", timeout=30).status_code == 200
        assert _read_chunked(s, rest) == 32 * MB
    finally:
        s.close()
    wait_until(lambda: httpx.get(node.base + "/dev/streamed/resumed", timeout=30).json()
               == {"n": str(32 * MB)}, 30, "the stream's handler to finish")


def test_a_paused_client_that_disconnects_releases_the_invocation(node: RunningNode) -> None:
    s, _ = _open_stream(node, 128, "gone")
    assert httpx.get(node.base + "/dev/ping", timeout=30).status_code == 200
    s.close()
    # the guest's writes stop waiting once nobody will read them: the handler finishes
    # (its deadline would have stopped it, and then it would never record the end)
    wait_until(lambda: httpx.get(node.base + "/dev/streamed/gone", timeout=30).json()
               == {"n": str(128 * MB)}, 60, "the handler to finish")
    for _ in range(THREADS + 1):  # every thread and instance is free again
        assert httpx.get(node.base + "/dev/ping", timeout=30).status_code == 200
