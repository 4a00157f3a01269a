"""The module system of one app instance: the QuickJS module loader and the host side
of the guest's require(), over Node's resolution (sandbox/module_resolve.py: the upload
under /app, the vendored npm packages under /vendor; packing and the bundle scan are
sandbox/module_pack.py). QuickJS's own loader only knows ES modules, so this module
hands QuickJS an ES module for every kind of file: CommonJS
files get a facade that `require`s them inside the guest (sandbox/js/runtime/modules.js
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

import json
import posixpath
import sys
from collections.abc import Callable

from sandbox.hosterror import host_error
from sandbox.jsscan import CJS_FREE, IDENT, scan
from sandbox.module_pack import BundleError, bundle_requires
from sandbox.module_resolve import (
    APP,
    CODEHOOKS,
    CORE_MODULES,
    VENDOR,
    VENDOR_DIR,
    VENDORED,
    Resolved,
    ResolveError,
    Resolver,
    UploadFS,
    install_vendor,
    name_of,
    package_name,
    path_of,
    vendor_installed,
)
from sandbox.ts_elide import Exports, TypeGraph, exports_of

# -- the module system of one app instance ----------------------------------------------------

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
        self._ts_cache: dict[str, Exports | None] = {}  # path -> its value and type exports
        self.types = TypeGraph(self._ts_exports, self._ts_resolve)

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
            fmt, src = self._stripped(path, src)
            if fmt == "esm":  # type-only imports and re-exports, across files, as tsc
                src = self.types.elide(path, src)
        if src.startswith("#!"):
            src = "//" + src[2:]
        self._sources[path] = (fmt, src)
        return fmt, src

    def _stripped(self, path: str, src: str) -> tuple[str, str]:
        js = self.strip_types(name_of(path), src)
        return ("cjs" if path.endswith(".cts") else "esm" if scan(js).esm or
                path.endswith(".mts") else "cjs"), js

    def _ts_exports(self, path: str) -> Exports | None:
        """What the app's own TypeScript module `path` exports as values and as types
        (None for anything else: JavaScript, packages, CommonJS output)."""
        if path in self._ts_cache:
            return self._ts_cache[path]
        e = None
        src = self.fs.read(path)
        if src is not None and path.startswith(APP + "/") and "/node_modules/" not in path \
                and self.resolver.format_of(path, src) == "ts":
            try:
                fmt, js = self._stripped(path, src)
            except Exception:  # its own load reports the syntax error
                fmt, js = "", ""
            if fmt == "esm" or path.endswith(".d.ts"):
                e = exports_of(js, src)
        self._ts_cache[path] = e
        return e

    def _ts_resolve(self, spec: str, parent: str) -> str | None:
        """The file an import names; a declaration file (.d.ts) where tsc would find
        one and Node resolution finds nothing; None for built-ins and packages."""
        try:
            r = self.resolver.resolve(spec, parent, "import")
        except ResolveError:
            if not spec.startswith(("./", "../")):
                return None
            base = posixpath.normpath(posixpath.join(posixpath.dirname(parent), spec))
            for cand in (base + ".d.ts", base + "/index.d.ts", base.removesuffix(".js") + ".d.ts"):
                if self.fs.read(cand) is not None:
                    return cand
            return None
        return r.path or None

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
