"""The npm packages the runtime provides to apps (sandbox/vendor): installing them with
`npm ci` from the committed package-lock.json, and telling whether node_modules still
matches that lock. Stdlib only and free of package imports: setup.py loads this file
by path to vendor the set into the wheel at build time (sandbox/module_resolve.py reads it).

Usage: python -m sandbox.npm_vendor [--if-stale]   (--if-stale: only when node_modules
is missing or does not match package-lock.json)
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent / "vendor"
NPM_CI = ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error", "--ignore-scripts"]


class NpmMissing(RuntimeError):
    pass


def _packages(lockfile: Path) -> dict[str, tuple[str, str]]:
    """node_modules path → (version, integrity) of an npm v2/v3 lockfile."""
    try:
        pkgs = json.loads(lockfile.read_text())["packages"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {path: (str(p.get("version")), str(p.get("integrity")))
            for path, p in pkgs.items() if path.startswith("node_modules/")}


def is_current(directory: Path = VENDOR_DIR) -> bool:
    """node_modules holds exactly what package-lock.json pins: npm ci records what it
    installed in node_modules/.package-lock.json, and every package folder is there."""
    wanted = _packages(directory / "package-lock.json")
    if not wanted or _packages(directory / "node_modules" / ".package-lock.json") != wanted:
        return False
    return all((directory / path / "package.json").is_file() for path in wanted)


def npm_ci(directory: Path = VENDOR_DIR) -> None:
    """Install the pinned set (needs npm and the npm registry; a build step, never run
    at request time). --ignore-scripts: no package's install script runs on our machine."""
    npm = shutil.which("npm")
    if npm is None:
        raise NpmMissing("npm not found: the runtime's npm packages (sandbox/vendor/"
                         "package-lock.json) are installed with `npm ci`; install Node.js "
                         "and npm (e.g. apt-get install npm) and retry")
    r = subprocess.run([npm, *NPM_CI[1:]], cwd=directory, capture_output=True, text=True,
                       timeout=900)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(NPM_CI)} failed in {directory}:\n{r.stderr}")


def main(argv: list[str]) -> int:
    if argv not in ([], ["--if-stale"]):
        print(__doc__.split("Usage: ")[1], file=sys.stderr)
        return 2
    if argv and is_current():
        return 0
    try:
        npm_ci()
    except RuntimeError as e:
        print(f"sandbox.npm_vendor: {e}", file=sys.stderr)
        return 1
    print(f"installed the runtime's npm packages in {VENDOR_DIR / 'node_modules'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
