"""Module loading for deployed apps, shared by the sandbox and `brygge deploy`.

Node's resolution algorithm over a small virtual file system: the upload lives
under /app, the npm packages the runtime vendors (sandbox/vendor) under /vendor.
QuickJS's own loader only knows ES modules, so this module also decides each
file's format and hands QuickJS an ES module for every kind of file: CommonJS
files get a facade that `require`s them inside the guest (sandbox/js/runtime.js
evaluates their source in a function wrapper, synchronously, with Node's cache
and cycle semantics), JSON and text assets a default export, built-ins a facade
over the guest's built-in table.

Where Node and webpack disagree, webpack wins for the app's own code: apps were
written for the official CLI, which bundles with webpack. So `.js` files outside
node_modules are ES modules when they contain import/export syntax whatever
package.json says; ESM importing CommonJS gets `default` = `exports.default` when
the module sets `__esModule` (babel/TypeScript interop); named imports of
CommonJS modules work for every name some ES module in the upload imports, not
only for names a static scan finds; `require` works inside ES modules; and
`assert {type: 'json'}` is accepted. Inside node_modules, package.json `type`
decides, as in Node.
"""

from __future__ import annotations

import functools
import hashlib
import json
import posixpath
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sandbox.hosterror import host_error
from sandbox.jsscan import CJS_FREE, IDENT, MAYBE_ESM, scan

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


# JavaScript scanning lives in sandbox/jsscan.py.

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
        if path != APP and not path.startswith(APP + "/"):
            return None
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
                target = posixpath.normpath(spec if spec.startswith(root + "/")
                                            else root + "/" + spec.lstrip("/"))
            else:
                target = posixpath.normpath(posixpath.join(base, spec))
            if target != root and not target.startswith(root + "/"):
                raise ResolveError(f"Cannot find module '{spec}'")
            found = self.load_file(target) or self.load_dir(target, kind)
            if found is None:
                raise ResolveError(f"Cannot find module '{spec}'")
            return Resolved(path=found)
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


# -- the module system of one app instance ----------------------------------------------------

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


def _js_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _export_names(names: set[str] | list[str]) -> list[str]:
    return sorted(n for n in set(names) if n != "default" and n != "__esModule" and IDENT.match(n))


def _facade(load: str, names: list[str], interop: bool) -> str:
    """An ES module standing for a CommonJS module (or a built-in): `default` and one
    named export per name, read from module.exports once it has been evaluated."""
    lines = [f"const __m = {load};"]
    if interop:  # babel/TypeScript __esModule interop, as webpack does it
        lines.append("export default (__m && __m.__esModule && 'default' in __m) ? __m.default : __m;")
    else:
        lines.append("export default __m;")
    for k, name in enumerate(names):
        lines.append(f"const __n{k} = __m == null ? undefined : __m[{_js_str(name)}];")
    if names:
        lines.append("export { " + ", ".join(f"__n{k} as {name}" for k, name in enumerate(names))
                     + " };")
    return "\n".join(lines) + "\n"


