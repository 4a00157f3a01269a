"""Evaluate MongoDB-style filter documents against JSON documents.

`compile_query(query)` validates a filter once and returns a fast predicate
`doc -> bool`; `matches(doc, query)` is `compile_query(query)(doc)` (with a
small cache of compiled queries). An unknown operator or a malformed operand
raises `BadQuery` naming the operator and the dotted path, at compile time and
whatever the documents look like.

Semantics follow MongoDB:

* Paths are dotted. A numeric segment indexes an array; any other segment
  applied to an array fans out over the array's object elements (nested
  arrays are not entered implicitly). A path resolves to a list of leaf values
  plus a "missing" flag (some branch ended without the field, or nothing was
  found at all).
* A leaf value that is an array stands for itself and for each of its
  elements ("contains"); `{$size}`, `{$exists}`, `{$elemMatch}` look at the
  leaf values themselves.
* `{f: null}` / `{$eq: null}` match a null value, a missing field and an array
  containing null. `$ne` and `$nin` are the negations of `$eq` and `$in`.
* Comparison operators only match values of the same type class as the
  operand (numbers, strings, objects, arrays, booleans); `{$gte: null}` and
  `{$lte: null}` mean `{$eq: null}`.
* Equality is JSON equality: 1 == 1.0, numbers never equal booleans (also
  inside arrays and objects), and objects are equal whatever their key order.
* Ordering of values of different types (BSON order): null (and missing) <
  numbers < strings < objects < arrays < booleans. Sorting by a field whose
  value is an array uses the smallest element ascending and the largest
  descending; an empty array sorts before null.

Extensions from the Codehooks docs (spec section 4.4): `$startsWith`,
`$endsWith`, `{$date: iso|millis}` operands (normalised to the ISO-8601 form
that JS `Date.toJSON` produces, which is how documents store dates), and
`{$not: value}` meaning "not equal" when the operand is not an operator object.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import regex


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
MAX_DEPTH = 32

Doc = dict[str, Any]
DocPred = Callable[[Doc], bool]
# A field predicate receives the leaf values a path resolved to and whether
# the path is (partly) missing.
FieldPred = Callable[[Sequence[Any], bool], bool]
CandPred = Callable[[Any], bool]


class BadQuery(ValueError):
    pass


# -- values: equality and ordering ------------------------------------------------

def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: numbers across int/float, never with booleans; objects
    regardless of key order; arrays element-wise in order."""
    ta, tb = type(a), type(b)
    if ta is tb:
        if ta is dict:
            if len(a) != len(b):
                return False
            for k, v in a.items():
                w = b.get(k, MISSING)
                if w is MISSING or not json_equal(v, w):
                    return False
            return True
        if ta is list:
            return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
        return bool(a == b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        return bool(a == b)
    return False


_NULL_KEY: tuple[Any, ...] = (1,)
_EMPTY_ARRAY_KEY: tuple[Any, ...] = (0,)  # sorting only: [] sorts before null


def order_key(v: Any) -> tuple[Any, ...]:
    """A tuple that orders JSON values like MongoDB orders BSON values.

    Equal keys mean `json_equal` values (missing and null share a key)."""
    t = type(v)
    if t is str:
        return (3, v)  # code-point order equals UTF-8 byte order
    if t is int or t is float:
        return (2, 1, v) if v == v else (2, 0)  # NaN sorts before every number
    if v is None or v is MISSING:
        return _NULL_KEY
    if t is bool:
        return (6, v)
    if t is dict:
        return (4, tuple(sorted((k, order_key(x)) for k, x in v.items())))
    if t is list:
        return (5, tuple(order_key(x) for x in v))
    return (7, repr(v))


def compare(a: Any, b: Any) -> int:
    """-1, 0 or 1 by the BSON type order (arrays compared as whole values)."""
    ka, kb = order_key(a), order_key(b)
    return (ka > kb) - (ka < kb)


def _class(v: Any) -> int:
    t = type(v)
    if t is int or t is float:
        return 2
    if t is str:
        return 3
    if t is dict:
        return 4
    if t is list:
        return 5
    if t is bool:
        return 6
    return 1 if v is None else 7


# -- paths ------------------------------------------------------------------------

def _index(part: str) -> int:
    if part.isascii() and part.isdigit() and (part == "0" or part[0] != "0"):
        return int(part)
    return -1


def _walk(cur: Any, parts: list[str], idxs: list[int], i: int, out: list[Any]) -> bool:
    """Append the leaf values of parts[i:] under cur to out; True if a branch is missing."""
    n = len(parts)
    while i < n:
        t = type(cur)
        if t is dict:
            cur = cur.get(parts[i], MISSING)
            if cur is MISSING:
                return True
            i += 1
        elif t is list:
            j = idxs[i]
            if j >= 0:
                if j < len(cur):
                    cur = cur[j]
                    i += 1
                    continue
                return True
            missing = False
            for e in cur:
                if type(e) is dict and _walk(e, parts, idxs, i, out):
                    missing = True
            return missing
        else:
            return True
    out.append(cur)
    return False


def _resolver(path: str) -> Callable[[Any], tuple[Sequence[Any], bool]]:
    parts = path.split(".")
    if len(parts) == 1:
        key = parts[0]

        def one(doc: Any) -> tuple[Sequence[Any], bool]:
            v = doc.get(key, MISSING) if type(doc) is dict else MISSING
            return ((), True) if v is MISSING else ((v,), False)
        return one
    idxs = [_index(p) for p in parts]

    def many(doc: Any) -> tuple[Sequence[Any], bool]:
        out: list[Any] = []
        missing = _walk(doc, parts, idxs, 0, out)
        return out, missing or not out
    return many


def get_path(doc: Any, path: str) -> Any:
    """The value at a dotted path, or MISSING. When the path fans out over an
    array of objects the result is the list of the values found."""
    cur = doc
    parts = path.split(".")
    for i, part in enumerate(parts):
        if isinstance(cur, dict):
            cur = cur.get(part, MISSING)
        elif isinstance(cur, list) and _index(part) >= 0:
            j = _index(part)
            cur = cur[j] if j < len(cur) else MISSING
        elif isinstance(cur, list):
            out: list[Any] = []
            rest = parts[i:]
            _walk(cur, rest, [_index(p) for p in rest], 0, out)
            return out if out else MISSING
        else:
            return MISSING
        if cur is MISSING:
            return MISSING
    return cur


# -- operand helpers --------------------------------------------------------------

def _at(path: str) -> str:
    return f" at '{path}'" if path else ""


def _norm_date(v: Any, path: str) -> str:
    try:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            dt = datetime.fromtimestamp(v / 1000, tz=UTC)
        elif isinstance(v, str):
            dt = datetime.fromisoformat(v.strip())
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=UTC)
        else:
            raise TypeError
        dt = dt.astimezone(UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise BadQuery(f"$date{_at(path)} needs an ISO-8601 date string or epoch milliseconds, "
                       f"got {v!r}") from None
    return (f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:"
            f"{dt.second:02d}.{dt.microsecond // 1000:03d}Z")


def literal_operand(v: Any, path: str = "") -> Any:
    """A literal operand, with {$date: x} replaced by its ISO string."""
    if type(v) is dict and len(v) == 1 and "$date" in v:
        return _norm_date(v["$date"], path)
    return v


_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE,
          "g": 0, "u": 0, "v": 0, "y": 0, "d": 0}
