"""control_plane/cli/supervisor.py puts the source root first on its children's PYTHONPATH
(so `brygge up` run from a bare checkout, as bench --ref does, spawns components of that
same tree): the folder holding control_plane/, storage/, sandbox/, router/."""

from __future__ import annotations

import io
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import control_plane
from brygge.settings import Settings
from control_plane.cli.supervisor import Child, Node

REPORT = """
import os, pathlib, sys, time
tmp = pathlib.Path(sys.argv[1] + ".tmp")  # renamed into place: the check never sees it half written
tmp.write_text(os.environ["PYTHONPATH"].split(os.pathsep)[0])
os.replace(tmp, sys.argv[1])
time.sleep(60)
"""


def probe(tmp_path: Path, data_dir: str, script: str) -> str:
    """What a child the supervisor starts writes out (`script` gets a file to write)."""
    n = Node(replace(Settings(), data_dir=data_dir, start_timeout_s=20), io.StringIO())
    seen = tmp_path / "seen"
    c = Child("probe", [sys.executable, "-c", script, str(seen)], seen.exists)
    try:
        n.start_child(c)
    finally:
        if c.proc:
            c.proc.kill()
    return seen.read_text()


def test_children_get_the_source_root_on_pythonpath(tmp_path: Path) -> None:
    (tmp_path / "data" / "logs").mkdir(parents=True)
    root = Path(probe(tmp_path, str(tmp_path / "data"), REPORT))
    assert root == Path(control_plane.__file__).resolve().parent.parent
    assert (root / "storage").is_dir() and (root / "control_plane" / "cli").is_dir()


DATA_DIR = """
import os, pathlib, sys, time
tmp = pathlib.Path(sys.argv[1] + ".tmp")
tmp.write_text(os.environ["BRYGGE_DATA_DIR"])
os.replace(tmp, sys.argv[1])
time.sleep(60)
"""


def test_children_get_the_data_dir_absolute(tmp_path: Path, monkeypatch: Any) -> None:
    """`brygge up` with the default ./.brygge: children run with the data dir as cwd, so a
    relative BRYGGE_DATA_DIR would name <data dir>/.brygge there (the control plane once
    failed to start on a fresh clone that way)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rel" / "logs").mkdir(parents=True)
    assert Path(probe(tmp_path, "rel", DATA_DIR)) == (tmp_path / "rel").resolve()
