"""Packing an app folder into a deployment artifact and sending it to a node.

`brygge deploy` needs no bundler: it uploads the app's own source files (and its
views, templates and other text assets) plus the files of node_modules that the
module graph reaches from the entry -- not the packages it does not use. The
sandbox resolves imports and requires itself (sandbox/modules.py: the same
resolution runs here to find what to upload).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from sandbox.modules import PackError, reachable_files

SOURCE_EXTS = {".js", ".mjs", ".cjs", ".json", ".ts", ".html", ".htm", ".hbs", ".txt", ".css"}
SKIP_DIRS = {"node_modules", ".git", ".brygge", ".localserver", "__pycache__"}
SKIP_FILES = {"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml"}
MAX_FILE_BYTES = 5 * 1024 * 1024


class DeployFailed(Exception):
    pass


def find_entry(root: Path) -> str:
    """index.ts when it exists (as the official CLI does), else index.js, else
    package.json's main, else index.mjs/index.cjs."""
    for e in ("index.ts", "index.js"):
        if (root / e).is_file():
            return e
    try:
        main = json.loads((root / "package.json").read_text()).get("main")
    except (OSError, ValueError, AttributeError):
        main = None
    if isinstance(main, str) and main.strip():
        m = Path(main.strip()).as_posix().lstrip("./") if main.startswith("./") else main.strip()
        if (root / m).is_file() and ".." not in Path(m).parts:
            return m
    for e in ("index.mjs", "index.cjs"):
        if (root / e).is_file():
            return e
    raise DeployFailed(f"no index.ts or index.js in {root}")


def _read(path: Path, rel: str, required: bool) -> str | None:
    if path.stat().st_size > MAX_FILE_BYTES:
        if required:
            raise DeployFailed(f"{rel} is larger than {MAX_FILE_BYTES} bytes")
        return None
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        if required:
            raise DeployFailed(f"{rel} is not UTF-8 text") from None
        return None


def pack(app_dir: str | Path) -> dict[str, Any]:
    root = Path(app_dir).resolve()
    if not root.is_dir():
        raise DeployFailed(f"{app_dir} is not a directory")
    files: dict[str, str] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if any(part in SKIP_DIRS or part.startswith(".") for part in rel.parts):
            continue
        if not p.is_file() or p.suffix not in SOURCE_EXTS or p.name in SKIP_FILES:
            continue
        text = _read(p, rel.as_posix(), False)
        if text is not None:
            files[rel.as_posix()] = text
    entry = find_entry(root)
    try:
        reached, package_files = reachable_files(root, entry)
    except PackError as e:
        raise DeployFailed(str(e)) from None
    for rel_path in (*reached, *package_files):
        if rel_path not in files:
            text = _read(root / rel_path, rel_path, True)
            assert text is not None
            files[rel_path] = text
    return {"kind": "source", "entry": entry, "files": files}


def deploy_dir(app_dir: str | Path, admin_url: str, admin_token: str, project: str,
               space: str) -> dict[str, Any]:
    artifact = pack(app_dir)
    try:
        r = httpx.post(f"{admin_url}/v1/projects/{project}/spaces/{space}/deployments",
                       content=json.dumps(artifact), timeout=120,
                       headers={"x-admintoken": admin_token,
                                "content-type": "application/json"})
    except httpx.HTTPError as e:
        raise DeployFailed(f"cannot reach the admin API at {admin_url}: {e}") from None
    try:
        body = r.json()
    except ValueError:
        raise DeployFailed(f"deploy failed with HTTP {r.status_code}") from None
    if r.status_code >= 300:
        raise DeployFailed(body.get("error") or f"deploy failed with HTTP {r.status_code}")
    return body
