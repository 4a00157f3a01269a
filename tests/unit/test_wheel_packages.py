"""Every Python package of the source tree is in the wheel: pyproject.toml names the
packages setuptools includes one by one, so a new package left out of that list builds
a wheel whose `brygge up` fails with ModuleNotFoundError (what
tests/integration/test_packaged_install.py finds the slow way)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_is_listed_for_the_wheel() -> None:
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(conf["tool"]["setuptools"]["packages"]["find"]["include"])
    roots = conf["tool"]["importlinter"]["root_packages"]
    found = {str(p.parent.relative_to(ROOT)).replace("/", ".")
             for r in roots for p in (ROOT / r).rglob("__init__.py")
             if "node_modules" not in p.parts}
    assert found - listed == set(), "packages missing from pyproject.toml's include list"
