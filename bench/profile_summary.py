#!/usr/bin/env python3
"""Summarize the profiles `bench/http_hello.py --profile` records into the few buckets
that matter for the request path.

    .venv/bin/python bench/profile_summary.py bench/results/http_hello-<ts>-profile/

py-spy `raw` (collapsed-stack) files `router.txt` and `executor.txt`: Python-level view.
`perf.script` (from `perf script -F pid,tid,ip,sym,dso`) with `pids.json`: native view,
CPU samples of every Brygge process split by the library they were in.

Executor samples go to the first bucket (in the order listed) whose pattern matches
any frame of the stack (so a guest→host call is counted whole, crossings included).
Router samples go to the bucket of their innermost matching frame (the router's
own code runs inside uvicorn's frames, gRPC client code inside the router's).
Samples whose innermost frame is a blocking wait (Condition.wait,
a thread pool's idle `get`, an epoll/select, `time.sleep`) are counted as "waiting"
and left out of the percentages: py-spy's idle detection is unreliable with
`--nonblocking`, and with `--gil` they do not occur.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

WAIT_LEAVES = (
    "Condition.wait (threading.py", "_worker (concurrent/futures/thread.py:81)",
    "EpollSelector.select", "select (selectors.py", "shared_engine.<locals>.tick",
    "_serve (grpc/_server.py:1314)", "Event.wait", "Queue.get (queue.py:171)",
)

BUCKETS: dict[str, list[tuple[str, str]]] = {
    "executor": [
        ("guest→host call (host side: read string, dispatch op, emit head/body, reply)",
         r"Instance\._host_call|_raw_host_call"),
        ("wasm calls into the guest (QuickJS run + ctypes/wasmtime crossing)",
         r"wasmtime_func_call_unchecked|_FastFunc\.__call__"),
        ("other AppInstance.run glue (deadline, promise polling, json of result)",
         r"AppInstance\.run"),
        ("log publishing to NATS (executor thread + nats loop thread)",
         r"_publish_logs|executor_logs\.py|LogPublisher|nats/aio"),
        ("request/response marshalling in _run_http (protobuf, json.dumps(req), pool)",
         r"Executor\._run_http"),
        ("thread hand-off invoke-pool ↔ gRPC thread (queue.Queue, futures)",
         r"Executor\.Invoke|queue\.py|ThreadPoolExecutor\.submit"),
        ("gRPC sync server machinery (grpc/_server.py, cygrpc)", r"grpc/"),
        ("thread pool worker loop", r"concurrent/futures/thread\.py"),
    ],
    "router": [
        ("gRPC client stream to the executor (grpc.aio: start call, write, read, decode; "
         "the aio poller thread)", r"grpc/|_poll_wrapper"),
        ("NATS client", r"nats/"),
        ("router code (admission, headers, protobuf build, ASGI messages)",
         r"router/(app|admit|credentials|resolve|streaming)\.py"),
        ("HTTP server (uvicorn + httptools: parse request, write response)", r"uvicorn/protocols"),
        ("event loop itself (uvloop run_forever: epoll, socket I/O, callbacks)",
         r"asyncio/runners\.py|uvicorn/"),
    ],
}


def parse(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text(errors="replace").splitlines():
        m = re.match(r"^(.*) (\d+)$", line)
        if m:
            stacks.append((m.group(1).split(";"), int(m.group(2))))
    return stacks


def classify(kind: str, frames: list[str]) -> str:
    body = frames  # frames[0] is "thread (tid): <thread name>": it can name a gRPC poller
    if kind == "router":  # innermost matching frame wins
        for frame in reversed(body):
            for name, pat in BUCKETS[kind]:
                if re.search(pat, frame):
                    return name
        return "other"
    joined = ";".join(body)
    for name, pat in BUCKETS[kind]:
        if re.search(pat, joined):
            return name
    return "other"


def summarize(kind: str, path: Path) -> str:
    stacks = parse(path)
    counts: Counter[str] = Counter()
    waiting = 0
    for frames, n in stacks:
        leaf = frames[-1]
        if any(leaf.startswith(w) for w in WAIT_LEAVES):
            waiting += n
            continue
        counts[classify(kind, frames)] += n
    busy = sum(counts.values())
    lines = [f"{kind} ({path.name}): {busy} busy samples, {waiting} waiting samples left out"]
    for name, n in counts.most_common():
        lines.append(f"  {100 * n / max(busy, 1):5.1f}%  {name}")
    return "\n".join(lines)


_DSO_CLASSES = (
    ("libpython", "Python interpreter (libpython)"),
    ("perf-", "wasm guest code (JIT-compiled QuickJS)"),
    (".cwasm", "wasm guest code (JIT-compiled QuickJS)"),  # from <data>/wasm-cache
    ("[unknown]", "wasm guest code (JIT-compiled QuickJS)"),
    ("//anon", "wasm guest code (JIT-compiled QuickJS)"),
    ("libwasmtime", "wasmtime runtime"),
    ("cygrpc", "gRPC core (cygrpc)"),
    ("[kernel", "kernel (syscalls, scheduling, sockets)"),
    ("libc.so", "libc (malloc, memcpy, futex)"),
    ("_message", "protobuf (upb)"),
    ("loop.cpython", "uvloop"),
    ("parser.cpython", "httptools"),
    ("_ctypes", "ctypes/libffi"),
    ("libffi", "ctypes/libffi"),
    ("nats-server", "nats-server"),
)


def perf_summary(script: Path, pids: dict[str, int]) -> str:
    """CPU samples by process and by library from `perf script -F pid,tid,ip,sym,dso`."""
    names = {str(pid): name for name, pid in pids.items()}
    by_proc: Counter[str] = Counter()
    by_lib: dict[str, Counter[str]] = {}
    for line in script.read_text(errors="replace").splitlines():
        m = re.match(r"\s*(\d+)/\d+\s+\S+\s+.*\((.*)\)\s*$", line)
        if not m:
            continue
        proc = names.get(m.group(1), "other")
        dso = m.group(2)
        lib = next((label for key, label in _DSO_CLASSES if key in dso), "other libraries")
        by_proc[proc] += 1
        by_lib.setdefault(proc, Counter())[lib] += 1
    total = sum(by_proc.values())
    out = [f"perf: {total} CPU samples in Brygge processes"]
    for proc, n in by_proc.most_common():
        out.append(f"  {100 * n / max(total, 1):5.1f}%  {proc}")
        for lib, k in by_lib[proc].most_common(6):
            out.append(f"         {100 * k / n:5.1f}% of it  {lib}")
    return "\n".join(out)


def summarize_dir(p: Path) -> str:
    out = []
    files = sorted(p.glob("*.txt")) if p.is_dir() else [p]
    for f in files:
        kind = "executor" if "exec" in f.name else "router" if "router" in f.name else ""
        if kind:
            out.append(summarize(kind, f))
    if p.is_dir() and (p / "perf.script").exists() and (p / "pids.json").exists():
        out.append(perf_summary(p / "perf.script", json.loads((p / "pids.json").read_text())))
    return "\n".join(out)


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    for arg in sys.argv[1:]:
        print(summarize_dir(Path(arg)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
