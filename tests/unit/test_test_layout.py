"""The suite's own layout: every test module sits in one of the five tier folders, and
no module of tests/ imports a test module (shared harness lives in tests/support/)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
TIERS = ("unit", "sandbox", "compat", "integration", "reliability")


def imported_modules(path: Path, root: Path = TESTS.parent) -> list[str]:
    """Every module `path` (under `root`, the import root) imports, lazy imports
    included, as dotted names."""
    out: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the file's package
                pkg = path.relative_to(root).parent.parts
                base = ".".join([*pkg[:len(pkg) - node.level + 1], *([base] if base else [])])
            out.append(base)
            out += [f"{base}.{a.name}" for a in node.names]  # `from tests.x import test_y`
    return out


def test_every_test_module_is_in_a_tier_folder() -> None:
    misplaced = [str(p.relative_to(TESTS)) for p in TESTS.rglob("test_*.py")
                 if ".cache" not in p.parts
                 and (p.parent.name not in TIERS or p.parent.parent != TESTS)]
    assert not misplaced, f"test modules outside tests/{{{','.join(TIERS)}}}/: {misplaced}"


def test_no_module_imports_a_test_module() -> None:
    bad = []
    for p in TESTS.rglob("*.py"):
        if ".cache" in p.parts:
            continue
        for mod in imported_modules(p):
            if mod.split(".")[0] == "tests" and any(
                    part.startswith("test_") for part in mod.split(".")):
                bad.append(f"{p.relative_to(TESTS)} imports {mod}")
    assert not bad, bad


def test_the_checks_see_what_they_look_for(tmp_path: Path) -> None:
    """The import walk finds absolute, relative and lazy imports of a test module."""
    probe = tmp_path / "tests" / "sandbox" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("from . import test_x\n"
                     "def f():\n    from tests.unit.test_y import z\n    import tests.compat.test_w\n")
    found = imported_modules(probe, tmp_path)
    assert {"tests.sandbox.test_x", "tests.unit.test_y", "tests.compat.test_w"} <= set(found)