_SLASHED = re.compile(r"^/(.*)/([a-z]*)$", re.DOTALL)
_NAMED_GROUP = re.compile(r"(?<!\\)\(\?<(?![=!])")
_NAMED_BACKREF = re.compile(r"\\k<([A-Za-z_][A-Za-z0-9_]*)>")


def _regex(pattern: Any, options: Any, path: str) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise BadQuery(f"$regex{_at(path)} needs a string pattern")
    if options is None:
        options = ""
    if not isinstance(options, str):
        raise BadQuery(f"$options{_at(path)} needs a string of flags")
    m = _SLASHED.match(pattern)
    if m and all(ch in _FLAGS for ch in m.group(2)):
        pattern, options = m.group(1), options + m.group(2)
    flags = 0
    for ch in options:
        if ch not in _FLAGS:
            raise BadQuery(f"$options{_at(path)} has an unknown regex flag {ch!r}")
        flags |= _FLAGS[ch]
    # JavaScript named groups and back-references in Python syntax.
    pattern = _NAMED_BACKREF.sub(r"(?P=\1)", _NAMED_GROUP.sub("(?P<", pattern))
    try:
        return _TimedRegex(regex.compile(pattern, flags | regex.VERSION0), pattern)
    except (regex.error, OverflowError, ValueError) as e:
        raise BadQuery(f"$regex{_at(path)} is invalid ({pattern!r}: {e})") from None


