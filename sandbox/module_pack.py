"""Packing an app folder for `brygge deploy` (the files its module graph reaches) and the
scan of a webpack bundle's `require()`s the deploy check runs, over
sandbox/module_resolve.py."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from sandbox.jsscan import scan
from sandbox.module_outside import real_rel
from sandbox.module_resolve import (
    APP,
    TEXT_EXTS,
    DiskFS,
    ResolveError,
    Resolver,
    name_of,
    runtime_provides,
)


class BundleError(Exception):
    pass


_REQUIRES: dict[str, tuple[str, ...]] = {}
_REQUIRES_LOCK = threading.Lock()


def bundle_requires(bundle: str) -> tuple[str, ...]:
    """The `require()` specifiers of a bundle, remembered by content hash: scanning a
    2 MB bundle in Python takes over a second, and the same bundle is checked at deploy
    (Validate) and again by each instance an executor evaluates without a snapshot."""
    key = hashlib.sha256(bundle.encode("utf-8", "surrogatepass")).hexdigest()
    with _REQUIRES_LOCK:
        found = _REQUIRES.get(key)
    if found is None:
        found = tuple(spec for kind, spec in scan(bundle).deps if kind == "require")
        with _REQUIRES_LOCK:
            if len(_REQUIRES) >= 64:
                _REQUIRES.pop(next(iter(_REQUIRES)))
            _REQUIRES[key] = found
    return found


# -- packing an app folder (brygge deploy) -------------------------------------------------------

class PackError(Exception):
    pass


def reachable_files(root: Path, entry: str) -> tuple[list[str], list[str]]:
    """Files the app's module graph reaches from `entry` (relative paths), and the
    package.json files resolution read. Files beside the folder that the app's own code
    imports have upload names under __outside__/ (sandbox/module_outside.py). Raises
    PackError for an import of the app's own code that cannot be found; imports inside
    node_modules that cannot be found are left to run time (packages guard optional
    dependencies with try/catch)."""
    fs = DiskFS(root)
    res = Resolver(fs)
    start = f"{APP}/{entry}"
    seen: set[str] = set()
    todo = [start]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        text = fs.read(path)
        if text is None:
            continue
        if path.endswith(".json") or path.endswith(TEXT_EXTS):
            continue
        own = "/node_modules/" not in path
        for kind, spec in scan(text).deps:
            try:
                r = res.resolve(spec, path, kind)
            except ResolveError as e:
                if not own:
                    continue
                if not spec.startswith((".", "/", "#")) and runtime_provides(spec):
                    continue
                hint = "" if spec.startswith((".", "/", "#")) else \
                    " (not in node_modules: run npm install; the Brygge runtime does not provide it)"
                raise PackError(f"{real_rel(name_of(path))} imports '{spec}': {e}{hint}") from None
            if r.path and r.path.startswith(APP + "/"):
                todo.append(r.path)
    files = sorted(name_of(p) for p in seen if fs.is_file(p))
    pkgs = sorted(name_of(p) for p in fs.read_paths if p.endswith("/package.json"))
    return files, pkgs
