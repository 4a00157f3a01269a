#!/usr/bin/env python3
"""Sequential latency of `GET /dev/hello` at each layer of a running Brygge node, so the
per-request cost splits into router, gRPC + executor threads, and the wasm invocation.

    .venv/bin/python bench/layers.py --data-dir <node data dir> --http-port <p> [-n 1000]

  http      one keep-alive HTTP/1.1 connection to the router (what wrk -c1 measures)
  invoke    the router's own gRPC call (grpc.aio stream Invoke) straight to the executor,
            with the Invocation the router would build: executor + gRPC, no router
  health    a unary gRPC Health call to the executor: transport + sync server only
Run `bench/invoke_micro.py` for the wasm invocation alone, in-process.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def run_dir(data: Path) -> Path:
    """Where `brygge up` put its Unix sockets (mirrors control_plane/cli/supervisor.py)."""
    run = data / "run"
    if len(str(run)) > 80:
        h = hashlib.sha1(str(data).encode()).hexdigest()[:12]
        run = Path(tempfile.gettempdir()) / f"brygge-{h}"
    return run


def stats(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    return {"n": len(s), "mean_us": round(statistics.fmean(s), 1),
            "p50_us": round(s[len(s) // 2], 1), "p99_us": round(s[int(len(s) * 0.99)], 1)}


def http_layer(port: int, n: int) -> dict[str, float]:
    req = (f"GET /dev/hello HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").encode()
    samples = []
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        f = s.makefile("rb")
        for i in range(n + 50):
            t0 = time.perf_counter()
            s.sendall(req)
            length, chunked = 0, False
            while True:
                line = f.readline()
                low = line.lower()
                if low.startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
                elif low.startswith(b"transfer-encoding:") and b"chunked" in low:
                    chunked = True
                if line in (b"\r\n", b""):
                    break
            if chunked:
                body = b""
                while (size := int(f.readline().split(b";")[0], 16)) > 0:
                    body += f.read(size)
                    f.readline()
                f.readline()  # the blank line after the last chunk
            else:
                body = f.read(length)
            if i >= 50:
                samples.append((time.perf_counter() - t0) * 1e6)
        assert json.loads(body)["message"] == "Hello from Brygge!", body
    return stats(samples)


async def grpc_layers(data: Path, n: int) -> dict[str, Any]:
    import grpc.aio

    from proto import brygge_pb2 as pb
    from proto import brygge_pb2_grpc as pbg
    from storage.catalog import Catalog
    from storage.client import CHANNEL_OPTIONS, AsyncStorageClient

    info = json.loads((data / "node.json").read_text())
    run = run_dir(data)
    storage = AsyncStorageClient(f"unix:{run / 'storage.sock'}")
    space = await Catalog(storage).find_space(info["project"], info["space"])
    await storage.close()
    assert space and space.get("deployment"), "no app deployed to the default space"
    ch = grpc.aio.insecure_channel(f"unix:{run / 'executor-0.sock'}", options=CHANNEL_OPTIONS)
    stub = pbg.ExecutorStub(ch)
    headers = {"host": f"127.0.0.1:{info['http_port']}"}
    http = pb.HttpRequest(method="GET", path="/dev/hello", api_path="/hello",
                          original_url="/dev/hello", query="",
                          headers=[pb.Header(name=k, value=v) for k, v in headers.items()],
                          hostname="127.0.0.1", ip="127.0.0.1", authed=False,
                          auth_error="missing API token", body=b"")

    async def invoke_once() -> bytes:
        inv = pb.Invocation(request_id="0123456789abcdef", space_id=space["id"],
                            deployment=space["deployment"], deadline_s=60, http=http)

        async def requests():  # type: ignore[no-untyped-def]
            yield pb.InvokeIn(start=inv)
        body = b""
        async for out in stub.Invoke(requests(), timeout=70, wait_for_ready=True):
            if out.WhichOneof("part") == "body_chunk":
                body += out.body_chunk
            elif out.WhichOneof("part") == "end":
                break
        return body

    res: dict[str, Any] = {}
    for name, fn in (("invoke", invoke_once),
                     ("health", lambda: stub.Health(pb.HealthRequest(), timeout=5))):
        samples = []
        for i in range(n + 50):
            t0 = time.perf_counter()
            await fn()
            if i >= 50:
                samples.append((time.perf_counter() - t0) * 1e6)
        res[name] = stats(samples)
    await ch.close()
    return res


def measure(data: Path, port: int, n: int) -> dict[str, Any]:
    res = {"http": http_layer(port, n)}
    res.update(asyncio.run(grpc_layers(data, n)))
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--http-port", type=int, required=True)
    ap.add_argument("-n", type=int, default=1000)
    a = ap.parse_args()
    print(json.dumps(measure(Path(a.data_dir).resolve(), a.http_port, a.n), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
