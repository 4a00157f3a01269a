#!/usr/bin/env python3
"""One-command HTTP benchmark: `GET /dev/hello` on Brygge vs the official CLI's localserver.

    bench/run.sh                       # or: .venv/bin/python bench/http_hello.py
    bench/run.sh --duration 5 --concurrency 1,8
    bench/run.sh --ref HEAD            # Brygge from a commit, not the (shared) working tree
    bench/run.sh --profile             # then profile Brygge (needs py-spy; perf if present)

What it does, in one run:
  1. starts a Brygge node (`brygge up`) on free ports in a temp data dir with examples/hello;
  2. starts `npx codehooks@1.0.13 localserver` in a temp copy of the same app (its
     node_modules come from an `npm install` cached in bench/.cache);
  3. polls both until `GET /dev/hello` answers the expected JSON;
  4. runs `wrk --latency` against both at each concurrency (after a short warm-up);
  5. prints a side-by-side table with the Brygge/localserver ratio and writes JSON to
     bench/results/http_hello-<timestamp>.json;
  6. stops both servers (process groups, also on Ctrl-C, SIGTERM and exceptions; a watchdog
     process stops them if this script is killed).

Only loopback addresses are ever targeted; every wrk run is bounded in time.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / ".cache"
RESULTS = BENCH / "results"
APP_DIR = ROOT / "examples" / "hello"

CLI_SPEC = "codehooks@1.0.13"
# The localserver bundles the app with webpack *without* externals, so every package
# codehooks-js imports must be resolvable from the app: codehooks-js's crudlify
# imports `ajv` (available in the hosted runtime, not a dependency of codehooks-js).
APP_PACKAGE = {
    "name": "brygge-bench-hello",
    "version": "1.0.0",
    "private": True,
    "description": "examples/hello, for the official localserver (bench/http_hello.py)",
    "main": "index.js",
    "dependencies": {"codehooks-js": "1.4.3", "ajv": "8.17.1"},
}
WRK_SHARE = 0.10  # share of all CPUs wrk itself may use
DISTURBED = 0.10  # more foreign CPU than this (share of all CPUs) marks a run as disturbed
EXPECTED = {"message": "Hello from Brygge!", "path": "/hello"}
PATH = "/dev/hello"


# -- small helpers ----------------------------------------------------------------------------
def say(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    """Child side of Popen: own process group (so we can stop the whole tree) and
    SIGTERM when this script dies, even by kill -9."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


# A watchdog process that outlives this script by a moment: when this script dies, even by
# kill -9, it gets SIGTERM (PR_SET_PDEATHSIG) and stops the servers' process groups. (npx
# runs the localserver as a grandchild, which a death signal on npx alone would orphan.)
WATCHDOG = r"""
import os, signal, sys, time
groups = [(int(a.split(":")[0]), a.split(":")[1]) for a in sys.argv[1:]]
def alive(pg):
    try:
        os.killpg(pg, 0)
        return True
    except (ProcessLookupError, PermissionError):
        return False
def stop(*_):
    for pg, mode in groups:
        try:
            os.kill(pg, signal.SIGTERM) if mode == "leader" else os.killpg(pg, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(alive(pg) for pg, _ in groups):
        time.sleep(0.2)
    for pg, _ in groups:
        try:
            os.killpg(pg, signal.SIGKILL)
        except ProcessLookupError:
            pass
    os._exit(0)
signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, signal.SIG_IGN)
if os.getppid() == 1:
    stop()
while True:
    signal.pause()
"""


def need(tool: str, hint: str) -> str:
    found = shutil.which(tool)
    if not found:
        raise SystemExit(f"bench: `{tool}` not found: {hint}")
    return found


def get_json(url: str, timeout: float = 1.0) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, None


def cmd_out(argv: list[str], cwd: Path | None = None) -> str:
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=cwd)
        return (r.stdout or r.stderr).strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def export_ref(ref: str, dest: Path) -> Path:
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True,
                             timeout=120)
    if archive.returncode != 0:
        raise RuntimeError(f"git archive {ref} failed: {archive.stderr.decode(errors='replace')}")
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True, timeout=120)
    return dest


