#!/usr/bin/env python3
"""In-process micro-benchmark of one `GET /dev/hello` invocation in the sandbox,
without router, gRPC or threads: what the executor's wasm path costs on its own,
and how many times one request crosses the wasm boundary.

    .venv/bin/python bench/invoke_micro.py [-n 2000]
    PYTHONPATH=<exported tree> .venv/bin/python bench/invoke_micro.py   # another commit

It builds the request exactly as `sandbox/executor.py` does (`json.dumps(req)` of the
fields the router sends) and calls `AppInstance.run("__brygge_invoke", ...)`.
Crossings are counted by wrapping `Instance._call` (every host→guest export call)
and `Instance._host_call` (every guest→host import call).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=2000, help="timed invocations (default 2000)")
    ap.add_argument("--app", default=str(Path(__file__).resolve().parent.parent / "examples" / "hello"))
    a = ap.parse_args()

    from sandbox import app as sapp
    from sandbox import engine

    files = {p.name: p.read_text() for p in Path(a.app).iterdir()
             if p.is_file() and p.suffix in (".js", ".json", ".mjs")}
    artifact = {"kind": "source", "entry": "index.js", "files": files}
    inst = sapp.AppInstance(artifact, lambda op, payload: "", memory_mb=128)
    headers = {"host": "127.0.0.1:8080", "user-agent": "wrk"}  # what wrk sends
    req = {"id": "0123456789abcdef", "method": "GET", "path": "/dev/hello", "apiPath": "/hello",
           "originalUrl": "/dev/hello", "query": "", "headers": headers, "hostname": "127.0.0.1",
           "ip": "127.0.0.1", "authed": False,
           "authError": "missing API token: send x-apikey or Authorization: Bearer", "body": ""}

    out: list[tuple[str, object]] = []

    def emit(kind: str, data: object) -> None:
        out.append((kind, data))

    def one() -> sapp.Invocation:
        inv = sapp.Invocation(emit=emit)
        inst.run("__brygge_invoke", json.dumps(req), inv, 60.0)
        return inv

    for _ in range(200):  # warm-up
        one()
    out.clear()
    inv = one()
    if inv.error:
        print(f"invocation failed: {inv.error}", file=sys.stderr)
        return 1
    body = b"".join(d for k, d in out if k in ("chunk", "end") and isinstance(d, bytes))
    assert json.loads(body) == {"message": "Hello from Brygge!", "path": "/hello"}, body

    # -- crossings of one invocation --------------------------------------------------
    exports: Counter[str] = Counter()
    imports: Counter[str] = Counter()
    orig_call, orig_host_call, orig_host = engine.Instance._call, engine.Instance._host_call, \
        inst._host

    def counting_call(self, name, *args):  # type: ignore[no-untyped-def]
        exports[name] += 1
        return orig_call(self, name, *args)

    def counting_host_call(self, argc, argv):  # type: ignore[no-untyped-def]
        imports["host_call"] += 1
        return orig_host_call(self, argc, argv)

    def counting_host(op, payload):  # type: ignore[no-untyped-def]
        imports[f"op:{op}"] += 1
        return orig_host(op, payload)

    engine.Instance._call = counting_call  # type: ignore[method-assign]
    engine.Instance._host_call = counting_host_call  # type: ignore[method-assign]
    inst._host = counting_host  # type: ignore[method-assign]
    inst.inst.host = counting_host
    # every wasmtime C API call goes through ctypes (`cdll`: each one releases and
    # re-takes the GIL); count them by name
    from wasmtime import _ffi
    ffi_calls: Counter[str] = Counter()
    me = threading.get_ident()
    patched = {}
    for fname in dir(_ffi):
        fn = getattr(_ffi, fname)
        if fname.startswith("wasm") and callable(fn) and not isinstance(fn, type):
            def counted(*args, _f=fn, _n=fname):  # type: ignore[no-untyped-def]
                if threading.get_ident() == me:  # not the epoch ticker's calls
                    ffi_calls[_n] += 1
                return _f(*args)
            patched[fname] = fn
            setattr(_ffi, fname, counted)
    one()
    for fname, fn in patched.items():
        setattr(_ffi, fname, fn)
    engine.Instance._call = orig_call  # type: ignore[method-assign]
    engine.Instance._host_call = orig_host_call  # type: ignore[method-assign]
    inst.inst.host = orig_host

    # -- where one invocation's time goes (inclusive µs per export; a host call made
    # from inside call_function/execute_pending_jobs is included in those too) ----------
    spent: Counter[str] = Counter()
    clock = time.perf_counter

    def timing_call(self, name, *args):  # type: ignore[no-untyped-def]
        t0 = clock()
        try:
            return orig_call(self, name, *args)
        finally:
            spent[name] += clock() - t0

    def timing_host_call(self, argc, argv):  # type: ignore[no-untyped-def]
        t0 = clock()
        try:
            return orig_host_call(self, argc, argv)
        finally:
            spent["<guest→host call, inclusive>"] += clock() - t0

    engine.Instance._call = timing_call  # type: ignore[method-assign]
    engine.Instance._host_call = timing_host_call  # type: ignore[method-assign]
    m = max(200, a.n // 4)
    t_all = clock()
    for _ in range(m):
        out.clear()
        one()
    wall = clock() - t_all
    engine.Instance._call = orig_call  # type: ignore[method-assign]
    engine.Instance._host_call = orig_host_call  # type: ignore[method-assign]
    breakdown = {k: round(v / m * 1e6, 1) for k, v in spent.most_common()}
    breakdown["<whole invocation, instrumented>"] = round(wall / m * 1e6, 1)

    # -- timing ---------------------------------------------------------------------------
    samples = []
    t_all = time.perf_counter()
    for _ in range(a.n):
        out.clear()
        t0 = time.perf_counter()
        one()
        samples.append((time.perf_counter() - t0) * 1e6)
    total = time.perf_counter() - t_all
    samples.sort()
    res = {
        "invocations": a.n,
        "us_per_invocation_mean": round(statistics.fmean(samples), 1),
        "us_p50": round(samples[len(samples) // 2], 1),
        "us_p99": round(samples[int(len(samples) * 0.99)], 1),
        "invocations_per_s_one_thread": round(a.n / total),
        "host_to_guest_export_calls": sum(exports.values()),
        "export_calls_by_name": dict(exports.most_common()),
        "guest_to_host_calls": imports.get("host_call", 0),
        "ctypes_calls_into_wasmtime": sum(ffi_calls.values()),
        "ctypes_calls_by_name": dict(ffi_calls.most_common()),
        "host_ops": {k[3:]: v for k, v in imports.items() if k.startswith("op:")},
        "us_inclusive_by_export": breakdown,
    }
    print(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
