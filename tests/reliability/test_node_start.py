"""control_plane/cli/supervisor.py: a component that crashes while starting is started again;
one that exits with a status (bad config, busy port) fails the node at once."""

from __future__ import annotations

import io
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from brygge.settings import Settings
from control_plane.cli.supervisor import Child, Node, NodeError

# Aborts (SIGABRT, as a native library's assertion would) until it has run `n` times.
FLAKY = """
import os, pathlib, signal, sys, time
p = pathlib.Path(sys.argv[1]); runs = int(p.read_text() or 0) + 1 if p.exists() else 1
p.write_text(str(runs))
if runs < int(sys.argv[2]):
    os.kill(os.getpid(), signal.SIGABRT)
pathlib.Path(sys.argv[3]).touch()
time.sleep(60)
"""


def node(tmp: Path) -> tuple[Node, io.StringIO]:
    out = io.StringIO()
    n = Node(replace(Settings(), data_dir=str(tmp / "data"), start_timeout_s=20), out)
    (tmp / "data" / "logs").mkdir(parents=True)
    return n, out


def child(tmp: Path, crash_runs: int, argv: list[str] | None = None) -> Child:
    ready = tmp / "ready"
    return Child("flaky", argv or [sys.executable, "-c", FLAKY, str(tmp / "runs"),
                                   str(crash_runs), str(ready)], ready.exists)


def test_crash_while_starting_is_retried(tmp_path: Path) -> None:
    n, out = node(tmp_path)
    c = child(tmp_path, crash_runs=3)  # aborts twice, starts the third time
    try:
        n.start_child(c)
        assert (tmp_path / "runs").read_text() == "3"
        assert out.getvalue().count("starting it again") == 2
    finally:
        if c.proc:
            c.proc.kill()


def test_crashing_every_time_gives_up(tmp_path: Path) -> None:
    n, _ = node(tmp_path)
    c = child(tmp_path, crash_runs=99)
    with pytest.raises(NodeError, match="exited with code -6 while starting"):
        n.start_child(c, attempts=2)
    assert (tmp_path / "runs").read_text() == "2"


def test_exit_with_a_status_is_not_retried(tmp_path: Path) -> None:
    n, out = node(tmp_path)
    c = child(tmp_path, 0, [sys.executable, "-c", "import sys; print('port busy'); sys.exit(1)"])
    with pytest.raises(NodeError, match="exited with code 1 while starting: port busy"):
        n.start_child(c)
    assert "starting it again" not in out.getvalue()
