"""Type-only imports and re-exports across TypeScript files, elided as tsc does.

Type stripping (OXC, sandbox/app.py) sees one file at a time, so it keeps
`export { MemoryAdapter } from './memory'` even when MemoryAdapter is an interface
there, and the link then fails ("Could not find export"). The official CLI compiles
with tsc (ts-loader, whole program), which drops every import or re-export
specifier whose name the target exports only as a type. This module does that
after stripping, with the other files of the upload at hand: a name is a *value*
when the target's stripped JavaScript exports it, a *type* when its TypeScript
source exports it but the JavaScript does not (interface, type alias, `declare`,
`export type`, a non-instantiated namespace), followed through re-export chains
and `export *`. Specifiers naming types are removed, a statement left with none
is removed; a name that is neither stays a deploy error naming it and the module.
Targets that are not ES modules (CommonJS, JSON, built-ins) are left to the loader.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox.jsscan import IDENT, Tok, _str_value, tokenize
from sandbox.module_resolve import name_of


class ElideError(Exception):
    """An import or re-export names something the target exports in neither form."""


@dataclass
class Stmt:
    """One top-level import or export statement (offsets into the text)."""
    kind: str  # import, export-from, export-list, export-default-id
    start: int
    end: int  # after the statement's `;` when there is one
    clause_end: int = 0  # where `from` starts (import, export-from)
    spec: str = ""
    default: str = ""  # import X from: the local X
    namespace: str = ""  # import * as X / export * as X
    star: bool = False  # export * from
    # (name in the target or local name, name here, type-only specifier)
    names: list[tuple[str, str, bool]] = field(default_factory=list)
    braces: bool = False  # the clause has a {...} list


@dataclass
class ModuleScan:
    stmts: list[Stmt] = field(default_factory=list)
    exported: set[str] = field(default_factory=set)  # every name an export statement gives


_DECL_KW = {"function", "class", "enum", "namespace", "module", "interface", "type"}


def scan_module(src: str) -> ModuleScan:
    """Top-level import/export statements of a module (JavaScript or TypeScript)."""
    toks = tokenize(src)
    n = len(toks)
    out = ModuleScan()

    def val(i: int) -> str:
        return toks[i].val if i < n and toks[i].kind in ("id", "p") else ""

    def end_of(i: int) -> tuple[int, int]:
        # i: the token after a statement's last part -> (char end, next token index)
        if val(i) == "with" or (val(i) == "assert" and val(i + 1) == "{"):
            i += 1
            while i < n and val(i) != "}":
                i += 1
            i += 1
        if val(i) == ";":
            return toks[i].end, i + 1
        return toks[i - 1].end, i

    def named(i: int) -> tuple[list[tuple[str, str, bool]], int]:
        # i at `{`: the specifiers and the index after `}`
        specs: list[tuple[str, str, bool]] = []
        group: list[Tok] = []
        i += 1
        while i < n and val(i) != "}":
            if val(i) == ",":
                _spec(group, specs)
                group = []
            else:
                group.append(toks[i])
            i += 1
        _spec(group, specs)
        return specs, i + 1

    depth = 0
    i = 0
    while i < n:
        t = toks[i]
        if t.kind == "p" and t.val in "{}":
            depth += 1 if t.val == "{" else -1
            i += 1
            continue
        prev = toks[i - 1] if i else None
        if depth or t.kind != "id" or t.val not in ("import", "export") or \
                (prev is not None and prev.kind == "p" and prev.val in (".", "?.")):
            i += 1
            continue
        if t.val == "import":
            i = _import(toks, i, out, named, end_of)
            continue
        i = _export(toks, i, out, named, end_of)
    return out


def _spec(group: list[Tok], specs: list[tuple[str, str, bool]]) -> None:
    """`x`, `x as y`, `type x`, `type x as y`, `"s" as y` -> (x, y, type-only)."""
    words = [_str_value(t) if t.kind == "str" else t.val for t in group]
    typed = len(words) in (2, 4) and words[0] == "type" and group[0].kind == "id"
    if typed:
        words = words[1:]
    if len(words) == 1:
        specs.append((words[0], words[0], typed))
    elif len(words) == 3 and words[1] == "as":
        specs.append((words[0], words[2], typed))


def _import(toks: list[Tok], i: int, out: ModuleScan,
            named: Callable[[int], tuple[list[tuple[str, str, bool]], int]],
            end_of: Callable[[int], tuple[int, int]]) -> int:
    n = len(toks)
    nxt = toks[i + 1] if i + 1 < n else None
    if nxt is None or nxt.kind == "str" or (nxt.kind == "p" and nxt.val in "(.:=,);"):
        return i + 1  # import 'x' (nothing to elide), import(), import.meta
    s = Stmt("import", toks[i].start, 0)
    j = i + 1
    typed = toks[j].val == "type" and toks[j].kind == "id" and j + 1 < n and \
        not (toks[j + 1].kind == "p" and toks[j + 1].val == ",") and toks[j + 1].val != "from"
    if typed:
        j += 1
    while j < n and not (toks[j].kind == "id" and toks[j].val == "from"):
        tj = toks[j]
        if tj.kind == "p" and tj.val == "{":
            s.names, j = named(j)
            s.braces = True
            continue
        if tj.kind == "p" and tj.val == "*" and j + 2 < n:
            s.namespace = toks[j + 2].val
            j += 3
            continue
        if tj.kind == "p" and tj.val in ("=", ";"):
            return j  # import X = require(...) / import X = N.Y: not an ES import
        if tj.kind == "id":
            s.default = tj.val
        j += 1
    if j + 1 >= n or toks[j + 1].kind != "str":
        return j
    s.clause_end = toks[j].start
    s.spec = _str_value(toks[j + 1])
    s.end, after = end_of(j + 2)
    if typed:  # import type ...: gone once stripped; nothing to resolve here
        s.names = [(a, b, True) for a, b, _ in s.names]
        s.default = s.namespace = ""
    out.stmts.append(s)
    return after


def _export(toks: list[Tok], i: int, out: ModuleScan,
            named: Callable[[int], tuple[list[tuple[str, str, bool]], int]],
            end_of: Callable[[int], tuple[int, int]]) -> int:
    n = len(toks)
    j = i + 1
    if j >= n:
        return j
    w = toks[j].val if toks[j].kind in ("id", "p") else ""
    typed = w == "type" and j + 1 < n and toks[j + 1].val in ("{", "*")
    if typed:
        j += 1
        w = toks[j].val
    if w in ("{", "*"):
        s = Stmt("export-list", toks[i].start, 0)
        if w == "{":
            s.names, j = named(j)
            s.braces = True
        else:
            j += 1
            if j < n and toks[j].val == "as" and j + 1 < n:
                s.namespace = _str_value(toks[j + 1]) if toks[j + 1].kind == "str" else toks[j + 1].val
                j += 2
            else:
                s.star = True
        if typed:
            s.names = [(a, b, True) for a, b, _ in s.names]
        if j + 1 < n and toks[j].kind == "id" and toks[j].val == "from" and toks[j + 1].kind == "str":
            s.kind = "export-from"
            s.clause_end = toks[j].start
            s.spec = _str_value(toks[j + 1])
            s.end, j = end_of(j + 2)
        else:
            s.end, j = end_of(j)
        if not typed or not s.star:
            out.exported.update(b for _, b, _ in s.names)
            if s.namespace and not typed:
                out.exported.add(s.namespace)
        if typed and s.namespace:
            out.exported.add(s.namespace)  # `export type * as ns`: a type
        out.stmts.append(s)
        return j
    if w == "default":
        out.exported.add("default")
        if j + 2 < n and toks[j + 1].kind == "id" and toks[j + 2].kind == "p" and toks[j + 2].val == ";":
            s = Stmt("export-default-id", toks[i].start, toks[j + 2].end, names=[
                (toks[j + 1].val, "default", False)])
            out.stmts.append(s)
        return j + 1
    # export [declare] [abstract|async|const] function|class|enum|... Name, or const/let/var
    while j < n and toks[j].kind == "id" and toks[j].val in ("declare", "abstract", "async", "const") \
            and j + 1 < n and toks[j + 1].kind == "id" and toks[j + 1].val not in ("=",):
        if toks[j].val == "const" and toks[j + 1].val != "enum":
            break
        j += 1
    if j >= n:
        return j
    w = toks[j].val
    if w in _DECL_KW:
        k = j + 1
        if k < n and toks[k].kind == "p" and toks[k].val == "*":
            k += 1  # function*
        if k < n and toks[k].kind in ("id", "str"):
            out.exported.add(toks[k].val if toks[k].kind == "id" else _str_value(toks[k]))
        return k
    if w in ("const", "let", "var", "using"):
        out.exported.update(_declared(toks, j + 1))
        return j + 1
    if w == "import" and j + 1 < n and toks[j + 1].kind == "id":
        out.exported.add(toks[j + 1].val)  # export import X = N.Y
    return j


def _declared(toks: list[Tok], i: int) -> set[str]:
    """Names bound by `a = 1, {b, c: d} = o, [e, ...f] = g` (stripped JavaScript)."""
    names: set[str] = set()
    n = len(toks)
    while i < n:
        i = _pattern(toks, i, names)
        depth = 0
        while i < n:  # the initializer, to the next `,` or `;` at this level
            v = toks[i].val if toks[i].kind == "p" else ""
            if v in ("(", "[", "{"):
                depth += 1
            elif v in (")", "]", "}"):
                if depth == 0:
                    return names
                depth -= 1
            elif depth == 0 and v in (",", ";"):
                break
            i += 1
        if i >= n or toks[i].val != ",":
            return names
        i += 1
    return names


def _pattern(toks: list[Tok], i: int, names: set[str]) -> int:
    """Collect the names one binding pattern binds; returns the index after it."""
    n = len(toks)
    if i >= n:
        return i
    t = toks[i]
    if t.kind == "id":
        names.add(t.val)
        return i + 1
    if t.kind != "p" or t.val not in ("{", "["):
        return i + 1
    close = "}" if t.val == "{" else "]"
    i += 1
    while i < n and toks[i].val != close:
        if toks[i].val == ",":
            i += 1
            continue
        if toks[i].val == "...":
            i = _pattern(toks, i + 1, names)
        elif close == "}":
            # key, key: pattern, [computed]: pattern, key = default
            k = i
            if toks[k].val == "[":
                while k < n and toks[k].val != "]":
                    k += 1
            k += 1
            if k < n and toks[k].val == ":":
                i = _pattern(toks, k + 1, names)
            else:
                names.add(toks[i].val)
                i = k
        else:
            i = _pattern(toks, i, names)
        depth = 0
        while i < n:  # a default value, to the next `,` or the closing bracket
            v = toks[i].val if toks[i].kind == "p" else ""
            if v in ("(", "[", "{"):
                depth += 1
            elif v in (")", "]", "}"):
                if depth == 0:
                    break
                depth -= 1
            elif v == "," and depth == 0:
                break
            i += 1
    return i + 1


# -- what a module exports, and as what ---------------------------------------------------------

@dataclass
class Exports:
    """One module's exports: names to a value, to an indirect (spec, name), or types."""
    values: set[str] = field(default_factory=set)
    indirect: dict[str, tuple[str, str]] = field(default_factory=dict)
    types: set[str] = field(default_factory=set)
    stars: list[str] = field(default_factory=list)


