"""Packing an app folder into a deployment artifact and sending it to a node.

`brygge deploy` needs no bundler: it uploads the app's own source files (and its
views, templates and other text assets) plus the files of node_modules that the
module graph reaches from the entry -- not the packages it does not use. The
sandbox resolves imports and requires itself (sandbox/modules.py: the same
resolution runs here to find what to upload).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx

from control_plane.identity.tokens import auth_header
from sandbox.module_outside import OUTSIDE, disk_path, real_rel
from sandbox.module_pack import PackError, reachable_files

SOURCE_EXTS = {".js", ".mjs", ".cjs", ".json", ".ts", ".html", ".htm", ".hbs", ".txt", ".css"}
SKIP_DIRS = {"node_modules", ".git", ".brygge", ".localserver", "__pycache__"}
SKIP_FILES = {"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml"}
MAX_FILE_BYTES = 5 * 1024 * 1024
# Binary (or other non-source) files served by app.static: images, fonts, favicons,
# documents, media. They travel as base64 in the artifact's `assets` field of the upload;
# the control plane stores each one as a content-addressed blob (blob.put: the same file
# in many deployments is stored once) and keeps only {digest, size} in the artifact, so the
# artifact every executor caches and parses stays as small as the code, and the bytes are
# read from storage a range at a time when a request asks for them (op file.asset).
ASSET_EXTS = {
    ".png", ".apng", ".jpg", ".jpeg", ".jpe", ".gif", ".webp", ".avif", ".bmp", ".ico",
    ".tif", ".tiff", ".heic", ".svg", ".svgz", ".woff", ".woff2", ".ttf", ".otf", ".eot",
    ".pdf", ".zip", ".gz", ".tar", ".wasm", ".mp3", ".m4a", ".wav", ".weba", ".oga", ".ogg",
    ".flac", ".mp4", ".m4v", ".webm", ".ogv", ".mov", ".map", ".webmanifest", ".xml",
    ".md", ".csv", ".yaml", ".yml", ".ics", ".vtt", ".jsonld", ".rss", ".atom", ".bin",
    ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".rtf", ".epub",
}


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
    assets: dict[str, str] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if any(part in SKIP_DIRS or part.startswith(".") for part in rel.parts):
            continue
        if not p.is_file() or p.name in SKIP_FILES:
            continue
        suffix = p.suffix.lower()
        text = _read(p, rel.as_posix(), False) if p.suffix in SOURCE_EXTS else None
        if text is not None:
            files[rel.as_posix()] = text
        elif suffix in ASSET_EXTS or p.suffix in SOURCE_EXTS:  # binary, or not UTF-8
            if p.stat().st_size > MAX_FILE_BYTES:
                raise DeployFailed(f"{rel.as_posix()} is larger than {MAX_FILE_BYTES} bytes; "
                                   "put large files in blob storage (brygge files upload)")
            assets[rel.as_posix()] = base64.b64encode(p.read_bytes()).decode()
    if (root / OUTSIDE).exists():
        raise DeployFailed(f"{OUTSIDE} is a reserved name: it holds the files the app imports "
                           "from outside its folder; rename the app's own one")
    entry = find_entry(root)
    try:
        reached, package_files = reachable_files(root, entry)
    except PackError as e:
        raise DeployFailed(str(e)) from None
    for rel_path in (*reached, *package_files):
        if rel_path not in files:
            real = real_rel(rel_path)  # '../datamodel.json' for one beside the folder
            text = _read(disk_path(root, real), real, True)
            assert text is not None
            files[rel_path] = text
    art: dict[str, Any] = {"kind": "source", "entry": entry, "files": files}
    if assets:
        art["assets"] = {k: v for k, v in assets.items() if k not in files}
    return art


def deploy_dir(app_dir: str | Path, admin_url: str, admin_token: str, project: str,
               space: str) -> dict[str, Any]:
    artifact = pack(app_dir)
    outside = [real_rel(f) for f in artifact["files"] if f.startswith(OUTSIDE + "/")]
    try:
        r = httpx.post(f"{admin_url}/v1/projects/{project}/spaces/{space}/deployments",
                       content=json.dumps(artifact), timeout=120,
                       headers={**auth_header(admin_token),
                                "content-type": "application/json"})
    except httpx.HTTPError as e:
        raise DeployFailed(f"cannot reach the admin API at {admin_url}: {e}") from None
    try:
        body = r.json()
    except ValueError:
        raise DeployFailed(f"deploy failed with HTTP {r.status_code}") from None
    if r.status_code >= 300:
        raise DeployFailed(body.get("error") or f"deploy failed with HTTP {r.status_code}")
    if outside:  # for the CLI to say which files came from outside the folder
        body["outside"] = outside
    return body