def machine_info() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "nproc": os.cpu_count(), "cpu_model": cpu, "memory": mem,
        "kernel": platform.release(), "python": platform.python_version(),
        "node": cmd_out(["node", "--version"]), "wrk": cmd_out(["wrk", "--version"]).split("\n")[0],
        "brygge_commit": cmd_out(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT),
        # uncommitted changes to product code in the working tree (bench/ and docs/ excluded)
        "brygge_dirty": bool(cmd_out(["git", "status", "--porcelain", "--", ".", ":!bench",
                                      ":!docs"], cwd=ROOT)),
    }


# -- servers ----------------------------------------------------------------------------------
@dataclass
class Server:
    name: str
    argv: list[str]
    cwd: Path
    log: Path
    port: int
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    def start(self) -> None:
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen(self.argv, cwd=self.cwd, stdout=logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env={**os.environ, **self.env},
                                     start_new_session=True, preexec_fn=_die_with_parent)
        logf.close()

    def wait_ready(self, timeout: float) -> float:
        """Poll `GET /dev/hello` until it answers the expected JSON; return seconds waited."""
        assert self.proc is not None
        t0 = time.monotonic()
        delay = 0.05
        last = "no answer"
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with code {self.proc.returncode} while "
                                   f"starting; see {self.log}:\n{tail(self.log)}")
            try:
                status, body = get_json(self.url)
                if status == 200 and body == EXPECTED:
                    return time.monotonic() - t0
                last = f"HTTP {status}: {body}"
            except (OSError, ValueError) as e:
                last = str(e)
            time.sleep(delay)
            delay = min(delay * 1.5, 0.5)
        raise RuntimeError(f"{self.name} did not answer {self.url} within {timeout:.0f}s "
                           f"(last: {last}); see {self.log}:\n{tail(self.log)}")

    def stop(self, grace: float = 15.0) -> None:
        p = self.proc
        if p is None:
            return
        self.proc = None
        if p.poll() is None:
            try:
                # `brygge up` stops its own children on SIGTERM; npx/node die with the group.
                if self.name == "brygge":
                    p.send_signal(signal.SIGTERM)
                else:
                    os.killpg(p.pid, signal.SIGTERM)
                p.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                say(f"{self.name} did not stop within {grace:.0f}s: killing its process group")
            except ProcessLookupError:
                pass
        # Whatever is left in the group (a stuck child, a grandchild) goes now.
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


