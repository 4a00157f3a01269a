#!/usr/bin/env python3
"""One-command HTTP benchmark: `GET /dev/hello` on Brygge vs the official CLI's localserver.

    bench/run.sh                       # or: .venv/bin/python bench/http_hello.py
    bench/run.sh --duration 5 --concurrency 1,8
    bench/run.sh --profile             # also py-spy the router and executor (needs py-spy)

What it does, in one run:
  1. starts a Brygge node (`brygge up`) on free ports in a temp data dir with examples/hello;
  2. starts `npx codehooks@1.0.13 localserver` in a temp copy of the same app (its
     node_modules come from an `npm install` cached in bench/.cache);
  3. polls both until `GET /dev/hello` answers the expected JSON;
  4. runs `wrk --latency` against both at each concurrency (after a short warm-up);
  5. prints a side-by-side table with the Brygge/localserver ratio and writes JSON to
     bench/results/http_hello-<timestamp>.json;
  6. stops both servers (process groups, also on Ctrl-C, SIGTERM and exceptions).

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


def run_wrk(url: str, conns: int, threads: int, duration: float, procs: list[Any]
            ) -> dict[str, Any]:
    t = max(1, min(threads, conns))  # wrk needs connections >= threads
    argv = ["wrk", f"-t{t}", f"-c{conns}", f"-d{duration:g}s", "--timeout", "10s", "--latency", url]
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
    res = parse_wrk(out)
    res.update(threads=t, connections=conns, duration_s=duration)
    return res


# -- profiling (optional) --------------------------------------------------------------------------
def child_pids(pid: int) -> dict[str, int]:
    """Brygge's components by name (router, executor-0, ...) from their command lines."""
    found: dict[str, int] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid != pid:
                continue
            argv = (d / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        if b"-m" in argv:
            mod = argv[argv.index(b"-m") + 1].decode()
            name = {"router.server": "router", "sandbox.server": "executor",
                    "storage.server": "storage", "control_plane.server": "control-plane"}.get(mod)
            if name:
                found[name if name not in found else f"{name}-{d.name}"] = int(d.name)
    return found


def profile_brygge(brygge: Server, conns: int, threads: int, duration: float, outdir: Path,
                   procs: list[Any]) -> dict[str, Any]:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        raise SystemExit("bench: --profile needs py-spy (pip install py-spy into the venv)")
    assert brygge.proc is not None
    pids = child_pids(brygge.proc.pid)
    outdir.mkdir(parents=True, exist_ok=True)
    spies = []
    for name in ("router", "executor"):
        if name not in pids:
            continue
        # raw = collapsed stacks, one line per stack with its sample count (greppable,
        # and flamegraph.pl / speedscope read it)
        path = outdir / f"{name}.txt"
        argv = [spy, "record", "-p", str(pids[name]), "-r", "200", "-d", str(int(duration)),
                "-f", "raw", "-o", str(path), "--threads", "--idle", "--nonblocking"]
        sp = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              preexec_fn=_die_with_parent)
        procs.append(sp)
        spies.append((name, path, sp))
    time.sleep(1.0)  # let py-spy attach before the load starts
    res = run_wrk(brygge.url, conns, threads, duration, procs)
    for _name, _path, sp in spies:
        try:
            sp.wait(timeout=60)
        except subprocess.TimeoutExpired:
            sp.kill()
            sp.wait()
        procs.remove(sp)
    res["profiles"] = {name: str(path) for name, path, _ in spies}
    res["pids"] = pids
    return res


# -- main -----------------------------------------------------------------------------------------
def fmt_row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths,
                                                                                    strict=True)))


