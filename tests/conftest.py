"""Suite-wide pytest hooks.

The suite runs on three pytest-xdist workers (scripts/test.sh: `-n 3`): most of its time
is spent waiting on real nodes (process start-up, NATS, cron ticks), so two modules at a
time nearly halve the wall time on two cores. Work is handed out a module at a time (a
module parametrized by executor transport: one transport's half at a time), so a
module-scoped node is started once, in one worker, and a module's tests keep their
order; the longest units go first. Modules that drive the official `coho` CLI share its
npm install under tests/.cache/coho (installed once, under a file lock) and nothing else.

Tiers, one folder each: unit/ (pure Python, no processes), sandbox/ (real wasm),
compat/ (the official coho CLI, real npm packages, codehooks-js compared with the
built-in), integration/ (real nodes over HTTP/NATS), reliability/ (crash, kill, restart,
noisy neighbour). Shared harness is in support/; tests/unit/test_test_layout.py keeps it so.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

# Every node the suite starts maps one compiled guest instead of compiling its own (about
# a second of CPU per node start; brygge/settings.py `wasm_cache_dir`). The file name is
# the hash of the wasm and the engine config: a changed guest compiles anew.
os.environ.setdefault("BRYGGE_WASM_CACHE_DIR",
                      str(Path(__file__).resolve().parent / ".cache" / "wasm"))

# The longest units, in wall seconds under a full run (`./scripts/test.sh --durations=0`,
# summed per unit): they are handed out first, so that the run does not end waiting on one
# of them; every other unit follows, most tests first (xdist's own order). A rough figure
# is enough: only the order matters.
LONGEST = {
    "reliability/test_queue_crash.py[grpc]": 120,
    "reliability/test_queue_crash.py[inprocess]": 115,
    "compat/test_cli_data.py": 115,
    "integration/test_cron.py": 100,
    "compat/test_official_cli_adm.py": 100,
    "integration/test_packaged_install.py": 100,
    "compat/test_official_cli_gql.py": 80,
    "reliability/test_lifecycle.py": 57,
    "integration/test_realtime.py": 56,
    "integration/test_cli_code.py": 51,
    "compat/test_official_cli_accounts.py": 48,
    "integration/test_access_matrix.py": 46,
    "integration/test_project_members.py": 45,
    "integration/test_browser_login.py": 45,
    "compat/test_official_cli.py": 40,
    "integration/test_queue_batches.py": 41,
}
TRANSPORTS = ("inprocess", "grpc")


def unit_of(nodeid: str) -> str:
    """The scheduling unit of a test: its module, or, for a module whose node fixture is
    parametrized by executor transport, the module's tests of one transport (each of its
    nodes is started once either way, and the two halves can run at the same time)."""
    path, _, rest = nodeid.partition("::")
    unit = "/".join(path.split("/")[-2:])  # tier folder and file name
    params = rest.rpartition("[")[2].rstrip("]").split("-") if rest.endswith("]") else []
    transport = next((p for p in params if p in TRANSPORTS), None)
    return f"{unit}[{transport}]" if transport else unit


@pytest.hookimpl(trylast=True)  # after pytest's own grouping by fixture parameter
def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    # Whole units move as blocks (a sort is stable: a unit keeps its tests' order), the
    # longest first; the same order in every worker, as xdist requires.
    sizes: dict[str, int] = {}
    for item in items:
        u = unit_of(item.nodeid)
        sizes[u] = sizes.get(u, 0) + 1
    items.sort(key=lambda item: (-LONGEST.get(unit_of(item.nodeid), 0),
                                 -sizes[unit_of(item.nodeid)], unit_of(item.nodeid)))


def pytest_xdist_make_scheduler(config: Any, log: Any) -> Any:
    # xdist's own loadgroup relies on rewriting node ids, which pytest 9 ignores; a
    # loadscope scheduler with our notion of scope does the same, robustly. Its reorder
    # (most tests first) is off: the collection is in the order wanted (above).
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False

    class ModuleUnits(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)

    return ModuleUnits(config, log)
