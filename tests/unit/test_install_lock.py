"""requirements.lock / requirements-test.lock against pyproject.toml (scripts/check_lock.py),
and sandbox/npm_vendor.py's check that node_modules matches package-lock.json."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import npm_vendor
from tests.support.nodes import ROOT

LOCKS = ("requirements.lock", "requirements-test.lock")


def check_lock(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "check_lock.py"), str(root)],
                          capture_output=True, text=True, timeout=60)


def test_locks_cover_pyproject() -> None:
    r = check_lock(ROOT)
    assert r.returncode == 0, r.stderr


def test_every_pin_is_exact_and_hashed_and_runtime_pins_agree() -> None:
    pins = {}
    for lock in LOCKS:
        text = (ROOT / lock).read_text()
        entries = re.split(r"\n(?=[a-z])", text.split("\n", 2)[2])  # after the uv header
        assert entries and all(re.match(r"[a-z0-9][a-z0-9._\[\],-]*==\S+ \\\n\s+--hash=sha256:", e)
                               for e in entries), lock
        pins[lock] = {e.split(" ")[0] for e in entries}
    assert pins["requirements.lock"] <= pins["requirements-test.lock"]


@pytest.mark.parametrize("edit, named", [
    (lambda s: s.replace('"typer>=0.12",', '"typer>=0.12",\n  "left-pad-py>=1",'),
     "stale lock: requirements.lock does not pin left-pad-py (pyproject.toml: 'left-pad-py>=1')"),
    (lambda s: s.replace('"pytest>=8",', '"pytest>=8", "pytest-random-order>=1",'),
     "stale lock: requirements-test.lock does not pin pytest-random-order"),
    (lambda s: s.replace('"wasmtime==50.0.1"', '"wasmtime==51.0.0"'),
     "stale lock: requirements.lock pins wasmtime==50.0.1, outside pyproject.toml's '==51.0.0'"),
    (lambda s: s.replace('"uvicorn[standard]>=0.30"', '"uvicorn[standard,extra2]>=0.30"'),
     "stale lock: requirements.lock pins uvicorn without the extras [extra2]"),
])
def test_a_dependency_changed_without_a_relock_is_named(tmp_path: Path, edit, named: str) -> None:
    for f in ("pyproject.toml", *LOCKS):
        shutil.copy(ROOT / f, tmp_path / f)
    py = tmp_path / "pyproject.toml"
    before = py.read_text()
    py.write_text(edit(before))
    assert py.read_text() != before  # the edit applied
    r = check_lock(tmp_path)
    assert r.returncode == 1
    assert named in r.stderr
    assert "re-lock with scripts/lock.sh" in r.stderr


def _vendor_dir(tmp: Path, pinned: str, installed: str) -> Path:
    def lock(version: str) -> dict:
        return {"lockfileVersion": 3, "packages": {
            "": {"dependencies": {"lodash": pinned}},
            "node_modules/lodash": {"version": version, "integrity": f"sha512-{version}"}}}
    (tmp / "node_modules" / "lodash").mkdir(parents=True)
    (tmp / "node_modules" / "lodash" / "package.json").write_text("{}")
    (tmp / "package-lock.json").write_text(json.dumps(lock(pinned)))
    (tmp / "node_modules" / ".package-lock.json").write_text(json.dumps(lock(installed)))
    return tmp


def test_vendor_set_is_current_only_when_it_matches_the_lockfile(tmp_path: Path) -> None:
    assert npm_vendor.is_current(_vendor_dir(tmp_path / "same", "4.17.21", "4.17.21"))
    # the lockfile was bumped after npm ci ran: a build must not ship the old set
    assert not npm_vendor.is_current(_vendor_dir(tmp_path / "bumped", "4.17.22", "4.17.21"))
    gone = _vendor_dir(tmp_path / "gone", "4.17.21", "4.17.21")
    shutil.rmtree(gone / "node_modules" / "lodash")
    assert not npm_vendor.is_current(gone)
    never = _vendor_dir(tmp_path / "never", "4.17.21", "4.17.21")
    (never / "node_modules" / ".package-lock.json").unlink()
    assert not npm_vendor.is_current(never)


def test_the_source_trees_vendor_set_is_current() -> None:
    """scripts/test.sh ran `python -m sandbox.npm_vendor --if-stale` before the suite."""
    assert npm_vendor.is_current(), "run: python -m sandbox.npm_vendor --if-stale"
