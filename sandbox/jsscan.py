"""Scanning JavaScript for module loading (sandbox/modules.py) and `brygge deploy`.

A tokenizer that knows strings, template literals, comments and regex literals well
enough to find import/export statements, require() calls and CommonJS export names
(what Node's cjs-module-lexer finds) without being fooled by text inside them.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import NamedTuple

_TOKEN = re.compile(r"""
    (?:[\s\ufeff]+|//[^\n\r\u2028\u2029]*|/\*.*?(?:\*/|\Z))*   # skipped: space, comments
    (?:
      (?P<str>'(?:[^'\\\n\r]|\\.|\\\r\n)*'|"(?:[^"\\\n\r]|\\.|\\\r\n)*")
    | (?P<tpl>`)
    | (?P<id>(?:[^\W\d]|[$\\])(?:[\w$\\]|\u200c|\u200d)*)
    | (?P<num>\.?\d(?:[\w.]|[eE][+-])*)
    | (?P<p>\?\.(?!\d)|=>|\.\.\.|===?|!==?|\+\+|--|&&|\|\||\?\?|[{}()\[\];,<>+\-*%&|^!~?:=.@\#/])
    | (?P<other>.)
    | (?P<eof>\Z)
    )
""", re.X | re.S)
_TPL_CHUNK = re.compile(r"(?:[^`\\$]|\\.|\$(?!\{))*(`|\$\{|\Z)", re.S)
_REGEX = re.compile(r"/(?![*/])(?:[^/\\\[\n\r]|\\.|\[(?:[^\]\\\n\r]|\\.)*\])+/[\w$]*")
_REGEX_AFTER_WORDS = frozenset(("return", "typeof", "instanceof", "in", "of", "new", "delete",
                                "void", "throw", "case", "do", "else", "yield", "await"))
MAYBE_ESM = re.compile(r"(?<![\w$.])(?:import|export)(?![\w$])")
IDENT = re.compile(r"^[A-Za-z_$][\w$]*$")
# Reserved words may be export names (`export {x as delete}`) but not bindings.
_RESERVED = frozenset("""break case catch class const continue debugger default delete do else
enum export extends false finally for function if import in instanceof new null return super
switch this throw true try typeof var void while with yield let static implements interface
package private protected public await arguments eval""".split())


class Tok(NamedTuple):
    kind: str  # id, str, p (punctuator), num, tpl (a whole template), re
    val: str
    start: int
    end: int


def tokenize(src: str) -> list[Tok]:
    out: list[Tok] = []
    append = out.append
    match = _TOKEN.match
    pos, n = 0, len(src)
    if src.startswith("#!"):
        pos = src.find("\n") if "\n" in src else n
    braces: list[int] = []  # open-brace depth at each `${` we are inside
    depth = 0
    prev: Tok | None = None
    while pos < n:
        m = match(src, pos)
        kind = m.lastgroup if m is not None else "eof"
        if kind == "eof" or m is None:
            break
        start = m.start(kind)
        val = m.group(kind)
        if kind == "tpl" or (val == "}" and kind == "p" and braces and depth == braces[-1]):
            # a template literal, or the `}` that ends one of its ${...} parts
            if kind == "p":
                braces.pop()
            c = _TPL_CHUNK.match(src, m.end())
            assert c is not None  # the pattern matches the empty string
            pos = c.end()
            if c.group(1) == "${":
                braces.append(depth)
            prev = Tok("tpl", src[start:pos], start, pos)
            append(prev)
            continue
        if kind == "p":
            if val == "/" and _regex_allowed(prev):
                r = _REGEX.match(src, start)
                if r is not None:
                    prev = Tok("re", r.group(), start, r.end())
                    append(prev)
                    pos = r.end()
                    continue
            elif val == "{":
                depth += 1
            elif val == "}":
                depth -= 1
        prev = Tok(kind, val, start, m.end())
        append(prev)
        pos = m.end()
    return out


def _regex_allowed(prev: Tok | None) -> bool:
    if prev is None:
        return True
    if prev.kind == "p":
        return prev.val not in (")", "]")
    if prev.kind == "id":
        return prev.val in _REGEX_AFTER_WORDS
    return prev.kind == "tpl" and prev.val.endswith("${")


def _str_value(t: Tok) -> str:
    body = t.val[1:-1]
    if "\\" not in body:
        return body
    try:
        return json.loads('"' + body.replace('"', '\\"').replace("\\'", "'") + '"')
    except ValueError:
        return re.sub(r"\\(.)", r"\1", body)


@dataclass
class Scan:
    """What a module's text says about its dependencies and exports."""
    esm: bool = False
    # (kind, specifier): kind is "import" (static or dynamic import, export-from) or "require"
    deps: list[tuple[str, str]] = field(default_factory=list)
    # names this module imports from each specifier: `import {a} from`, `ns.a` of `import * as ns`
    imported: dict[str, set[str]] = field(default_factory=dict)
    exports: set[str] = field(default_factory=set)  # CommonJS names, as cjs-module-lexer
    reexports: list[str] = field(default_factory=list)  # `module.exports = require('x')` etc.
    uses: set[str] = field(default_factory=set)  # free uses of require/__filename/__dirname
    declares: set[str] = field(default_factory=set)  # ... and declarations of them
    assert_at: list[int] = field(default_factory=list)  # offsets of `assert` in import attributes


CJS_FREE = ("require", "__filename", "__dirname")


@functools.lru_cache(maxsize=4096)
def scan(src: str) -> Scan:
    toks = tokenize(src)
    s = Scan()
    n = len(toks)
    ns_bindings: dict[str, str] = {}  # `import * as NS from 'spec'` -> NS: spec
    required_as: dict[str, str] = {}  # `var X = require('spec')` -> X: spec

    def at(i: int) -> Tok | None:
        return toks[i] if 0 <= i < n else None

    def is_p(i: int, v: str) -> bool:
        t = at(i)
        return t is not None and t.kind == "p" and t.val == v

    def is_id(i: int, v: str | None = None) -> bool:
        t = at(i)
        return t is not None and t.kind == "id" and (v is None or t.val == v)

    def after_attrs(i: int) -> None:
        # i: the token after a module specifier; `assert {` is rewritten to `with {`
        if is_id(i, "assert") and is_p(i + 1, "{") and not _line_break_between(src, toks[i - 1], toks[i]):
            s.assert_at.append(toks[i].start)

    def named_list(i: int) -> tuple[list[str], int]:
        # i at `{` of an import/export clause; returns imported names and index after `}`
        names: list[str] = []
        i += 1
        while i < n and not is_p(i, "}"):
            t = toks[i]
            if t.kind == "id" and t.val == "type" and at(i + 1) is not None and \
                    at(i + 1).kind in ("id", "str") and not is_id(i + 1, "as"):  # type: ignore[union-attr]
                i += 1  # TypeScript `import {type X}`
                continue
            if t.kind in ("id", "str"):
                names.append(t.val if t.kind == "id" else _str_value(t))
                i += 1
                if is_id(i, "as"):
                    i += 2
            if is_p(i, ","):
                i += 1
            elif not is_p(i, "}"):
                i += 1
        return names, i + 1

    i = 0
    while i < n:
        t = toks[i]
        prev = at(i - 1)
        member = prev is not None and prev.kind == "p" and prev.val in (".", "?.")
        if t.kind != "id" or (member and not t.val.endswith("__exportStar")):
            i += 1
            continue
        v = t.val
        if v == "import":
            nxt = at(i + 1)
            if nxt is None:
                break
            if nxt.kind == "p" and nxt.val == "(":
                arg = at(i + 2)
                if arg is not None and arg.kind == "str" and (is_p(i + 3, ")") or is_p(i + 3, ",")):
                    s.deps.append(("import", _str_value(arg)))
                i += 2
                continue
            if nxt.kind == "p" and nxt.val == ".":
                s.esm = s.esm or is_id(i + 2, "meta")
                i += 2
                continue
            if nxt.kind == "p" and nxt.val in (":", "=", ",", ")", ";"):
                i += 1
                continue
            s.esm = True
            if nxt.kind == "str":  # import 'x'
                s.deps.append(("import", _str_value(nxt)))
                after_attrs(i + 2)
                i += 2
                continue
            j = i + 1
            type_only = is_id(j, "type") and not is_p(j + 1, ",") and not is_id(j + 1, "from")
            if type_only:
                j += 1
            names: list[str] = []
            ns = ""
            while j < n and not is_id(j, "from") and not is_p(j, ";"):
                if is_p(j, "{"):
                    more, j = named_list(j)
                    names += more
                    continue
                if is_p(j, "*") and is_id(j + 1, "as") and is_id(j + 2):
                    ns = toks[j + 2].val
                    j += 3
                    continue
                if is_id(j) and not is_id(j, "type"):
                    names.append("default")
                j += 1
            if is_id(j, "from") and at(j + 1) is not None and at(j + 1).kind == "str":  # type: ignore[union-attr]
                spec = _str_value(toks[j + 1])
                if not type_only:
                    s.deps.append(("import", spec))
                    s.imported.setdefault(spec, set()).update(names)
                    if ns:
                        ns_bindings[ns] = spec
                after_attrs(j + 2)
                i = j + 2
                continue
            i = j
            continue
        if v == "export":
            nxt = at(i + 1)
            if nxt is None or (nxt.kind == "p" and nxt.val in (":", "(", "=", ",", ")")):
                i += 1
                continue
            s.esm = True
            j = i + 1
            type_only = is_id(j, "type") and is_p(j + 1, "{")
            if type_only:
                j += 1
            names = []
            if is_p(j, "{"):
                names, j = named_list(j)
            elif is_p(j, "*"):
                j += 1
                if is_id(j, "as"):
                    j += 2
                names = ["*"]
            else:
                i += 1
                continue
            if is_id(j, "from") and at(j + 1) is not None and at(j + 1).kind == "str":  # type: ignore[union-attr]
                spec = _str_value(toks[j + 1])
                if not type_only:
                    s.deps.append(("import", spec))
                    s.imported.setdefault(spec, set()).update(x for x in names if x != "*")
                after_attrs(j + 2)
                j += 2
            i = j
            continue
        if v in CJS_FREE:
            if prev is not None and prev.kind == "id" and prev.val in ("const", "let", "var", "function",
                                                                       "class"):
                s.declares.add(v)
            elif not is_p(i + 1, ":") or (prev is not None and prev.kind == "p" and prev.val == "?"):
                s.uses.add(v)
            if v == "require" and is_p(i + 1, "(") and at(i + 2) is not None \
                    and at(i + 2).kind == "str" and is_p(i + 3, ")"):  # type: ignore[union-attr]
                spec = _str_value(toks[i + 2])
                s.deps.append(("require", spec))
                # var X = require('spec') -- for babel's Object.keys(X).forEach re-export
                if is_p(i - 1, "=") and is_id(i - 2):
                    required_as[toks[i - 2].val] = spec
            i += 1
            continue
        if v == "exports" or (v == "module" and is_p(i + 1, ".") and is_id(i + 2, "exports")):
            k = i + 1 if v == "exports" else i + 3
            if v == "module" and is_p(k, "=") and not is_p(k + 1, "="):
                _module_exports_assign(toks, k + 1, s)
            elif is_p(k, ".") and is_id(k + 1) and is_p(k + 2, "="):
                s.exports.add(toks[k + 1].val)
            elif is_p(k, "[") and at(k + 1) is not None and at(k + 1).kind == "str" \
                    and is_p(k + 2, "]") and is_p(k + 3, "="):  # type: ignore[union-attr]
                s.exports.add(_str_value(toks[k + 1]))
            i = k
            continue
        if v == "Object" and is_p(i + 1, ".") and is_id(i + 2, "defineProperty") and is_p(i + 3, "("):
            k = i + 4
            if is_id(k, "module") and is_p(k + 1, ".") and is_id(k + 2, "exports"):
                k += 2
            if is_id(k, "exports") and is_p(k + 1, ",") and at(k + 2) is not None \
                    and at(k + 2).kind == "str":  # type: ignore[union-attr]
                s.exports.add(_str_value(toks[k + 2]))
            i = k
            continue
        if v == "Object" and is_p(i + 1, ".") and is_id(i + 2, "keys") and is_p(i + 3, "(") \
                and is_id(i + 4) and is_p(i + 5, ")") and toks[i + 4].val in required_as:
            s.reexports.append(required_as[toks[i + 4].val])  # babel's export * loop
            i += 6
            continue
        if (v.endswith("__exportStar") or v == "__export") and is_p(i + 1, "(") \
                and is_id(i + 2, "require") and is_p(i + 3, "(") and at(i + 4) is not None \
                and at(i + 4).kind == "str":  # type: ignore[union-attr]
            s.reexports.append(_str_value(toks[i + 4]))  # TypeScript's export *
            i += 1
            continue
        if v in ns_bindings and is_p(i + 1, ".") and is_id(i + 2):
            s.imported.setdefault(ns_bindings[v], set()).add(toks[i + 2].val)
        i += 1
    s.exports.discard("default")
    return s


def _line_break_between(src: str, a: Tok, b: Tok) -> bool:
    return "\n" in src[a.end:b.start]


def _module_exports_assign(toks: list[Tok], i: int, s: Scan) -> None:
    """`module.exports = require('x')` or `module.exports = {a, b: 1, 'c': 2, ...require('y')}`."""
    def tok(k: int) -> Tok | None:
        return toks[k] if k < len(toks) else None
    t = tok(i)
    if t is None:
        return
    if t.kind == "id" and t.val == "require" and getattr(tok(i + 1), "val", "") == "(" \
            and getattr(tok(i + 2), "kind", "") == "str":
        s.reexports.append(_str_value(toks[i + 2]))
        return
    if t.val != "{":
        return
    k = i + 1
    while k < len(toks):
        t = toks[k]
        if t.kind == "p" and t.val == "}":
            return
        if t.kind == "p" and t.val == "...":
            r = tok(k + 1)
            if r is not None and r.val == "require" and getattr(tok(k + 3), "kind", "") == "str":
                s.reexports.append(_str_value(toks[k + 3]))
                k += 5
            else:
                return
        elif t.kind in ("id", "str"):
            name = t.val if t.kind == "id" else _str_value(t)
            nxt = tok(k + 1)
            if nxt is None:
                return
            if nxt.val in (",", "}"):
                s.exports.add(name)
                k += 1
            elif nxt.val == ":":
                s.exports.add(name)
                k = _skip_value(toks, k + 2)
            elif nxt.val == "(" or (t.val in ("get", "set", "async") and nxt.kind == "id"):
                if nxt.kind == "id":
                    s.exports.add(nxt.val)
                else:
                    s.exports.add(name)
                k = _skip_value(toks, k + 1)
            else:
                return
        else:
            return
        t = tok(k)
        if t is not None and t.val == ",":
            k += 1


def _skip_value(toks: list[Tok], k: int) -> int:
    """Index of the `,` or `}` that ends an object-literal value starting at k."""
    depth = 0
    while k < len(toks):
        t = toks[k]
        if t.kind == "p":
            if t.val in ("(", "[", "{"):
                depth += 1
            elif t.val in (")", "]", "}"):
                if depth == 0:
                    return k
                depth -= 1
            elif t.val == "," and depth == 0:
                return k
        k += 1
    return k
