"""Library warnings never reach the terminal of someone running `brygge`
(brygge/quiet_warnings.py), while a developer who asks with -W or PYTHONWARNINGS sees them.
The commands run as a user runs them: the installed `brygge` script, a real node."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.nodes import ROOT, new_node

BRYGGE = Path(sys.executable).parent / "brygge"  # the console script pip installed


@pytest.fixture(autouse=True)
def _no_warning_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTHONWARNINGS", raising=False)
    monkeypatch.delenv("BRYGGE_DEBUG", raising=False)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BRYGGE), *args], capture_output=True, text=True, timeout=120,
                          cwd=str(ROOT), env=dict(os.environ))


def test_brygge_commands_print_no_library_warnings(tmp_path: Path) -> None:
    """`verify` loads sandbox/hostcrypto.py, whose DSA classes make cryptography >= 51 warn:
    without the filter (and hostcrypto's own guard) that warning is on stderr here."""
    for args in (["version"], ["settings"], ["--help"], ["verify", "examples/hello"]):
        r = run(*args)
        assert r.returncode == 0, (args, r.stderr)
        assert "Warning" not in r.stderr, (args, r.stderr)
    node = new_node(tmp_path)
    node.start(app=str(ROOT / "examples" / "hello"))
    try:
        for args in (["deploy", "examples/hello"], ["status"], ["info"]):
            r = run(*args, "--data-dir", str(node.data_dir))
            assert r.returncode == 0, (args, r.stderr)
            assert "Warning" not in r.stderr, (args, r.stderr)
        assert node.get("/dev/hello", headers=node.auth()).status_code == 200
    finally:
        node.stop()
    assert "Warning" not in node.output()  # what `brygge up` printed to its terminal


WARN = ("import brygge.quiet_warnings, warnings; "
        "warnings.warn('old api', DeprecationWarning); warnings.warn('soon', FutureWarning)")


def test_filter_hides_warnings_unless_a_developer_asks(tmp_path: Path) -> None:
    quiet = subprocess.run([sys.executable, "-c", WARN], capture_output=True, text=True,
                           cwd=str(ROOT), timeout=60)
    assert quiet.returncode == 0 and quiet.stderr == ""
    for argv, env in (([sys.executable, "-W", "always", "-c", WARN], {}),
                      ([sys.executable, "-c", WARN], {"PYTHONWARNINGS": "always"}),
                      ([sys.executable, "-c", WARN], {"BRYGGE_DEBUG": "1"})):
        r = subprocess.run(argv, capture_output=True, text=True, cwd=str(ROOT), timeout=60,
                           env={**os.environ, **env})
        assert "FutureWarning: soon" in r.stderr, (argv, env, r.stderr)
