"""Shared helpers for the storage benchmarks (bench/storage_bench.py, bench/storage_http_bench.py):
a deterministic generator of realistic documents, latency statistics and table printing."""

from __future__ import annotations

import math
import os
import platform
import random
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"

CITIES = [
    "Oslo", "Bergen", "Trondheim", "Stavanger", "Tromsø", "Drammen", "Fredrikstad", "Kristiansand",
    "Sandnes", "Sarpsborg", "Skien", "Ålesund", "Sandefjord", "Haugesund", "Tønsberg", "Moss",
    "Porsgrunn", "Bodø", "Arendal", "Hamar", "Larvik", "Halden", "Lillehammer", "Harstad",
    "Molde", "Kongsberg", "Gjøvik", "Horten", "Mo i Rana", "Alta", "Narvik", "Kristiansund",
    "Stockholm", "Gothenburg", "Malmö", "Uppsala", "Copenhagen", "Aarhus", "Odense", "Aalborg",
    "Helsinki", "Espoo", "Tampere", "Turku", "Reykjavik", "Berlin", "Hamburg", "London",
    "Amsterdam", "Paris",
]
assert len(CITIES) == 50
FIRST = ["Ada", "Bjørn", "Camilla", "David", "Eva", "Frode", "Guro", "Håkon", "Ingrid", "Jonas",
         "Kari", "Lars", "Maja", "Nils", "Ola", "Pia", "Rune", "Siri", "Tor", "Una", "Vidar",
         "Wenche", "Ylva", "Øystein", "Åse"]
LAST = ["Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
        "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen",
        "Johannessen", "Andreassen", "Jacobsen", "Dahl"]
TAGS = ["admin", "beta", "vip", "newsletter", "trial", "churned", "mobile", "desktop", "eu", "us",
        "nordic", "partner", "staff", "student", "pro", "free", "team", "solo", "api", "ui"]
AGE_MIN, AGE_MAX = 18, 97  # 80 distinct ages
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def make_docs(n: int, seed: int = 42, start: int = 0) -> Iterator[dict[str, Any]]:
    """n documents of a realistic shape (no _id: the store assigns it), ~200 bytes of JSON each."""
    rnd = random.Random(seed + start)
    for i in range(start, start + n):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        yield {
            "name": f"{first} {last}",
            "age": rnd.randint(AGE_MIN, AGE_MAX),
            "city": rnd.choice(CITIES),
            "email": f"{first.lower()}.{last.lower()}{i}@example.com",
            "tags": rnd.sample(TAGS, rnd.randint(1, 4)),
            "created": (EPOCH + timedelta(seconds=rnd.randrange(5 * 365 * 86400)))
            .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }


def batches(n: int, size: int, seed: int = 42) -> Iterator[list[dict[str, Any]]]:
    done = 0
    while done < n:
        k = min(size, n - done)
        yield list(make_docs(k, seed, done))
        done += k


def pct(sorted_vals: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_vals:
        return float("nan")
    i = max(0, min(len(sorted_vals) - 1, math.ceil(p / 100 * len(sorted_vals)) - 1))
    return sorted_vals[i]


def lat_stats(samples_s: list[float]) -> dict[str, float]:
    """Latency summary in ms plus ops/s (sequential: 1 / mean)."""
    v = sorted(samples_s)
    mean = sum(v) / len(v)
    return {"n": len(v), "p50_ms": pct(v, 50) * 1e3, "p99_ms": pct(v, 99) * 1e3,
            "mean_ms": mean * 1e3, "max_ms": v[-1] * 1e3, "ops_s": 1 / mean if mean else 0.0}


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for j, r in enumerate(rows):
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                             for i, (c, w) in enumerate(zip(r, widths, strict=True))))
        if j == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _cmd(argv: list[str]) -> str:
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30, cwd=ROOT)
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
    try:
        load = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        load = []
    return {"nproc": os.cpu_count(), "cpu_model": cpu, "python": platform.python_version(),
            "kernel": platform.release(), "loadavg_before": load,
            "brygge_commit": _cmd(["git", "rev-parse", "--short", "HEAD"]),
            "brygge_dirty": bool(_cmd(["git", "status", "--porcelain", "--", ".", ":!bench",
                                       ":!docs"]))}


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# -- machine load: other work on a 2-CPU machine skews every number ---------------------------------
_CLK = os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = f[3] + (f[4] if len(f) > 4 else 0)
    return (sum(f) - idle) / _CLK, sum(f) / _CLK


def busy_fraction(seconds: float = 1.0) -> float:
    """Share of all CPUs busy with other processes over the next `seconds` (this process's
    own threads, e.g. RocksDB compaction, are not counted)."""
    b0, t0 = machine_busy()
    c0 = time.process_time()
    time.sleep(seconds)
    b1, t1 = machine_busy()
    own = time.process_time() - c0
    return max(0.0, (b1 - b0 - own) / max(t1 - t0, 1e-9))


def wait_quiet(max_wait: float, say: Callable[[str], None], threshold: float = 0.15) -> float:
    """Wait (up to max_wait s) until the machine is nearly idle; return the last busy share."""
    if max_wait <= 0:
        return -1.0
    deadline = time.monotonic() + max_wait
    busy = busy_fraction(0.5)
    warned = False
    while busy > threshold and time.monotonic() < deadline:
        if not warned:
            say(f"  machine is {busy:.0%} busy with other work: waiting up to {max_wait:.0f}s")
            warned = True
        busy = busy_fraction(2.0)
    if busy > threshold:
        say(f"  warning: machine still {busy:.0%} busy with other work; measuring anyway")
    return busy


class Background:
    """Share of the machine's CPUs used by *other* processes while a block ran (machine busy
    time minus this process's CPU time, RocksDB's threads included); 0.5 on 2 CPUs = one core."""

    def __enter__(self) -> Background:
        self.m0, self.c0 = machine_busy(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        m1, c1 = machine_busy(), time.process_time()
        total = max(m1[1] - self.m0[1], 1e-9)
        self.share = max(0.0, (m1[0] - self.m0[0] - (c1 - self.c0)) / total)
