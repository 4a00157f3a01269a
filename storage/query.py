"""Evaluate MongoDB-style filter documents against JSON documents.

The subset needed by the skeleton: equality (an array field equal to a scalar
means "contains"), $eq $ne $gt $gte $lt $lte $in $nin $exists $regex, $and $or
$nor $not, dotted paths. An unknown operator is a BadQuery naming it and its
path, never a silent empty result.
"""

from __future__ import annotations

import re
from typing import Any

MISSING = object()


class BadQuery(ValueError):
    pass


def get_path(doc: Any, path: str) -> Any:
    cur = doc
    for part in path.split("."):
        if isinstance(cur, dict):
            cur = cur.get(part, MISSING)
        elif isinstance(cur, list) and part.isdigit():
            i = int(part)
            cur = cur[i] if i < len(cur) else MISSING
        elif isinstance(cur, list):
            vals = [get_path(x, part) for x in cur if isinstance(x, dict)]
            vals = [v for v in vals if v is not MISSING]
            return vals if vals else MISSING
        else:
            return MISSING
        if cur is MISSING:
            return MISSING
    return cur


def _type_rank(v: Any) -> int:
    if v is None or v is MISSING:
        return 1
    if isinstance(v, bool):
        return 5
    if isinstance(v, (int, float)):
        return 2
    if isinstance(v, str):
        return 3
    if isinstance(v, dict):
        return 4
    if isinstance(v, list):
        return 6
    return 7


def compare(a: Any, b: Any) -> int:
    ra, rb = _type_rank(a), _type_rank(b)
    if ra != rb:
        return -1 if ra < rb else 1
    if ra in (2, 3, 5):
        return (a > b) - (a < b)
    if ra == 6:
        for x, y in zip(a, b, strict=False):
            c = compare(x, y)
            if c:
                return c
        return (len(a) > len(b)) - (len(a) < len(b))
    return 0


def _candidates(v: Any) -> list[Any]:
    return [v, *v] if isinstance(v, list) else [v]


def _same_kind(a: Any, b: Any) -> bool:
    """JSON equality: numbers compare across int/float, but never with booleans."""
    num = (int, float)
    return type(a) is type(b) or (isinstance(a, num) and isinstance(b, num)
                                  and not isinstance(a, bool) and not isinstance(b, bool))


def _eq(v: Any, target: Any) -> bool:
    if target is None:
        return v is MISSING or v is None or (isinstance(v, list) and None in v)
    return any(_same_kind(c, target) and c == target for c in _candidates(v))


def _cmp(v: Any, target: Any, ok: Any) -> bool:
    return any(c is not MISSING and _type_rank(c) == _type_rank(target) and ok(compare(c, target))
               for c in _candidates(v))


def _regex(pattern: Any, options: str = "") -> re.Pattern[str]:
    if isinstance(pattern, str) and len(pattern) > 1 and pattern.startswith("/") and \
            pattern.rfind("/") > 0:
        last = pattern.rfind("/")
        options += pattern[last + 1:]
        pattern = pattern[1:last]
    if not isinstance(pattern, str):
        raise BadQuery("$regex needs a string pattern")
    flags = 0
    for ch in options:
        flags |= {"i": re.I, "m": re.M, "s": re.S, "x": re.X, "g": 0, "u": 0}.get(ch, 0)
    try:
        return re.compile(pattern, flags)
    except re.error as e:
        raise BadQuery(f"invalid $regex {pattern!r}: {e}") from None


def _op(v: Any, op: str, arg: Any, spec: dict[str, Any], path: str) -> bool:
    if op == "$eq":
        return _eq(v, arg)
    if op == "$ne":
        return not _eq(v, arg)
    if op == "$gt":
        return _cmp(v, arg, lambda c: c > 0)
    if op == "$gte":
        return _cmp(v, arg, lambda c: c >= 0)
    if op == "$lt":
        return _cmp(v, arg, lambda c: c < 0)
    if op == "$lte":
        return _cmp(v, arg, lambda c: c <= 0)
    if op in ("$in", "$nin"):
        if not isinstance(arg, list):
            raise BadQuery(f"{op} at '{path}' needs an array")
        hit = any(_eq(v, a) for a in arg)
        return hit if op == "$in" else not hit
    if op == "$exists":
        return (v is not MISSING) == bool(arg)
    if op == "$regex":
        rx = _regex(arg, spec.get("$options", ""))
        return any(isinstance(c, str) and rx.search(c) for c in _candidates(v))
    if op == "$options":
        return True
    if op == "$not":
        return not _field(v, arg, path)
    raise BadQuery(f"unknown operator {op} at '{path}'")


def _field(v: Any, spec: Any, path: str) -> bool:
    if isinstance(spec, dict) and spec and all(k.startswith("$") for k in spec):
        return all(_op(v, op, arg, spec, path) for op, arg in spec.items())
    return _eq(v, spec)


def matches(doc: dict[str, Any], query: dict[str, Any], depth: int = 0) -> bool:
    if depth > 32:
        raise BadQuery("query is nested too deeply")
    if not isinstance(query, dict):
        raise BadQuery("query must be a JSON object")
    for key, spec in query.items():
        if key in ("$and", "$or", "$nor"):
            if not isinstance(spec, list) or not spec:
                raise BadQuery(f"{key} needs a non-empty array")
            results = (matches(doc, q, depth + 1) for q in spec)
            ok = all(results) if key == "$and" else any(results)
            if key == "$nor":
                ok = not any(matches(doc, q, depth + 1) for q in spec)
            if not ok:
                return False
        elif key.startswith("$"):
            raise BadQuery(f"unknown top-level operator {key}")
        elif not _field(get_path(doc, key), spec, key):
            return False
    return True


def sort_key_fn(sort: dict[str, int]) -> Any:
    import functools

    items = list(sort.items())

    def cmp(a: dict[str, Any], b: dict[str, Any]) -> int:
        for field, direction in items:
            c = compare(get_path(a, field), get_path(b, field))
            if c:
                return c if int(direction) >= 0 else -c
        return 0

    return functools.cmp_to_key(cmp)
