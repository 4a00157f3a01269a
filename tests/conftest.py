"""Suite-wide pytest hooks.

The suite runs on two pytest-xdist workers (scripts/test.sh: `-n 2 --dist loadgroup`):
most of its time is spent waiting on real nodes (process start-up, NATS, cron ticks),
so two modules at once nearly halve the wall time on two cores. Tests are grouped by
module, so a module-scoped node is started once, in one worker. Modules that drive the
official `coho` CLI share its install and its login config under tests/.cache/coho, so
they form one group and never run at the same time.
"""

from __future__ import annotations

import pytest

SHARED_GROUPS = {
    # tests/.cache/coho: one npm install, one coho config (its stored login token)
    "coho": ("test_official_cli.py", "test_official_cli_adm.py", "test_official_cli_gql.py",
             "test_cli_data.py"),
}


def _group(item: pytest.Item) -> str:
    name = item.path.name
    for group, files in SHARED_GROUPS.items():
        if name in files:
            return group
    return str(item.path)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # runs before xdist's own (trylast) hook, which turns the mark into the node id suffix
    # its loadgroup scheduler groups by
    for item in items:
        if not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(_group(item)))