class ModuleSystem:
    """Resolution and loading for one AppInstance: the QuickJS module loader
    (`esm_module`) and the host side of the guest's require() (`host_call`)."""

    def __init__(self, files: dict[str, str], builtin_sources: dict[str, str],
                 strip_types: Callable[[str, str], str]) -> None:
        self.files = files
        self.fs = UploadFS(files)
        self.resolver = Resolver(self.fs)
        self.builtin_sources = builtin_sources  # ES-module built-ins (codehooks-js)
        self.strip_types = strip_types
        self.errors: list[str] = []
        self.guest_call: Callable[[str, str], str | None] | None = None  # set by the instance
        self.guest_eval_module: Callable[[str, str], str] | None = None  # "" or an error reply
        self._requested: dict[str, set[str]] | None = None
        self._sources: dict[str, tuple[str, str]] = {}  # path -> (format, prepared source)

    # -- sources -------------------------------------------------------------------------
    def prepared(self, path: str) -> tuple[str, str]:
        """(format, source): TypeScript stripped, hashbang blanked; fmt esm/cjs/json/text."""
        got = self._sources.get(path)
        if got is not None:
            return got
        src = self.fs.read(path)
        if src is None:
            raise ResolveError(f"Cannot find module '{name_of(path)}'")
        fmt = self.resolver.format_of(path, src)
        if fmt == "ts":
            src = self.strip_types(name_of(path), src)
            fmt = "cjs" if path.endswith(".cts") else "esm" if scan(src).esm or \
                path.endswith(".mts") else "cjs"
        if src.startswith("#!"):
            src = "//" + src[2:]
        self._sources[path] = (fmt, src)
        return fmt, src

    def builtin_keys(self, name: str) -> list[str]:
        if self.guest_call is None:
            return []
        try:
            return _export_names(json.loads(self.guest_call("__brygge_module_keys", name) or "[]"))
        except (ValueError, TypeError):
            return []

    def requested_names(self, path: str) -> set[str]:
        """Names the upload's ES modules import from `path` (a CommonJS file, or
        "builtin:<name>")."""
        if self._requested is None:
            self._requested = _requested_map(self.files)
        return self._requested.get(path, set())

    # -- QuickJS's ES module loader -------------------------------------------------------
    def esm_module(self, base: str, spec: str) -> tuple[str, str] | None:
        try:
            return self._esm_module(base, spec)
        except ResolveError as e:
            where = base if base and not base.startswith(("brygge:", "builtin:")) else "the app"
            self.errors.append(f"{where} imports '{spec}': {e}")
            return None
        except Exception as e:  # e.g. DeployError from type stripping: a clear message
            self.errors.append(str(e))
            return None

    def _esm_module(self, base: str, spec: str) -> tuple[str, str]:
        if spec.startswith("brygge-id:"):  # require() of an ES module (see host_call)
            name = spec[len("brygge-id:"):]
            if name.startswith("builtin:"):
                return name, self.builtin_sources[name[8:]]
            r = Resolved(path=path_of(name))
        else:
            r = self.resolver.resolve(spec, path_of(base), "import")
        if r.builtin:
            if r.builtin in self.builtin_sources:
                return f"builtin:{r.builtin}", self.builtin_sources[r.builtin]
            if package_name(r.builtin) == CODEHOOKS:
                raise ResolveError(f"Cannot find module '{spec}'")
            load = f"__brygge_modules.builtin({_js_str(r.builtin)})"
            # names the upload imports link even from a built-in the runtime lacks
            # (its stand-in fails when called)
            names = set(self.builtin_keys(r.builtin)) | self.requested_names(f"builtin:{r.builtin}")
            return f"builtin:{r.builtin}", _facade(load, _export_names(names), False)
        path = r.path
        name = name_of(path)
        fmt, src = self.prepared(path)
        if fmt == "esm":
            own = path.startswith(APP + "/") and "/node_modules/" not in path
            return name, self._esm_source(name, src, own)
        if fmt == "json":
            if src.strip():
                try:
                    json.loads(src)
                except ValueError as e:
                    raise ResolveError(f"{name} is not valid JSON: {e}", "ERR_INVALID_JSON") from None
            return name, f"export default {'JSON.parse(' + _js_str(src) + ')' if src.strip() else 'null'};\n"
        if fmt == "text":
            return name, f"export default {_js_str(src)};\n"
        names = set(self.cjs_exports(path, set()))
        names |= self.requested_names(path)
        load = f"__brygge_modules.load({_js_str(name)}, {_js_str(path)}, 'cjs')"
        return name, _facade(load, _export_names(names), True)

    def _esm_source(self, name: str, src: str, own: bool) -> str:
        """Import attributes spelled `assert` (QuickJS knows `with`); in the app's own
        files, webpack-style, require/__filename/__dirname where the file uses them."""
        s = scan(src)
        if s.assert_at:  # `assert {type: 'json'}` → `with {type: 'json'}`, same columns
            chunks, last = [], 0
            for at in s.assert_at:
                chunks += [src[last:at], "with  "]
                last = at + len("assert")
            src = "".join(chunks) + src[last:]
        inject = [f"const {v} = __brygge_modules.{v}({_js_str(name)});"
                  for v in CJS_FREE if own and v in s.uses and v not in s.declares]
        # on the first line, so line numbers in stack traces stay the file's own
        return " ".join(inject) + src if inject else src

    def cjs_exports(self, path: str, seen: set[str]) -> set[str]:
        """Export names of a CommonJS file, following re-exports (as Node does)."""
        if path in seen:
            return set()
        seen.add(path)
        try:
            fmt, src = self.prepared(path)
        except Exception:
            return set()
        if fmt != "cjs":
            return set()
        s = scan(src)
        names = set(s.exports)
        for spec in s.reexports:
            try:
                r = self.resolver.resolve(spec, path, "require")
            except ResolveError:
                continue
            if r.builtin:
                names |= set(self.builtin_keys(r.builtin))
            else:
                names |= self.cjs_exports(r.path, seen)
        return names

    # -- the guest's require() --------------------------------------------------------------
    def host_call(self, op: str, payload: str) -> str:
        if op == "module.resolve":
            req = json.loads(payload)
            try:
                r = self.resolver.resolve(str(req["spec"]), path_of(str(req.get("from") or "")),
                                          "require")
                if r.builtin:
                    if r.builtin in self.builtin_sources:
                        return json.dumps({"id": f"builtin:{r.builtin}", "format": "esm",
                                           "filename": r.builtin})
                    if package_name(r.builtin) == CODEHOOKS:
                        raise ResolveError(f"Cannot find module '{r.builtin}'")
                    return json.dumps({"builtin": r.builtin})
                fmt, _ = self.prepared(r.path)
            except ResolveError as e:
                return json.dumps({"error": str(e), "code": e.code})
            except Exception as e:
                return json.dumps({"error": str(e), "code": "ERR_LOADING_MODULE"})
            return json.dumps({"id": name_of(r.path), "filename": r.path, "format": fmt})
        if op == "module.source":
            try:
                return self.prepared(path_of(payload))[1]
            except Exception as e:
                return host_error("Error", str(e))
        if op == "module.esm":
            # require() of an ES module: link and evaluate it now, synchronously
            # (module bodies without top-level await run to completion), as Node 22 does.
            if self.guest_eval_module is None:
                return host_error("Error", "ES modules cannot be required here")
            return self.guest_eval_module(
                f"import * as ns from {_js_str('brygge-id:' + payload)};\n"
                "globalThis.__brygge_esm_ns = ns;\n", "brygge:require-esm")
        return host_error("Error", f"unknown module operation {op}")

    # -- webpack bundles ----------------------------------------------------------------------
    def check_bundle(self, bundle: str, guest_builtins: set[str]) -> None:
        """Refuse a bundle that requires a package the runtime cannot provide."""
        for spec in bundle_requires(bundle):
            name = spec[5:] if spec.startswith("node:") else spec
            if name in guest_builtins or name in CORE_MODULES or name == CODEHOOKS:
                continue
            if spec.startswith(("./", "../", "/")) or spec.startswith("#"):
                continue  # a bundle's own dead code paths; require() reports it if ever run
            pkg = package_name(name)
            if pkg in VENDORED and (not vendor_installed() or self.fs.is_dir(
                    f"{VENDOR}/node_modules/{pkg}")):
                continue  # vendored (a missing vendor set fails on first use, with the fix)
            raise BundleError(f"this bundle requires '{name}', which the Brygge runtime does "
                              "not provide")


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


