"""Resolving module specifiers for deployed apps, shared by the sandbox and `brygge deploy`:
Node's resolution algorithm over a small virtual file system, the upload under /app,
the npm packages the runtime vendors (sandbox/vendor) under /vendor, and each file's
format. The module system of one instance is sandbox/modules.py; packing an app folder
and the bundle check's scan are sandbox/module_pack.py."""

from __future__ import annotations

import functools
import json
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sandbox.jsscan import MAYBE_ESM, scan
from sandbox.module_outside import OutsideRefused, disk_path, from_rel, is_outside, to_rel

APP = "/app"
VENDOR = "/vendor"
VENDOR_DIR = Path(__file__).resolve().parent / "vendor"

# Node 20's require('module').builtinModules, without the internal _underscore ones.
CORE_MODULES = frozenset("""
assert assert/strict async_hooks buffer child_process cluster console constants crypto dgram
diagnostics_channel dns dns/promises domain events fs fs/promises http http2 https inspector
inspector/promises module net os path path/posix path/win32 perf_hooks process punycode
querystring readline readline/promises repl stream stream/consumers stream/promises stream/web
string_decoder sys timers timers/promises tls trace_events tty url util util/types v8 vm wasi
worker_threads zlib""".split())
# npm names the runtime implements itself; they win over the upload's node_modules.
RUNTIME_PACKAGES = frozenset({"node-fetch"})
CODEHOOKS = "codehooks-js"  # built in, but the app's own copy in node_modules wins
# What the official CLI's webpack config leaves as `require("<name>")` (spec §2.15).
CLI_EXTERNALS = frozenset("""
@grpc/proto-loader ajv async aws-sdk axios crc-32 cron-parser debug fast-sort form-data
google-auth-library googleapis grpc jsonwebtoken lodash mongodb mongodb-2 mongodb-3 mongodb-4
mongodb-5 nanoid node-cron node-fetch node-geocoder openid-client passport-jwt query-to-mongo
remarkable request sift stripe xml2js yup""".split())


def _vendored() -> frozenset[str]:
    try:
        deps = json.loads((VENDOR_DIR / "package.json").read_text())["dependencies"]
    except (OSError, ValueError, KeyError):
        return frozenset()
    return frozenset(deps)


# Whitelisted packages the runtime ships (sandbox/vendor/package.json; node_modules is not
# committed: `python -m sandbox.modules vendor` installs it in a source tree, setup.py puts it
# in the wheel). The other
# whitelisted names (mongodb, aws-sdk, googleapis, grpc, ...) need native code,
# sockets or the file system: a bundle requiring them is refused at deploy.
VENDORED = _vendored()
TEXT_EXTS = (".txt", ".html", ".htm", ".css", ".hbs")
_FILE_EXTS = ("", ".js", ".mjs", ".cjs", ".ts", ".json")
_INDEX_FILES = ("index.js", "index.mjs", "index.cjs", "index.ts", "index.json")


def runtime_provides(name: str) -> bool:
    """Bare names an app may import without shipping them (deploy-time check)."""
    base = name[5:] if name.startswith("node:") else name
    return (base in CORE_MODULES or base in RUNTIME_PACKAGES or base == CODEHOOKS
            or package_name(base) in VENDORED)


def package_name(spec: str) -> str:
    parts = spec.split("/")
    return "/".join(parts[:2]) if spec.startswith("@") else parts[0]


def vendor_installed() -> bool:
    return (VENDOR_DIR / "node_modules").is_dir()


# -- the file systems resolution runs over ----------------------------------------------------

class FS(Protocol):
    def read(self, path: str) -> str | None: ...
    def is_file(self, path: str) -> bool: ...
    def is_dir(self, path: str) -> bool: ...


@functools.lru_cache(maxsize=8192)
def _vendor_read(path: str) -> str | None:
    p = VENDOR_DIR / path
    try:
        return p.read_text(encoding="utf-8") if p.is_file() else None
    except (OSError, UnicodeDecodeError):
        return None


@functools.lru_cache(maxsize=8192)
def _vendor_is_dir(path: str) -> bool:
    return (VENDOR_DIR / path).is_dir()