def tail(path: Path, n: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


_CLK = os.sysconf("SC_CLK_TCK")
_MODULES = {"router.server": "router", "sandbox.server": "executor", "storage.server": "storage",
            "control_plane.api.app": "control-plane"}


def _label(argv: list[bytes]) -> str:
    if argv[1:2] == [b"-c"] and b"python" in Path(argv[0].decode()).name.encode():
        return "brygge"  # python -c "import runpy; ..." up (--ref: any layout of the CLI)
    if b"-m" in argv[:-1]:
        mod = argv[argv.index(b"-m") + 1].decode()
        return _MODULES.get(mod, mod)
    words = [Path(a.decode(errors="replace")).name for a in argv[:3]]
    if "npm" in words or "npm-cli.js" in words:
        return "npm"
    if words and words[0] in ("python", "python3") and len(words) > 1:
        return words[1]
    return words[0] if words else "?"


def group_cpu(pgid: int) -> dict[str, float]:
    """CPU seconds (user+system) used so far by each process of a process group."""
    cpu: dict[str, float] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:  # field 5 of stat: pgrp
                continue
            ticks = int(fields[11]) + int(fields[12])  # utime, stime
            label = _label((d / "cmdline").read_bytes().split(b"\0"))
        except (OSError, ValueError, IndexError):
            continue
        cpu[label] = cpu.get(label, 0.0) + ticks / _CLK
    return cpu


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = f[3] + (f[4] if len(f) > 4 else 0)
    return (sum(f) - idle) / _CLK, sum(f) / _CLK


def busy_fraction(seconds: float = 1.0) -> float:
    """Share of all CPUs busy over the next `seconds`."""
    b0, t0 = machine_busy()
    time.sleep(seconds)
    b1, t1 = machine_busy()
    return (b1 - b0) / max(t1 - t0, 1e-9)


def wait_quiet(max_wait: float, threshold: float = 0.15) -> float:
    """Wait (up to max_wait s) until the machine is nearly idle; return the last busy share.
    On a shared machine, other work running during a measurement skews it."""
    deadline = time.monotonic() + max_wait
    busy = busy_fraction()
    warned = False
    while busy > threshold and time.monotonic() < deadline:
        if not warned:
            say(f"  machine is {busy:.0%} busy with other work: waiting up to {max_wait:.0f}s "
                "for it to calm down")
            warned = True
        busy = busy_fraction(2.0)
    if busy > threshold:
        say(f"  warning: machine still {busy:.0%} busy with other work; measuring anyway")
    return busy


def loadavg() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except (OSError, ValueError):
        return []


def prepare_localserver_app(work: Path, npm_env: dict[str, str]) -> Path:
    """A temp copy of examples/hello as an npm project; `npm install` is cached."""
    need("npm", "install Node.js 20+ and npm (Debian: apt-get install nodejs npm)")
    need("npx", "install Node.js 20+ and npm (Debian: apt-get install nodejs npm)")
    cached = CACHE / "localserver-app"
    cached.mkdir(parents=True, exist_ok=True)
    pkg = json.dumps(APP_PACKAGE, indent=2) + "\n"
    stamp = cached / ".installed"
    if not (stamp.exists() and stamp.read_text() == pkg and (cached / "node_modules").is_dir()):
        say(f"npm install in {cached} (codehooks-js@1.4.3, ajv); cached for later runs")
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
    for f in ("index.js", "config.json"):
        shutil.copy2(APP_DIR / f, app / f)
    shutil.copy2(cached / "package.json", app / "package.json")
    if (cached / "package-lock.json").exists():
        shutil.copy2(cached / "package-lock.json", app / "package-lock.json")
    shutil.copytree(cached / "node_modules", app / "node_modules", symlinks=True)
    return app


# -- wrk ----------------------------------------------------------------------------------------
_UNIT = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        raise ValueError(f"unparsable wrk latency {text!r}")
    return float(m.group(1)) * _UNIT[m.group(2)]


def parse_wrk(out: str) -> dict[str, Any]:
    res: dict[str, Any] = {}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not m:
        raise ValueError(f"no Requests/sec in wrk output:\n{out}")
    res["rps"] = float(m.group(1))
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)
        if m:
            res[f"p{pct}_ms"] = _ms(m.group(1))
    m = re.search(r"(\d+) requests in ([\d.]+\w+)", out)
    if m:
        res["requests"] = int(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    res["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    res["socket_errors"] = sum(map(int, m.groups())) if m else 0
    return res


def run_wrk(url: str, conns: int, threads: int, duration: float, procs: list[Any],
            pgid: int | None = None, script: Path | None = None,
            headers: list[str] | None = None) -> dict[str, Any]:
    """One bounded wrk run (`script`: a wrk Lua script, e.g. bench/crud_bench.py's;
    `headers`: "name: value" lines sent with every request)."""
    t = max(1, min(threads, conns))  # wrk needs connections >= threads
    before = group_cpu(pgid) if pgid else {}
    m0 = machine_busy()
    argv = ["wrk", f"-t{t}", f"-c{conns}", f"-d{duration:g}s", "--timeout", "10s", "--latency",
            *(["-s", str(script)] if script else []),
            *[a for h in headers or [] for a in ("-H", h)], url]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         preexec_fn=_die_with_parent)
    procs.append(p)
    try:
        out, _ = p.communicate(timeout=duration + 60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        procs.remove(p)
    if p.returncode != 0:
        raise RuntimeError(f"wrk failed ({p.returncode}):\n{out}")
    m1 = machine_busy()
    res = parse_wrk(out)
    res.update(threads=t, connections=conns, duration_s=duration)
    # all CPUs = 1.0; includes wrk itself and anything else running on the machine
    res["machine_busy"] = round((m1[0] - m0[0]) / max(m1[1] - m0[1], 1e-9), 3)
    if pgid:
        # CPU the server's processes used during the run, per request (µs), by component.
        after = group_cpu(pgid)
        n = max(1, res.get("requests", 0))
        per = {k: round((after[k] - before.get(k, 0.0)) / n * 1e6, 1) for k in after}
        res["cpu_us_per_request"] = {k: v for k, v in sorted(per.items(), key=lambda kv: -kv[1])
                                     if v > 0}
        res["cpu_us_per_request_total"] = round(sum(per.values()), 1)
        used = sum(after.values()) - sum(before.values())
        res["server_busy"] = round(used / (duration * (os.cpu_count() or 1)), 3)  # all CPUs = 1.0
        # wrk itself takes ~0.05-0.1 of this 2-CPU machine; much more is someone else's work
        res["other_busy"] = round(res["machine_busy"] - res["server_busy"], 3)
        res["disturbed"] = res["other_busy"] > WRK_SHARE + DISTURBED
    return res


# -- profiling (optional) --------------------------------------------------------------------------
def child_pids(pid: int) -> dict[str, int]:
    """Brygge's components by name (router, executor, nats-server, ...) from their
    command lines."""
    found: dict[str, int] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid != pid:
                continue
            name = _label((d / "cmdline").read_bytes().split(b"\0"))
        except (OSError, ValueError, IndexError):
            continue
        found[name if name not in found else f"{name}-{d.name}"] = int(d.name)
    return found


def _stop(p: subprocess.Popen[Any], procs: list[Any], timeout: float = 60) -> None:
    try:
        p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    procs.remove(p)


def profile_brygge(brygge: Server, conns: int, threads: int, duration: float, outdir: Path,
                   procs: list[Any]) -> dict[str, Any]:
    """Two extra wrk runs against Brygge: one under `perf record` of every Brygge process
    (native view: which library the CPU is in), one under py-spy of the router and the
    executor (Python view). Files and a summary go to `outdir`."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        raise SystemExit("bench: --profile needs py-spy (pip install py-spy into the venv)")
    assert brygge.proc is not None
    pids = {"supervisor": brygge.proc.pid, **child_pids(brygge.proc.pid)}
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "pids.json").write_text(json.dumps(pids, indent=2) + "\n")
    report: dict[str, Any] = {"dir": str(outdir), "pids": pids}

    perf = shutil.which("perf")
    if perf:
        say(f"  perf record of {', '.join(pids)} during {duration:g}s at {conns} connections")
        data = outdir / "perf.data"
        pr = subprocess.Popen([perf, "record", "-F", "499", "-p", ",".join(map(str, pids.values())),
                               "-o", str(data), "--", "sleep", str(duration)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              preexec_fn=_die_with_parent)
        procs.append(pr)
        time.sleep(0.5)
        report["perf_run"] = run_wrk(brygge.url, conns, threads, duration, procs,
                                     pgid=brygge.proc.pid)
        _stop(pr, procs)
        if data.exists():
            with open(outdir / "perf.script", "wb") as f:
                subprocess.run([perf, "script", "-i", str(data), "-F", "pid,tid,ip,sym,dso"],
                               stdout=f, stderr=subprocess.DEVNULL, timeout=300)
            data.unlink()
    else:
        say("  perf not found: native profile skipped (Debian: apt-get install linux-perf)")

    say(f"  py-spy of router and executor during {duration:g}s at {conns} connections")
    spies = []
    for name in ("router", "executor"):
        if name not in pids:
            continue
        # raw = collapsed stacks, one line per stack with its sample count (greppable;
        # flamegraph.pl and speedscope read it). 100 Hz: the executor has ~50 threads.
        path = outdir / f"{name}.txt"
        argv = [spy, "record", "-p", str(pids[name]), "-r", "100", "-d", str(int(duration)),
                "-f", "raw", "-o", str(path), "--threads", "--nonblocking"]
        sp = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              preexec_fn=_die_with_parent)
        procs.append(sp)
        spies.append(sp)
    time.sleep(1.0)  # let py-spy attach before the load starts
    report["pyspy_run"] = run_wrk(brygge.url, conns, threads, duration, procs,
                                  pgid=brygge.proc.pid)
    for sp in spies:
        _stop(sp, procs)

    # Sequential latency per layer, and the wasm invocation alone (same code as the node).
    env = {**os.environ, **brygge.env}
    data = Path(brygge.argv[brygge.argv.index("--data-dir") + 1])
    for key, argv in (("layers", [sys.executable, str(BENCH / "layers.py"), "--data-dir",
                                  str(data), "--http-port", str(brygge.port), "-n", "1000"]),
                      ("invoke_micro", [sys.executable, str(BENCH / "invoke_micro.py"),
                                        "-n", "2000", "--app",
                                        str(brygge.cwd / "examples" / "hello")])):
        say(f"  {key}")
        r = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=brygge.cwd,
                           timeout=600)
        if r.returncode == 0:
            report[key] = json.loads(r.stdout)
            (outdir / f"{key}.json").write_text(r.stdout)
        else:
            say(f"  {key} failed: {r.stderr.strip().splitlines()[-1:]}")

    from profile_summary import summarize_dir  # bench/ is on sys.path (script dir)
    summary = summarize_dir(outdir)
    (outdir / "summary.txt").write_text(summary + "\n")
    report["summary"] = summary.splitlines()
    return report


# -- main -----------------------------------------------------------------------------------------
def fmt_row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths,
                                                                                    strict=True)))


def table(results: dict[str, dict[str, dict[str, Any]]], levels: list[int]) -> str:
    head = ["conns", "Brygge req/s", "p50 ms", "p99 ms", "CPU µs/req", "localserver req/s",
            "p50 ms", "p99 ms", "CPU µs/req", "req/s B/L", "p50 B/L"]
    rows = [head]
    for c in levels:
        b = results.get("brygge", {}).get(str(c))
        ls = results.get("localserver", {}).get(str(c))

        def cells(r: dict[str, Any] | None) -> list[str]:
            if not r:
                return ["-", "-", "-", "-"]
            rps = f"{r['rps']:.0f}"
            if r.get("disturbed"):
                rps = "*" + rps
            return [rps, f"{r.get('p50_ms', float('nan')):.2f}",
                    f"{r.get('p99_ms', float('nan')):.2f}",
                    f"{r.get('cpu_us_per_request_total', float('nan')):.0f}"]
        ratio = f"{b['rps'] / ls['rps']:.3f}" if b and ls and ls["rps"] else "-"
        lat = f"{b['p50_ms'] / ls['p50_ms']:.1f}x" if b and ls and ls.get("p50_ms") else "-"
        rows.append([str(c), *cells(b), *cells(ls), ratio, lat])
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [fmt_row(r, widths) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if any(r.get("disturbed") for side in results.values() for r in side.values()):
        lines.append(f"* other work used more than {DISTURBED:.0%} of the machine during this run "
                     "(besides the server and wrk): the number is not trustworthy")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run (10)")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up load per server (3)")
    ap.add_argument("--concurrency", default="1,8,32", help="wrk connections, comma separated")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads (capped at connections)")
    ap.add_argument("--quiet-wait", type=float, default=60.0,
                    help="before each run, wait up to this many seconds for other work on the "
                         "machine to stop (0: don't check)")
    ap.add_argument("--only", choices=("brygge", "localserver"), help="benchmark one side only")
    ap.add_argument("--profile", action="store_true",
                    help="after the runs, profile Brygge under load: perf (every process), py-spy "
                         "(router, executor), layer latencies, the wasm invocation alone")
    ap.add_argument("--profile-concurrency", type=int, default=8)
    ap.add_argument("--start-timeout", type=float, default=240.0,
                    help="seconds to wait for a server (the first npx run downloads the CLI)")
    ap.add_argument("--ref", help="run Brygge from this git ref (exported to a temp dir, e.g. HEAD)"
                    " instead of the working tree, so concurrent edits do not leak in")
    ap.add_argument("--token", action="store_true",
                    help="send Brygge's space token (x-apikey): the router admits the request "
                         "by it instead of the app's auth hook")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, data dir)")
    a = ap.parse_args()
    levels = [int(x) for x in a.concurrency.split(",") if x.strip()]

    need("wrk", "install it (Debian: apt-get install -y wrk)")
    load = loadavg()
    if load and load[0] > 0.5:
        say(f"warning: load average is {load[0]:.2f} before the run: other work on this machine "
            "will skew the numbers")
    brygge_bin = Path(sys.executable).parent / "brygge"
    if not brygge_bin.exists():
        raise SystemExit(f"bench: {brygge_bin} not found: run with the venv's python "
                         "(pip install -e . into it)")

    # Ctrl-C and SIGTERM unwind through `finally`, which stops the servers.
    def on_signal(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)  # also when started in the background (SIG_IGN)

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    work = Path(tempfile.mkdtemp(prefix="brygge-bench-"))
    npm_env = {"npm_config_cache": str(CACHE / "npm"), "npm_config_update_notifier": "false",
               "npm_config_fund": "false", "npm_config_audit": "false"}
    servers: dict[str, Server] = {}
    procs: list[Any] = []
    watchdog: subprocess.Popen[bytes] | None = None
    results: dict[str, dict[str, dict[str, Any]]] = {}
    report: dict[str, Any] = {
        "benchmark": "http_hello", "timestamp": stamp, "request": f"GET {PATH}",
        "machine": {**machine_info(), "loadavg_before": loadavg()},
        "params": {"duration_s": a.duration, "warmup_s": a.warmup, "concurrency": levels,
                   "threads": a.threads, "cli": CLI_SPEC, "app": APP_PACKAGE["dependencies"]},
        "results": results,
    }
    code = 0
    try:
        if a.only != "localserver":
            data, port = work / "brygge-data", free_port()
            tree, env, up = ROOT, {}, [str(brygge_bin), "up"]
            if a.ref:
                tree = export_ref(a.ref, work / "tree")
                # PYTHONPATH wins over the editable install's finder; `brygge up` passes its
                # own source root on to the components it spawns.
                env = {"PYTHONPATH": str(tree)}
                # runpy: any layout of the CLI (module or package) at the ref
                up = [sys.executable, "-c",
                      "import runpy; runpy.run_module('control_plane.cli', run_name='__main__')",
                      "up"]
                report["machine"]["brygge_commit"] = cmd_out(["git", "rev-parse", "--short",
                                                              a.ref], cwd=ROOT)
                report["machine"]["brygge_dirty"] = False
            servers["brygge"] = Server(
                "brygge", [*up, "--data-dir", str(data), "--http-port", str(port),
                           "--admin-port", str(free_port()), "--app",
                           str(tree / "examples" / "hello")],
                cwd=tree, log=work / "brygge.log", port=port, env=env)
        if a.only != "brygge":
            app = prepare_localserver_app(work, npm_env)
            port = free_port()
            servers["localserver"] = Server(
                "localserver", ["npx", "--yes", CLI_SPEC, "localserver", "--port", str(port)],
                cwd=app, log=work / "localserver.log", port=port, env=npm_env)
        for s in servers.values():
            say(f"starting {s.name}: {' '.join(s.argv)}")
            s.start()
        watchdog = subprocess.Popen(
            [sys.executable, "-c", WATCHDOG,
             *(f"{s.proc.pid}:{'leader' if s.name == 'brygge' else 'group'}"
               for s in servers.values() if s.proc)],
            stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent, start_new_session=True)
        for s in servers.values():
            waited = s.wait_ready(a.start_timeout)
            say(f"{s.name} answers {s.url} (after {waited:.1f}s)")
            report.setdefault("startup_s", {})[s.name] = round(waited, 2)

        for name, s in servers.items():
            hdrs: list[str] = []
            if a.token and name == "brygge":
                hdrs = ["x-apikey: " + re.findall(r"space token\s+(\S+)", s.log.read_text())[-1]]
                report["params"]["token"] = True
            if a.warmup > 0:
                say(f"warm-up {name}: {a.warmup:g}s at 8 connections")
                run_wrk(s.url, 8, a.threads, a.warmup, procs, headers=hdrs)
            for c in levels:
                background = wait_quiet(a.quiet_wait) if a.quiet_wait > 0 else None
                say(f"{name}: wrk {a.duration:g}s at {c} connection(s)")
                assert s.proc is not None
                r = run_wrk(s.url, c, a.threads, a.duration, procs, pgid=s.proc.pid,
                            headers=hdrs)
                r["background_busy_before"] = background
                if r.get("disturbed"):
                    say(f"  warning: other processes used {r['other_busy']:.0%} of the machine "
                        "during this run")
                if r["non_2xx"] or r["socket_errors"]:
                    say(f"  warning: {r['non_2xx']} non-2xx, {r['socket_errors']} socket errors")
                results.setdefault(name, {})[str(c)] = r
                say(f"  {r['rps']:.0f} req/s, p50 {r.get('p50_ms', 0):.2f} ms, "
                    f"p99 {r.get('p99_ms', 0):.2f} ms, server CPU "
                    f"{r.get('cpu_us_per_request_total', 0):.0f} µs/request "
                    f"{r.get('cpu_us_per_request', {})}")

        if a.profile and "brygge" in servers:
            pdir = RESULTS / f"http_hello-{stamp}-profile"
            say(f"profiling Brygge at {a.profile_concurrency} connections -> {pdir}")
            report["profile"] = profile_brygge(servers["brygge"], a.profile_concurrency,
                                               a.threads, a.duration, pdir, procs)
            print("\n".join(report["profile"]["summary"]))

        ratios = {}
        for c in levels:
            b, ls = results.get("brygge", {}).get(str(c)), results.get("localserver", {}).get(str(c))
            if b and ls and ls["rps"]:
                ratios[str(c)] = {"rps": round(b["rps"] / ls["rps"], 4),
                                  "p50": round(b["p50_ms"] / ls["p50_ms"], 2),
                                  "p99": round(b["p99_ms"] / ls["p99_ms"], 2)}
        report["ratio_brygge_over_localserver"] = ratios
        print()
        print(f"GET {PATH}, wrk --latency, {a.duration:g}s per run, threads=min({a.threads}, conns)"
              f" — {report['machine']['nproc']} CPUs, {report['machine']['cpu_model']}")
        print(table(results, levels))
    except KeyboardInterrupt:
        say("interrupted: stopping servers")
        code = 130
    except Exception as e:
        say(f"failed: {e}")
        report["error"] = str(e)
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip cleanup
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for p in list(procs):
            if p.poll() is None:
                p.kill()
                p.wait()
        for s in reversed(list(servers.values())):
            s.stop()
        if watchdog is not None:
            watchdog.kill()  # SIGKILL: the servers are already stopped
            watchdog.wait()
        if results:
            RESULTS.mkdir(parents=True, exist_ok=True)
            out = RESULTS / f"http_hello-{stamp}.json"
            out.write_text(json.dumps(report, indent=2) + "\n")
            say(f"results written to {out.relative_to(ROOT)}")
        if a.keep or code == 1:
            say(f"logs and data kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    return code


if __name__ == "__main__":
    sys.exit(main())