_REQUESTED: dict[int, tuple[dict[str, str], dict[str, set[str]]]] = {}


def _requested_map(files: dict[str, str]) -> dict[str, set[str]]:
    """target path → names imported from it, over every ES module of the upload.
    Cached per upload (instances of one deployment share the files dict)."""
    hit = _REQUESTED.get(id(files))
    if hit is not None and hit[0] is files:
        return hit[1]
    fs = UploadFS(files)
    res = Resolver(fs)
    out: dict[str, set[str]] = {}
    for rel, text in files.items():
        if not rel.endswith((".js", ".mjs", ".ts", ".mts")):
            continue
        s = scan(text)
        if not s.esm:
            continue
        for spec, names in s.imported.items():
            if not names:
                continue
            try:
                r = res.resolve(spec, f"{APP}/{rel}", "import")
            except ResolveError:
                continue
            out.setdefault(r.path or f"builtin:{r.builtin}", set()).update(names)
    if len(_REQUESTED) > 64:
        _REQUESTED.clear()
    _REQUESTED[id(files)] = (files, out)
    return out


# -- packing an app folder (brygge deploy) -------------------------------------------------------

class PackError(Exception):
    pass


def reachable_files(root: Path, entry: str) -> tuple[list[str], list[str]]:
    """Files the app's module graph reaches from `entry` (relative paths), and the
    package.json files resolution read. Raises PackError for an import of the app's
    own code that cannot be found; imports inside node_modules that cannot be found
    are left to run time (packages guard optional dependencies with try/catch)."""
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
                raise PackError(f"{name_of(path)} imports '{spec}': {e}{hint}") from None
            if r.path and r.path.startswith(APP + "/"):
                todo.append(r.path)
    files = sorted(name_of(p) for p in seen if fs.is_file(p))
    pkgs = sorted(name_of(p) for p in fs.read_paths if p.endswith("/package.json"))
    return files, pkgs


# -- the vendored npm packages -----------------------------------------------------------------

def install_vendor(directory: Path = VENDOR_DIR) -> None:
    """npm ci the vendored set (sandbox/npm_vendor.py; a build step, not run time)."""
    from sandbox.npm_vendor import npm_ci
    npm_ci(directory)
    _vendor_read.cache_clear()
    _vendor_is_dir.cache_clear()


def _main(argv: list[str]) -> int:
    if argv[:1] == ["vendor"]:
        install_vendor()
        print(f"installed {len(VENDORED)} packages in {VENDOR_DIR / 'node_modules'}")
        return 0
    print("usage: python -m sandbox.modules vendor   # install the npm packages the runtime "
          "provides", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