# Tenant patterns run in the storage process, shared by every space: a
# catastrophically backtracking one must not pin a thread. The `regex` module
# (re-compatible) supports a per-match timeout; `re` does not.
REGEX_TIMEOUT_S = 0.25


class _TimedRegex:
    __slots__ = ("pattern", "rx")

    def __init__(self, rx: Any, pattern: str) -> None:
        self.rx, self.pattern = rx, pattern

    def search(self, s: str) -> Any:
        try:
            return self.rx.search(s, timeout=REGEX_TIMEOUT_S)
        except TimeoutError:
            raise BadQuery(f"$regex {self.pattern!r} took longer than {REGEX_TIMEOUT_S}s on one "
                           "value: simplify the pattern") from None


def _is_regex_obj(v: Any) -> bool:
    return type(v) is dict and "$regex" in v and set(v) <= {"$regex", "$options"}


# -- candidate iteration ----------------------------------------------------------

def _any_cand(p: CandPred, expand: bool) -> FieldPred:
    """Field predicate: p holds for some leaf value or (expand) an element of one."""
    if not expand:
        def single(vals: Sequence[Any], missing: bool) -> bool:
            for v in vals:
                if p(v):
                    return True
            return False
        return single

    def fp(vals: Sequence[Any], missing: bool) -> bool:
        for v in vals:
            if p(v):
                return True
            if type(v) is list:
                for x in v:
                    if p(x):
                        return True
        return False
    return fp


def _eq_cand(t: Any) -> CandPred:
    tt = type(t)
    if tt is str:
        return lambda c: c == t
    if tt is bool:
        return lambda c: c is t
    if tt is int or tt is float:
        return lambda c: c == t and c is not True and c is not False
    return lambda c: json_equal(c, t)


def _null_fp(expand: bool) -> FieldPred:
    def fp(vals: Sequence[Any], missing: bool) -> bool:
        if missing:
            return True
        for v in vals:
            if v is None:
                return True
            if expand and type(v) is list:
                for x in v:
                    if x is None:
                        return True
        return False
    return fp


def _eq_fp(t: Any, expand: bool) -> FieldPred:
    if t is None:
        return _null_fp(expand)
    return _any_cand(_eq_cand(t), expand)


def _not(fp: FieldPred) -> FieldPred:
    return lambda vals, missing: not fp(vals, missing)


def _never(vals: Sequence[Any], missing: bool) -> bool:
    return False


_CMP = {"$gt": operator.gt, "$gte": operator.ge, "$lt": operator.lt, "$lte": operator.le}