class UploadFS:
    """The upload (a dict of relative path → text) under /app, the vendored packages
    (read-only, from disk) under /vendor."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files
        self.dirs = {APP}
        for p in files:
            d = posixpath.dirname(p)
            while d and f"{APP}/{d}" not in self.dirs:
                self.dirs.add(f"{APP}/{d}")
                d = posixpath.dirname(d)

    def read(self, path: str) -> str | None:
        if path.startswith(APP + "/"):
            return self.files.get(path[len(APP) + 1:])
        if path.startswith(VENDOR + "/node_modules/") and ".." not in path:
            return _vendor_read(path[len(VENDOR) + 1:])
        return None

    def is_file(self, path: str) -> bool:
        if path.startswith(APP + "/"):
            return path[len(APP) + 1:] in self.files
        return self.read(path) is not None

    def is_dir(self, path: str) -> bool:
        if path == APP or path.startswith(APP + "/"):
            return path in self.dirs
        return path.startswith(VENDOR + "/node_modules") and ".." not in path \
            and _vendor_is_dir(path[len(VENDOR) + 1:])


class DiskFS:
    """An app folder on disk under /app (for `brygge deploy`); remembers what it read."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.read_paths: set[str] = set()

    def _real(self, path: str) -> Path | None:
        rel = to_rel(APP, path)
        if rel is None:
            return None
        if rel == ".." or rel.startswith("../"):  # a file beside the folder (module_outside.py)
            return None if "node_modules" in rel.split("/") else disk_path(self.root, rel)
        return self.root / path[len(APP) + 1:]

    def read(self, path: str) -> str | None:
        p = self._real(path)
        if p is None or not p.is_file():
            return None
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        self.read_paths.add(path)
        return text

    def is_file(self, path: str) -> bool:
        p = self._real(path)
        return p is not None and p.is_file()

    def is_dir(self, path: str) -> bool:
        p = self._real(path)
        return p is not None and p.is_dir()


# -- resolution ----------------------------------------------------------------------------------

class ResolveError(Exception):
    def __init__(self, message: str, code: str = "MODULE_NOT_FOUND") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Resolved:
    path: str = ""  # a file (absolute virtual path) ...
    builtin: str = ""  # ... or a module the guest runtime provides


def _conditions(kind: str) -> tuple[str, ...]:
    # Node's own set: what the official runtime (Node) would pick. Not "worker" or
    # "browser": stripe's worker build, for one, refuses a synchronous constructEvent.
    return ("import", "node", "default") if kind == "import" else ("require", "node", "default")