def table(results: dict[str, dict[str, dict[str, Any]]], levels: list[int]) -> str:
    head = ["conns", "Brygge req/s", "p50 ms", "p99 ms", "localserver req/s", "p50 ms", "p99 ms",
            "req/s ratio B/L", "p50 ratio B/L"]
    rows = [head]
    for c in levels:
        b = results.get("brygge", {}).get(str(c))
        ls = results.get("localserver", {}).get(str(c))

        def cells(r: dict[str, Any] | None) -> list[str]:
            if not r:
                return ["-", "-", "-"]
            return [f"{r['rps']:.0f}", f"{r.get('p50_ms', float('nan')):.2f}",
                    f"{r.get('p99_ms', float('nan')):.2f}"]
        ratio = f"{b['rps'] / ls['rps']:.3f}" if b and ls and ls["rps"] else "-"
        lat = f"{b['p50_ms'] / ls['p50_ms']:.1f}x" if b and ls and ls.get("p50_ms") else "-"
        rows.append([str(c), *cells(b), *cells(ls), ratio, lat])
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [fmt_row(r, widths) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run (10)")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up load per server (3)")
    ap.add_argument("--concurrency", default="1,8,32", help="wrk connections, comma separated")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads (capped at connections)")
    ap.add_argument("--only", choices=("brygge", "localserver"), help="benchmark one side only")
    ap.add_argument("--profile", action="store_true",
                    help="after the runs, py-spy the Brygge router and executor under load")
    ap.add_argument("--profile-concurrency", type=int, default=8)
    ap.add_argument("--start-timeout", type=float, default=240.0,
                    help="seconds to wait for a server (the first npx run downloads the CLI)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, data dir)")
    a = ap.parse_args()
    levels = [int(x) for x in a.concurrency.split(",") if x.strip()]

    need("wrk", "install it (Debian: apt-get install -y wrk)")
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
    results: dict[str, dict[str, dict[str, Any]]] = {}
    report: dict[str, Any] = {
        "benchmark": "http_hello", "timestamp": stamp, "request": f"GET {PATH}",
        "machine": machine_info(),
        "params": {"duration_s": a.duration, "warmup_s": a.warmup, "concurrency": levels,
                   "threads": a.threads, "cli": CLI_SPEC, "app": APP_PACKAGE["dependencies"]},
        "results": results,
    }
    code = 0
    try:
        if a.only != "localserver":
            data, port = work / "brygge-data", free_port()
            servers["brygge"] = Server(
                "brygge", [str(brygge_bin), "up", "--data-dir", str(data), "--http-port",
                           str(port), "--admin-port", str(free_port()), "--app", str(APP_DIR)],
                cwd=ROOT, log=work / "brygge.log", port=port)
        if a.only != "brygge":
            app = prepare_localserver_app(work, npm_env)
            port = free_port()
            servers["localserver"] = Server(
                "localserver", ["npx", "--yes", CLI_SPEC, "localserver", "--port", str(port)],
                cwd=app, log=work / "localserver.log", port=port, env=npm_env)
        for s in servers.values():
            say(f"starting {s.name}: {' '.join(s.argv)}")
            s.start()
        for s in servers.values():
            waited = s.wait_ready(a.start_timeout)
            say(f"{s.name} answers {s.url} (after {waited:.1f}s)")
            report.setdefault("startup_s", {})[s.name] = round(waited, 2)

        for name, s in servers.items():
            if a.warmup > 0:
                say(f"warm-up {name}: {a.warmup:g}s at 8 connections")
                run_wrk(s.url, 8, a.threads, a.warmup, procs)
            for c in levels:
                say(f"{name}: wrk {a.duration:g}s at {c} connection(s)")
                r = run_wrk(s.url, c, a.threads, a.duration, procs)
                if r["non_2xx"] or r["socket_errors"]:
                    say(f"  warning: {r['non_2xx']} non-2xx, {r['socket_errors']} socket errors")
                results.setdefault(name, {})[str(c)] = r
                say(f"  {r['rps']:.0f} req/s, p50 {r.get('p50_ms', 0):.2f} ms, "
                    f"p99 {r.get('p99_ms', 0):.2f} ms")

        if a.profile and "brygge" in servers:
            pdir = RESULTS / f"http_hello-{stamp}-profile"
            say(f"profiling Brygge at {a.profile_concurrency} connections -> {pdir}")
            report["profile"] = profile_brygge(servers["brygge"], a.profile_concurrency,
                                               a.threads, a.duration, pdir, procs)

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
        if results:
            RESULTS.mkdir(parents=True, exist_ok=True)
            out = RESULTS / f"http_hello-{stamp}.json"
            out.write_text(json.dumps(report, indent=2) + "\n")
            say(f"results written to {out.relative_to(ROOT)}")
        if a.keep or code:
            say(f"logs and data kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    return code


if __name__ == "__main__":
    sys.exit(main())