def _cmp_fp(op: str, t: Any, expand: bool) -> FieldPred:
    f = _CMP[op]
    tt = type(t)
    if t is None:
        return _null_fp(expand) if op in ("$gte", "$lte") else _never
    if tt is int or tt is float:
        def num(c: Any) -> bool:
            tc = type(c)
            return (tc is int or tc is float) and f(c, t)
        return _any_cand(num, expand)
    if tt is str:
        return _any_cand(lambda c: type(c) is str and f(c, t), expand)
    if tt is bool:
        return _any_cand(lambda c: type(c) is bool and f(c, t), expand)
    kt, ct = order_key(t), _class(t)
    return _any_cand(lambda c: _class(c) == ct and f(order_key(c), kt), expand)


def _in_fp(op: str, arr: Any, path: str, expand: bool) -> FieldPred:
    if type(arr) is not list:
        raise BadQuery(f"{op}{_at(path)} needs an array")
    has_null = False
    strs: set[str] = set()
    nums: set[int | float] = set()
    bools: set[bool] = set()
    others: list[Any] = []
    regexes: list[re.Pattern[str]] = []
    for el in arr:
        el = literal_operand(el, path)
        te = type(el)
        if el is None:
            has_null = True
        elif te is str:
            strs.add(el)
        elif te is bool:
            bools.add(el)
        elif te is int or te is float:
            nums.add(el)
        elif _is_regex_obj(el):
            regexes.append(_regex(el["$regex"], el.get("$options"), path))
        elif te is dict and any(isinstance(k, str) and k.startswith("$") for k in el):
            bad = next(k for k in el if k.startswith("$"))
            raise BadQuery(f"{op}{_at(path)} cannot contain the operator {bad}")
        else:
            others.append(el)

    def p(c: Any) -> bool:
        tc = type(c)
        if tc is str:
            if c in strs:
                return True
            for rx in regexes:
                if rx.search(c):
                    return True
            return False
        if tc is int or tc is float:
            return c in nums
        if tc is bool:
            return c in bools
        if tc is dict or tc is list:
            for o in others:
                if json_equal(c, o):
                    return True
        return False

    fp = _any_cand(p, expand)
    if has_null:
        nf, vf = _null_fp(expand), fp
        fp = lambda vals, missing: nf(vals, missing) or vf(vals, missing)  # noqa: E731
    return fp if op == "$in" else _not(fp)


_TYPES: dict[Any, int] = {
    "double": 2, "int": 2, "long": 2, "decimal": 2, "number": 2, 1: 2, 16: 2, 18: 2, 19: 2,
    "string": 3, 2: 3, "object": 4, 3: 4, "array": 5, 4: 5, "bool": 6, "boolean": 6, 8: 6,
    "null": 1, 10: 1,
}


def _type_fp(arg: Any, path: str, expand: bool) -> FieldPred:
    wanted = set()
    for a in arg if type(arg) is list else [arg]:
        key = int(a) if type(a) is float and a == int(a) else a
        if type(key) not in (int, str) or key not in _TYPES:  # also no list/dict: unhashable
            raise BadQuery(f"$type{_at(path)} has an unknown type {a!r}")
        wanted.add(_TYPES[key])
    return _any_cand(lambda c: _class(c) in wanted, expand)


def _mod_fp(arg: Any, path: str, expand: bool) -> FieldPred:
    if (type(arg) is not list or len(arg) != 2 or
            not all(type(x) in (int, float) and math.isfinite(x) for x in arg) or int(arg[0]) == 0):
        raise BadQuery(f"$mod{_at(path)} needs [divisor, remainder] with a non-zero divisor")
    d, r = int(arg[0]), int(arg[1])

    def p(c: Any) -> bool:
        tc = type(c)
        if (tc is not int and tc is not float) or not math.isfinite(c):
            return False
        n = int(c)
        m = abs(n) % abs(d)  # truncated (C/JS) remainder: sign follows the dividend
        return (-m if n < 0 else m) == r
    return _any_cand(p, expand)


def _size_fp(arg: Any, path: str) -> FieldPred:
    if type(arg) is float and arg == arg and arg == int(arg):
        arg = int(arg)
    if type(arg) is not int or arg < 0:
        raise BadQuery(f"$size{_at(path)} needs a non-negative integer")
    n = arg
    return lambda vals, missing: any(type(v) is list and len(v) == n for v in vals)


