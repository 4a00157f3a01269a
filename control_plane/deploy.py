"""Packing an app folder into a deployment artifact and sending it to a node.

`brygge deploy` needs no bundler: it uploads the app's source files and the
sandbox resolves ES module imports itself (relative imports, JSON, and the
built-in `codehooks-js`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

SOURCE_EXTS = {".js", ".mjs", ".cjs", ".json", ".ts", ".html", ".htm", ".hbs", ".txt", ".css"}
SKIP_DIRS = {"node_modules", ".git", ".brygge", ".localserver", "__pycache__"}
MAX_FILE_BYTES = 5 * 1024 * 1024


class DeployFailed(Exception):
    pass


def pack(app_dir: str | Path) -> dict[str, Any]:
    root = Path(app_dir).resolve()
    if not root.is_dir():
        raise DeployFailed(f"{app_dir} is not a directory")
    files: dict[str, str] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if any(part in SKIP_DIRS or part.startswith(".") for part in rel.parts):
            continue
        if not p.is_file() or p.suffix not in SOURCE_EXTS or p.stat().st_size > MAX_FILE_BYTES:
            continue
        try:
            files[rel.as_posix()] = p.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
    entry = next((e for e in ("index.js", "index.mjs", "index.ts") if e in files), None)
    if entry is None:
        raise DeployFailed(f"no index.js in {root}")
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