def exports_of(js: str, ts: str | None) -> Exports:
    """`js`: the module as it runs; `ts`: its TypeScript source (None for JavaScript)."""
    sc = scan_module(js)
    imports: dict[str, tuple[str, str]] = {}
    for s in sc.stmts:
        if s.kind == "import":
            if s.default:
                imports[s.default] = (s.spec, "default")
            for a, b, _ in s.names:
                imports[b] = (s.spec, a)
    e = Exports()
    for s in sc.stmts:
        if s.kind == "export-from":
            if s.star:
                e.stars.append(s.spec)
            for a, b, _ in s.names:
                e.indirect[b] = (s.spec, a)
        elif s.kind in ("export-list", "export-default-id"):
            for a, b, _ in s.names:
                if a in imports:
                    e.indirect[b] = imports[a]
    e.values = sc.exported - set(e.indirect)
    if ts is not None:
        e.types = scan_module(ts).exported - sc.exported
    return e


class TypeGraph:
    """Decides, for the modules of one upload, what a name imported from a module is.
    `lookup(path)`: the module's Exports, None when it is not examined (left to the
    loader); `resolve(spec, path)`: the file `spec` names from `path`, or None."""

    def __init__(self, lookup: Callable[[str], Exports | None],
                 resolve: Callable[[str, str], str | None]) -> None:
        self.lookup = lookup
        self.resolve = resolve
        self._known: dict[tuple[str, str], str] = {}  # (path, name) -> a definite kind
        self._open: set[tuple[str, str]] = set()  # the lookups in progress (cycles)

    def kind(self, path: str, name: str) -> str:
        """value, type, missing, or unknown (not examined, or a cycle: left to the loader).
        Definite answers are remembered, so each name of each module is worked out once."""
        key = (path, name)
        got = self._known.get(key)
        if got is not None:
            return got
        if key in self._open:
            return "unknown"
        self._open.add(key)
        try:
            k = self._kind(path, name)
        finally:
            self._open.discard(key)
        if k != "unknown":
            self._known[key] = k
        return k

    def _kind(self, path: str, name: str) -> str:
        e = self.lookup(path)
        if e is None:
            return "unknown"
        if name in e.values:
            return "value"
        if name in e.indirect:
            spec, there = e.indirect[name]
            target = self.resolve(spec, path)
            return "unknown" if target is None else self.kind(target, there)
        if name in e.types:
            return "type"
        if name == "default":  # never through export *
            return "missing"
        found = "missing"
        for spec in e.stars:
            target = self.resolve(spec, path)
            k = "unknown" if target is None else self.kind(target, name)
            if k == "value":
                return k
            if k == "unknown" or (k == "type" and found == "missing"):
                found = k
        return found

    def has_value(self, path: str, seen: set[str] | None = None) -> bool:
        """Whether the module exports a value (or may: not known to hold types only)."""
        seen = set() if seen is None else seen
        if path in seen:
            return False
        seen.add(path)
        e = self.lookup(path)
        if e is None or e.values:
            return True
        if any(self.kind(path, x) != "type" for x in e.indirect):
            return True
        for spec in e.stars:
            target = self.resolve(spec, path)
            if target is None or self.has_value(target, seen):
                return True
        return False

    def elide(self, path: str, js: str) -> str:
        """The stripped module `js` of the file `path` without the import and export
        specifiers that name types in their target modules."""
        sc = scan_module(js)
        dropped: set[str] = set()  # local bindings of imports that were types
        edits: list[tuple[Stmt, list[tuple[str, str, bool]], str]] = []
        for s in sc.stmts:
            if s.kind not in ("import", "export-from"):
                continue
            target = self.resolve(s.spec, path)
            if target is None:
                continue
            if s.star:  # tsc drops `export *` of a module that exports no value
                if not self.has_value(target):
                    edits.append((s, [], ""))
                continue
            default = s.default
            if default and self._verdict(path, target, "default", s) == "type":
                dropped.add(default)
                default = ""
            keep = []
            for a, b, typed in s.names:
                if self._verdict(path, target, a, s) == "type":
                    if s.kind == "import":
                        dropped.add(b)
                else:
                    keep.append((a, b, typed))
            if default != s.default or len(keep) != len(s.names):
                edits.append((s, keep, default))
        for s in sc.stmts:  # `export { X }` / `export default X` of an elided import X
            if s.kind in ("export-list", "export-default-id") and \
                    any(a in dropped for a, _, _ in s.names):
                edits.append((s, [x for x in s.names if x[0] not in dropped], ""))
        for s, keep, default in sorted(edits, key=lambda x: -x[0].start):
            js = js[:s.start] + _rewrite(js, s, keep, default) + js[s.end:]
        return js

    def _verdict(self, path: str, target: str, there: str, s: Stmt) -> str:
        k = self.kind(target, there)
        if k != "missing":
            return k
        name, verb, spec = name_of(path), "imports" if s.kind == "import" else "re-exports", s.spec
        seen = {target}
        while True:  # blame the last module of a re-export chain, where the name went missing
            e = self.lookup(target)
            hop = e.indirect.get(there) if e is not None else None
            nxt = self.resolve(hop[0], target) if hop is not None else None
            if hop is None or nxt is None or nxt in seen:
                break
            name, verb, (spec, there), target = name_of(target), "re-exports", hop, nxt
            seen.add(target)
        raise ElideError(f"{name} {verb} '{there}' from '{spec}', but {name_of(target)} "
                         f"exports no value or type named '{there}'")


def _rewrite(js: str, s: Stmt, keep: list[tuple[str, str, bool]], default: str) -> str:
    old = js[s.start:s.end]
    blank = "\n" * old.count("\n")  # keep the lines below where they were
    listed = ", ".join(_name(a) if a == b else f"{_name(a)} as {_name(b)}" for a, b, _ in keep)
    if s.kind == "import":
        parts = ([default] if default else []) + ([f"* as {s.namespace}"] if s.namespace else [])
        if keep:
            parts.append("{ " + listed + " }")
        if not parts:
            return blank
        return "import " + ", ".join(parts) + " " + js[s.clause_end:s.end]
    if not keep:
        return blank
    if s.kind == "export-from":
        return "export { " + listed + " } " + js[s.clause_end:s.end]
    return "export { " + listed + " };" + blank


def _name(x: str) -> str:
    return x if IDENT.match(x) else json.dumps(x)