_LOGICAL = ("$and", "$or", "$nor")


def _element_pred(spec: Any, path: str, depth: int) -> CandPred:
    """How $elemMatch (and $pull) test one array element: an operator object is
    applied to the element itself, a plain object is a query on an object
    element, any other value is JSON equality."""
    if type(spec) is dict and spec:
        dollar = [k for k in spec if k.startswith("$")]
        if dollar and all(k not in _LOGICAL for k in dollar):
            fp = _ops_fp(spec, path, depth, expand=False)
            return lambda e: fp((e,), False)
        sub = _compile(spec, depth, path)
        # Like MongoDB, an array element is a document whose keys are "0", "1", ...
        return lambda e: (sub(e) if type(e) is dict else
                          type(e) is list and sub({str(i): x for i, x in enumerate(e)}))
    if type(spec) is dict:  # {} matches every object (or array) element
        return lambda e: type(e) is dict or type(e) is list
    return _eq_cand(spec) if spec is not None else (lambda e: e is None)


def element_matcher(spec: Any, path: str = "") -> CandPred:
    """Public form of the element test used by $elemMatch / the update $pull."""
    return _element_pred(literal_operand(spec, path), path, 1)


def _elem_match_fp(arg: Any, path: str, depth: int) -> FieldPred:
    if type(arg) is not dict:
        raise BadQuery(f"$elemMatch{_at(path)} needs an object")
    check = _element_pred(arg, path, depth + 1)

    def fp(vals: Sequence[Any], missing: bool) -> bool:
        for v in vals:
            if type(v) is list:
                for e in v:
                    if check(e):
                        return True
        return False
    return fp


def _all_fp(arg: Any, path: str, depth: int, expand: bool) -> FieldPred:
    if type(arg) is not list:
        raise BadQuery(f"$all{_at(path)} needs an array")
    if not arg:
        return _never
    fps: list[FieldPred] = []
    for el in arg:
        el = literal_operand(el, path)
        if type(el) is dict and set(el) == {"$elemMatch"}:
            fps.append(_elem_match_fp(el["$elemMatch"], path, depth))
        elif _is_regex_obj(el):
            rx = _regex(el["$regex"], el.get("$options"), path)
            fps.append(_any_cand(lambda c, rx=rx: type(c) is str and rx.search(c) is not None,
                                 expand))
        elif type(el) is dict and any(k.startswith("$") for k in el):
            bad = next(k for k in el if k.startswith("$"))
            raise BadQuery(f"$all{_at(path)} cannot contain the operator {bad}")
        else:
            fps.append(_eq_fp(el, expand))
    return _all_of(fps)


def _all_of(fps: list[FieldPred]) -> FieldPred:
    if len(fps) == 1:
        return fps[0]
    if len(fps) == 2:
        a, b = fps
        return lambda vals, missing: a(vals, missing) and b(vals, missing)

    def fp(vals: Sequence[Any], missing: bool) -> bool:
        for f in fps:
            if not f(vals, missing):
                return False
        return True
    return fp