class Resolver:
    def __init__(self, fs: FS) -> None:
        self.fs = fs
        self._pkg_cache: dict[str, dict[str, Any] | None] = {}

    def package_json(self, directory: str) -> dict[str, Any] | None:
        if directory not in self._pkg_cache:
            text = self.fs.read(directory + "/package.json")
            pj = None
            if text is not None:
                try:
                    pj = json.loads(text)
                except ValueError:
                    pj = None
                if not isinstance(pj, dict):
                    pj = {}
            self._pkg_cache[directory] = pj
        return self._pkg_cache[directory]

    def package_scope(self, path: str) -> tuple[str, dict[str, Any]] | None:
        """The nearest package.json above a file: (its directory, its content)."""
        d = posixpath.dirname(path)
        while d not in ("/", ""):
            pj = self.package_json(d)
            if pj is not None:
                return d, pj
            if posixpath.basename(d) == "node_modules":
                return None
            d = posixpath.dirname(d)
        return None

    def resolve(self, spec: str, parent: str, kind: str = "import") -> Resolved:
        """`spec` imported (kind "import") or required by the file `parent` (an absolute
        virtual path; for the app's root pass APP + "/")."""
        if spec.startswith("node:"):
            if spec[5:] not in CORE_MODULES:
                raise ResolveError(f"No such built-in module: {spec}", "ERR_UNKNOWN_BUILTIN_MODULE")
            return Resolved(builtin=spec[5:])
        if spec in CORE_MODULES or spec in RUNTIME_PACKAGES:
            return Resolved(builtin=spec)
        if not spec:
            raise ResolveError("The argument 'id' must be a non-empty string", "ERR_INVALID_ARG_VALUE")
        base = posixpath.dirname(parent)
        if spec.startswith(("./", "../", "/")) or spec in (".", ".."):
            root = VENDOR if parent.startswith(VENDOR + "/") else APP
            if spec.startswith("/"):  # a __dirname-based path, or "/x" meaning the app's root
                raw = spec if spec.startswith(root + "/") else \
                    root + posixpath.normpath("/" + spec.lstrip("/"))
            else:
                raw = posixpath.join(base, spec)
            if root == APP and "/node_modules/" not in parent:
                # the app's own files (and those it uploaded from beside its folder) may
                # import files beside the folder, as webpack bundles them
                try:
                    target = from_rel(APP, to_rel(APP, raw) or "")
                except OutsideRefused as e:
                    raise ResolveError(f"Cannot find module '{spec}': {e}") from None
            else:
                target = posixpath.normpath(raw)
            if target != root and not target.startswith(root + "/"):
                raise ResolveError(f"Cannot find module '{spec}'")
            found = self.load_file(target) or self.load_dir(target, kind)
            if found is None:
                raise ResolveError(f"Cannot find module '{spec}'")
            return Resolved(path=found)
        if is_outside(APP, parent):  # packages and #imports as from the app's own root
            parent = APP + "/"
        if spec.startswith("#"):
            return Resolved(path=self.package_imports(spec, parent, kind))
        return self.resolve_package(spec, parent, kind)

    def resolve_package(self, spec: str, parent: str, kind: str) -> Resolved:
        name = package_name(spec)
        if not name or name.startswith(".") or "\\" in name or "%" in name:
            raise ResolveError(f"Cannot find module '{spec}'")
        sub = "." + spec[len(name):]
        scope = self.package_scope(parent)  # a package may import itself by name
        if scope is not None and scope[1].get("name") == name and "exports" in scope[1]:
            return Resolved(path=self.package_exports(scope[0], sub, scope[1]["exports"], kind, spec))
        roots = [VENDOR] if parent.startswith(VENDOR + "/") else [APP, VENDOR]
        for root in roots:
            if root == VENDOR and name == CODEHOOKS:
                return Resolved(builtin=spec)  # the built-in library (or one of its subpaths)
            d = posixpath.dirname(parent) if parent.startswith(root + "/") else root
            while True:
                if posixpath.basename(d) != "node_modules":
                    pkg = f"{d}/node_modules/{name}"
                    if self.fs.is_dir(pkg):
                        pj = self.package_json(pkg)
                        if pj is not None and "exports" in pj and pj["exports"] is not None:
                            return Resolved(path=self.package_exports(pkg, sub, pj["exports"], kind, spec))
                        target = f"{d}/node_modules/{spec}"
                        found = self.load_file(target) or self.load_dir(target, kind)
                        if found is not None:
                            return Resolved(path=found)
                if d == root:
                    break
                d = posixpath.dirname(d)
        raise ResolveError(f"Cannot find module '{spec}'")

    def load_file(self, path: str) -> str | None:
        for ext in _FILE_EXTS:
            if self.fs.is_file(path + ext):
                return path + ext
        return None

    def load_dir(self, path: str, kind: str) -> str | None:
        pj = self.package_json(path)
        if pj:
            fields = ("module", "main") if kind == "import" else ("main",)
            for f in fields:
                main = pj.get(f)
                if isinstance(main, str) and main:
                    m = posixpath.normpath(posixpath.join(path, main))
                    found = self.load_file(m) or self.load_index(m)
                    if found is not None:
                        return found
        return self.load_index(path)

    def load_index(self, path: str) -> str | None:
        for f in _INDEX_FILES:
            if self.fs.is_file(f"{path}/{f}"):
                return f"{path}/{f}"
        return None

    def package_exports(self, pkg: str, sub: str, exports: Any, kind: str, spec: str) -> str:
        if isinstance(exports, (str, list)) or (
                isinstance(exports, dict) and not any(k.startswith(".") for k in exports)):
            exports = {".": exports}
        if not isinstance(exports, dict):
            raise ResolveError(f"Invalid \"exports\" in {pkg}/package.json",
                               "ERR_INVALID_PACKAGE_CONFIG")
        target = self._match_map(pkg, sub, exports, kind)
        if target is None:
            what = "No \"exports\" main defined" if sub == "." else \
                f"Package subpath '{sub}' is not defined by \"exports\""
            raise ResolveError(f"{what} in {pkg}/package.json", "ERR_PACKAGE_PATH_NOT_EXPORTED")
        if not self.fs.is_file(target):
            raise ResolveError(f"Cannot find module '{target}' (from \"exports\" of "
                               f"{pkg}/package.json for '{spec}')")
        return target

    def package_imports(self, spec: str, parent: str, kind: str) -> str:
        scope = self.package_scope(parent)
        imports = scope[1].get("imports") if scope else None
        if not scope or not isinstance(imports, dict):
            raise ResolveError(f"Cannot find module '{spec}'")
        target = self._match_map(scope[0], spec, imports, kind)
        if target is None or not self.fs.is_file(target):
            raise ResolveError(f"Package import specifier '{spec}' is not defined",
                               "ERR_PACKAGE_IMPORT_NOT_DEFINED")
        return target

    def _match_map(self, pkg: str, key: str, mapping: dict[str, Any], kind: str) -> str | None:
        if key in mapping and "*" not in key:
            return self._target(pkg, mapping[key], "", kind)
        best, best_key = None, ""
        for k in mapping:
            star = k.find("*")
            if star >= 0 and k.count("*") == 1:
                pre, post = k[:star], k[star + 1:]
                if key.startswith(pre) and key != pre and key.endswith(post) \
                        and len(key) >= len(k) and len(pre) > len(best_key.split("*")[0]):
                    best, best_key = key[len(pre):len(key) - len(post)], k
            elif k.endswith("/") and key.startswith(k) and best is None and len(k) > len(best_key):
                best, best_key = key[len(k):], k  # legacy folder mapping
        if best is None:
            return None
        t = mapping[best_key]
        if best_key.endswith("/") and "*" not in best_key:
            r = self._target(pkg, t, "", kind)
            return None if r is None else r + best
        return self._target(pkg, t, best, kind)

    def _target(self, pkg: str, t: Any, star: str, kind: str) -> str | None:
        if isinstance(t, str):
            if not t.startswith("./"):
                return None
            p = posixpath.normpath(posixpath.join(pkg, t.replace("*", star)))
            return p if p.startswith(pkg + "/") else None
        if isinstance(t, list):
            for x in t:
                r = self._target(pkg, x, star, kind)
                if r is not None:
                    return r
            return None
        if isinstance(t, dict):
            conds = _conditions(kind)
            for k, v in t.items():
                if k in conds:
                    r = self._target(pkg, v, star, kind)
                    if r is not None:
                        return r
        return None

    # -- formats --------------------------------------------------------------------------
    def format_of(self, path: str, source: str) -> str:
        """esm, cjs, json, text, or ts (TypeScript: ESM or CommonJS once types are stripped)."""
        ext = posixpath.splitext(path)[1]
        if ext == ".mjs":
            return "esm"
        if ext == ".cjs":
            return "cjs"
        if ext == ".json":
            return "json"
        if ext in (".ts", ".mts", ".cts", ".tsx"):
            return "ts"
        if ext in TEXT_EXTS:
            return "text"
        if "/node_modules/" in path:
            scope = self.package_scope(path)
            typ = scope[1].get("type") if scope else None
            if typ == "module":
                return "esm"
            if typ == "commonjs":
                return "cjs"
        if not MAYBE_ESM.search(source):  # most CommonJS never says either word
            return "cjs"
        return "esm" if scan(source).esm else "cjs"


# -- virtual paths and module names ---------------------------------------------------------

def name_of(path: str) -> str:
    """The QuickJS module name (and guest module id) of a file: upload paths stay
    relative ("lib/a.js", as they appear in stack traces), vendored ones absolute."""
    return path[len(APP) + 1:] if path.startswith(APP + "/") else path


def path_of(name: str) -> str:
    if name.startswith(VENDOR + "/"):
        return name
    if name.startswith(("brygge:", "builtin:")) or not name:
        return APP + "/"
    return f"{APP}/{name.lstrip('/')}"


# -- the vendored npm packages -----------------------------------------------------------------

def install_vendor(directory: Path = VENDOR_DIR) -> None:
    """npm ci the vendored set (sandbox/npm_vendor.py; a build step, not run time)."""
    from sandbox.npm_vendor import npm_ci
    npm_ci(directory)
    _vendor_read.cache_clear()
    _vendor_is_dir.cache_clear()
