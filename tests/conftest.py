"""Suite-wide pytest hooks.

The suite runs on three pytest-xdist workers (scripts/test.sh: `-n 3`): most of its time
is spent waiting on real nodes (process start-up, NATS, cron ticks), so two modules at a
time nearly halve the wall time on two cores. Work is handed out a module at a time, so
a module-scoped node is started once, in one worker, and a module's tests keep their
order. Modules that drive the official `coho` CLI share its install and its login config
under tests/.cache/coho, so they form one unit and never run at the same time.

Tiers, one folder each: unit/ (pure Python, no processes), sandbox/ (real wasm),
compat/ (the official coho CLI, real npm packages, codehooks-js compared with the
built-in), integration/ (real nodes over HTTP/NATS), reliability/ (crash, kill, restart,
noisy neighbour). Shared harness is in support/; tests/unit/test_test_layout.py keeps it so.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

# Every node the suite starts maps one compiled guest instead of compiling its own (about
# a second of CPU per node start; brygge/settings.py `wasm_cache_dir`). The file name is
# the hash of the wasm and the engine config: a changed guest compiles anew.
os.environ.setdefault("BRYGGE_WASM_CACHE_DIR",
                      str(Path(__file__).resolve().parent / ".cache" / "wasm"))

SHARED_UNITS = {
    # tests/.cache/coho: one npm install, one coho config (its stored login token)
    "coho": ("compat/test_official_cli.py", "compat/test_official_cli_adm.py",
             "compat/test_official_cli_gql.py", "compat/test_cli_data.py",
             "compat/test_adm_utf8.py"),
}


def unit_of(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    tail = "/".join(path.split("/")[-2:])  # tier folder and file name
    for unit, files in SHARED_UNITS.items():
        if tail in files:
            return unit
    return path


def pytest_xdist_make_scheduler(config: Any, log: Any) -> Any:
    # xdist's own loadgroup relies on rewriting node ids, which pytest 9 ignores; a
    # loadscope scheduler with our notion of scope does the same, robustly
    from xdist.scheduler import LoadScopeScheduling

    class ModuleUnits(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)

    return ModuleUnits(config, log)