def _ops_fp(spec: dict[str, Any], path: str, depth: int, expand: bool) -> FieldPred:
    """Compile an operator object such as {$gt: 1, $lt: 5} for one path."""
    if depth > MAX_DEPTH:
        raise BadQuery("query is nested too deeply")
    plain = [k for k in spec if not k.startswith("$")]
    if plain:
        op = next(k for k in spec if k.startswith("$"))
        raise BadQuery(f"the condition{_at(path)} mixes the operator {op} with the plain field "
                       f"'{plain[0]}'")
    fps: list[FieldPred] = []
    for op, arg in spec.items():
        if op in ("$eq", "$ne"):
            fp = _eq_fp(literal_operand(arg, path), expand)
            fps.append(fp if op == "$eq" else _not(fp))
        elif op in _CMP:
            fps.append(_cmp_fp(op, literal_operand(arg, path), expand))
        elif op in ("$in", "$nin"):
            fps.append(_in_fp(op, arg, path, expand))
        elif op == "$exists":
            want = bool(arg)
            fps.append(lambda vals, missing, want=want: bool(vals) is want)
        elif op == "$regex":
            rx = _regex(arg, spec.get("$options"), path)
            fps.append(_any_cand(lambda c, rx=rx: type(c) is str and rx.search(c) is not None,
                                 expand))
        elif op == "$options":
            if "$regex" not in spec:
                raise BadQuery(f"$options{_at(path)} needs a $regex")
        elif op == "$not":
            if type(arg) is dict and arg and any(k.startswith("$") for k in arg):
                fps.append(_not(_ops_fp(arg, path, depth + 1, expand)))
            else:  # Codehooks: {$not: value} means "not equal"
                fps.append(_not(_eq_fp(arg, expand)))
        elif op == "$elemMatch":
            fps.append(_elem_match_fp(arg, path, depth))
        elif op == "$size":
            fps.append(_size_fp(arg, path))
        elif op == "$all":
            fps.append(_all_fp(arg, path, depth, expand))
        elif op in ("$startsWith", "$endsWith"):
            if type(arg) is not str:
                raise BadQuery(f"{op}{_at(path)} needs a string")
            if op == "$startsWith":
                fps.append(_any_cand(lambda c, a=arg: type(c) is str and c.startswith(a), expand))
            else:
                fps.append(_any_cand(lambda c, a=arg: type(c) is str and c.endswith(a), expand))
        elif op == "$date":
            fps.append(_eq_fp(_norm_date(arg, path), expand))
        elif op == "$type":
            fps.append(_type_fp(arg, path, expand))
        elif op == "$mod":
            fps.append(_mod_fp(arg, path, expand))
        else:
            raise BadQuery(f"unknown operator {op}{_at(path)}")
    if not fps:  # only possible for {$options} which raised above
        raise BadQuery(f"empty condition{_at(path)}")
    return _all_of(fps)


def _field_fp(spec: Any, path: str, depth: int) -> FieldPred:
    if type(spec) is dict and spec and any(k.startswith("$") for k in spec):
        return _ops_fp(spec, path, depth, expand=True)
    return _eq_fp(spec, expand=True)


def _field_clause(key: str, fp: FieldPred) -> DocPred:
    if "." not in key:
        def one(doc: Doc) -> bool:
            v = doc.get(key, MISSING)
            if v is MISSING:
                return fp((), True)
            return fp((v,), False)
        return one
    resolve = _resolver(key)
    return lambda doc: fp(*resolve(doc))


def _true(doc: Doc) -> bool:
    return True


def _compile(query: Any, depth: int, prefix: str = "") -> DocPred:
    if depth > MAX_DEPTH:
        raise BadQuery("query is nested too deeply")
    if type(query) is not dict:
        raise BadQuery(f"query must be a JSON object{_at(prefix)}")
    clauses: list[DocPred] = []
    logical: list[DocPred] = []
    for key, spec in query.items():
        if not isinstance(key, str):
            raise BadQuery("query field names must be strings")
        if key.startswith("$"):
            if key in _LOGICAL:
                if type(spec) is not list or not spec:
                    raise BadQuery(f"{key}{_at(prefix)} needs a non-empty array of query objects")
                for i, s in enumerate(spec):
                    if type(s) is not dict:
                        raise BadQuery(f"{key}{_at(prefix)}: element {i} is not a query object")
                subs = [_compile(s, depth + 1, prefix) for s in spec]
                logical.append(_logical(key, subs))
            elif key == "$comment":
                continue
            else:
                raise BadQuery(f"unknown top-level operator {key}{_at(prefix)}")
        else:
            path = f"{prefix}.{key}" if prefix else key
            clauses.append(_field_clause(key, _field_fp(spec, path, depth)))
    clauses += logical  # cheap field tests first
    if not clauses:
        return _true
    if len(clauses) == 1:
        return clauses[0]
    if len(clauses) == 2:
        a, b = clauses
        return lambda doc: a(doc) and b(doc)

    def every(doc: Doc) -> bool:
        for c in clauses:
            if not c(doc):
                return False
        return True
    return every


