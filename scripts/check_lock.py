"""Checks that requirements.lock and requirements-test.lock still cover pyproject.toml:
every dependency pyproject names (with its extras) is pinned in the lock that installs
it, at a version its range allows. Stdlib only (scripts/test.sh and scripts/up.sh run
it before anything is installed); the range check uses `packaging` when it is importable.

Usage: python3 scripts/check_lock.py [ROOT]   exit 1 naming each stale entry.
       python scripts/check_lock.py --drift    list where this interpreter's installed
                                               packages differ from requirements-test.lock
                                               (what `scripts/test.sh --latest` runs on)
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

_REQ = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?\s*([^;]*?)\s*(?:;.*)?$")
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[([^\]]*)\])?==([^\s;\\]+)")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _extras(text: str | None) -> set[str]:
    return {_norm(e) for e in (text or "").split(",") if e.strip()}


def read_lock(path: Path) -> dict[str, tuple[str, set[str]]]:
    """name → (pinned version, extras) of a uv/pip-compile requirements file."""
    pins: dict[str, tuple[str, set[str]]] = {}
    for line in path.read_text().splitlines():
        m = _PIN.match(line)
        if m:
            pins[_norm(m[1])] = (m[3], _extras(m[2]))
    return pins


def _allows(spec: str, version: str) -> bool:
    if not spec:
        return True
    try:
        from packaging.specifiers import SpecifierSet
    except ImportError:  # before anything is installed: names and extras only
        return True
    return SpecifierSet(spec).contains(version, prereleases=True)


def problems(root: Path) -> list[str]:
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    wanted = {"requirements.lock": list(project.get("dependencies", [])),
              "requirements-test.lock": [*project.get("dependencies", []),
                                         *project.get("optional-dependencies", {}).get("test", [])]}
    out: list[str] = []
    for lock, reqs in wanted.items():
        path = root / lock
        if not path.is_file():
            out.append(f"{lock} is missing")
            continue
        pins = read_lock(path)
        for req in reqs:
            m = _REQ.match(req)
            if not m:
                out.append(f"pyproject.toml: cannot read the requirement {req!r}")
                continue
            name, extras, spec = _norm(m[1]), _extras(m[2]), m[3].strip()
            if name not in pins:
                out.append(f"{lock} does not pin {m[1]} (pyproject.toml: {req!r})")
                continue
            version, locked_extras = pins[name]
            if not extras <= locked_extras:
                out.append(f"{lock} pins {m[1]} without the extras "
                           f"[{','.join(sorted(extras - locked_extras))}] pyproject.toml asks for")
            if not _allows(spec, version):
                out.append(f"{lock} pins {m[1]}=={version}, outside pyproject.toml's {spec!r}")
    return out


def drift(root: Path) -> list[str]:
    from importlib import metadata
    out = []
    for name, (locked, _) in sorted(read_lock(root / "requirements-test.lock").items()):
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            have = "not installed"
        if have != locked:
            out.append(f"{name}: locked {locked}, running {have}")
    return out


def main(argv: list[str]) -> int:
    if argv[:1] == ["--drift"]:
        root = Path(argv[1]) if argv[1:] else Path(__file__).resolve().parent.parent
        lines = drift(root)
        print("newest allowed versions differing from requirements-test.lock:"
              if lines else "the newest allowed versions are the locked ones")
        for line in lines:
            print(f"  {line}")
        return 0
    root = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent
    found = problems(root)
    for p in found:
        print(f"stale lock: {p}", file=sys.stderr)
    if found:
        print("re-lock with scripts/lock.sh and commit requirements*.lock", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