def _logical(key: str, subs: list[DocPred]) -> DocPred:
    if len(subs) == 1:
        s = subs[0]
        return (lambda doc: not s(doc)) if key == "$nor" else s
    if key == "$and":
        def all_of(doc: Doc) -> bool:
            for s in subs:
                if not s(doc):
                    return False
            return True
        return all_of

    def any_of(doc: Doc) -> bool:
        for s in subs:
            if s(doc):
                return True
        return False
    return any_of if key == "$or" else (lambda doc: not any_of(doc))


def compile_query(query: Any) -> DocPred:
    """Validate a filter (raising BadQuery) and return a predicate doc -> bool."""
    return _compile(query, 0)


_CACHE: dict[str, DocPred] = {}
_CACHE_MAX = 256


def matches(doc: Doc, query: Any) -> bool:
    """compile_query(query)(doc); compiled queries are cached by their repr."""
    if type(query) is not dict:
        raise BadQuery("query must be a JSON object")
    key = repr(query)
    fn = _CACHE.get(key)
    if fn is None:
        fn = compile_query(query)
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        _CACHE[key] = fn
    return fn(doc)


# -- sorting ----------------------------------------------------------------------

_DIRECTIONS: dict[Any, int] = {1: 1, -1: -1, "1": 1, "-1": -1, "asc": 1, "ascending": 1,
                               "desc": -1, "descending": -1}


def _direction(field: str, d: Any) -> int:
    key = d.lower() if isinstance(d, str) else d
    if isinstance(key, bool) or (isinstance(key, float) and key not in (1.0, -1.0)):
        key = None
    if isinstance(key, float):
        key = int(key)
    try:
        return _DIRECTIONS[key]
    except (KeyError, TypeError):
        raise BadQuery(f"sort direction for '{field}' must be 1 or -1, got {d!r}") from None


def _sort_value_key(vals: Sequence[Any], missing: bool, desc: bool) -> tuple[Any, ...]:
    keys = [_NULL_KEY] if missing else []
    for v in vals:
        if type(v) is list:
            if v:
                keys.extend(order_key(x) for x in v)
            else:
                keys.append(_EMPTY_ARRAY_KEY)
        else:
            keys.append(order_key(v))
    if len(keys) == 1:
        return keys[0]
    return max(keys) if desc else min(keys)


class _Desc:
    __slots__ = ("k",)

    def __init__(self, k: tuple[Any, ...]) -> None:
        self.k = k

    def __lt__(self, other: _Desc) -> bool:
        return other.k < self.k

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.k == other.k

    def __hash__(self) -> int:
        return hash(self.k)


def sort_key_fn(sort: Any) -> Callable[[Doc], Any]:
    """A `key=` function for sorted() implementing a MongoDB sort specification."""
    if not isinstance(sort, dict):
        raise BadQuery('sort must be an object like {"field": 1}')
    fields = [(_resolver(f), _direction(f, d) < 0) for f, d in sort.items()]
    if not fields:
        return lambda doc: 0
    if len(fields) == 1:
        resolve, desc = fields[0]
        if desc:
            return lambda doc: _Desc(_sort_value_key(*resolve(doc), True))
        return lambda doc: _sort_value_key(*resolve(doc), False)

    def key(doc: Doc) -> tuple[Any, ...]:
        out: list[Any] = []
        for resolve, desc in fields:
            k = _sort_value_key(*resolve(doc), desc)
            out.append(_Desc(k) if desc else k)
        return tuple(out)
    return key
