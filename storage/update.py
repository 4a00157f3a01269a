"""MongoDB-style update documents (spec section 4.7).

`apply_update(doc, update)` returns the updated copy of doc and never mutates
its arguments. A plain object (no `$` keys) merges its top-level fields;
otherwise the keys are operators: $set $setOnInsert $unset $inc $mul $min $max
$push $addToSet $pull $pullAll $pop $rename. Paths are dotted; a numeric
segment addresses an element of an existing array (setting past the end pads
with null, as MongoDB does). Two operators may not touch the same path or a
path and its prefix. `_id` is kept: `$set`/merge of `_id` is ignored (spec:
"Ignore _id"), any other operator on `_id` is an error.

`upsert_document(query, update)` builds the document an upsert inserts: the
equality conditions of the query (also inside `$and`), then the update, with
`$setOnInsert` applied like `$set`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

from storage.query import (
    MISSING,
    BadQuery,
    compare,
    element_matcher,
    json_equal,
    literal_operand,
    order_key,
    sort_key_fn,
)


class BadUpdate(ValueError):
    pass


MAX_ARRAY_PAD = 1_500_000

_OPERATORS = ("$set", "$setOnInsert", "$unset", "$inc", "$mul", "$min", "$max", "$push",
              "$addToSet", "$pull", "$pullAll", "$pop", "$rename")


def _copy(v: Any) -> Any:
    t = type(v)
    if t is dict:
        return {k: _copy(x) for k, x in v.items()}
    if t is list:
        return [_copy(x) for x in v]
    return v


def _tname(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "an array"
    if isinstance(v, dict):
        return "an object"
    return type(v).__name__


def _is_num(v: Any) -> bool:
    return type(v) is int or type(v) is float


def _index(part: str) -> int:
    if part.isascii() and part.isdigit() and (part == "0" or part[0] != "0"):
        return int(part)
    return -1


def _split(path: Any, op: str) -> list[str]:
    if not isinstance(path, str) or not path:
        raise BadUpdate(f"{op} needs non-empty field paths")
    parts = path.split(".")
    for p in parts:
        if not p:
            raise BadUpdate(f"{op} of '{path}': empty field name")
        if p.startswith("$"):
            raise BadUpdate(f"{op} of '{path}': positional operators and $-prefixed field names "
                            "are not supported")
    return parts


# -- navigation -------------------------------------------------------------------

def _pad(arr: list[Any], idx: int, op: str, path: str) -> None:
    if idx > MAX_ARRAY_PAD:
        raise BadUpdate(f"{op} of '{path}': array index {idx} is too large")
    if idx >= len(arr):
        arr.extend([None] * (idx + 1 - len(arr)))


def _container(doc: dict[str, Any], parts: list[str], op: str, path: str,
               create: bool, through_arrays: bool = True) -> Any:
    """The dict or list holding the last segment of parts, creating missing
    intermediate objects when create; None when it does not exist (not create)."""
    cur: Any = doc
    for i, p in enumerate(parts[:-1]):
        where = ".".join(parts[:i + 1])
        if type(cur) is dict:
            nxt = cur.get(p, MISSING)
            if nxt is MISSING:
                if not create:
                    return None
                nxt = cur[p] = {}
        elif type(cur) is list:
            if not through_arrays:
                raise BadUpdate(f"{op} of '{path}': cannot go through the array "
                                f"'{'.'.join(parts[:i])}'")
            j = _index(p)
            if j < 0:
                if not create:
                    return None
                raise BadUpdate(f"{op} of '{path}': cannot use the field name '{p}' to index "
                                f"the array '{'.'.join(parts[:i])}'")
            if j >= len(cur):
                if not create:
                    return None
                _pad(cur, j, op, path)
                cur[j] = {}
            nxt = cur[j]
        else:
            raise AssertionError("unreachable")
        if type(nxt) is not dict and type(nxt) is not list:
            if not create:
                return None
            raise BadUpdate(f"{op} of '{path}': cannot create field '{parts[i + 1]}' in "
                            f"'{where}' which is {_tname(nxt)}")
        cur = nxt
    if type(cur) is list:
        if not through_arrays:
            raise BadUpdate(f"{op} of '{path}': cannot go through the array "
                            f"'{'.'.join(parts[:-1])}'")
        if _index(parts[-1]) < 0:
            if not create:
                return None
            raise BadUpdate(f"{op} of '{path}': cannot use the field name '{parts[-1]}' to "
                            f"index the array '{'.'.join(parts[:-1])}'")
    return cur


def _get(cont: Any, key: str) -> Any:
    if type(cont) is dict:
        return cont.get(key, MISSING)
    j = _index(key)
    return cont[j] if 0 <= j < len(cont) else MISSING


def _put(cont: Any, key: str, value: Any, op: str, path: str) -> None:
    if type(cont) is dict:
        cont[key] = value
    else:
        j = _index(key)
        _pad(cont, j, op, path)
        cont[j] = value


# -- operators --------------------------------------------------------------------

def _number(v: Any, op: str, path: str) -> Any:
    if not _is_num(v) or (type(v) is float and not math.isfinite(v)):
        raise BadUpdate(f"{op} of '{path}' needs a number")
    return v


def _arith(doc: dict[str, Any], parts: list[str], path: str, op: str, arg: Any) -> None:
    _number(arg, op, path)
    cont = _container(doc, parts, op, path, create=True)
    cur = _get(cont, parts[-1])
    if cur is MISSING:
        new = arg if op == "$inc" else arg * 0
    elif not _is_num(cur):
        raise BadUpdate(f"{op} of '{path}' which is not a number ({_tname(cur)})")
    else:
        new = cur + arg if op == "$inc" else cur * arg
    if type(new) is float and not math.isfinite(new):
        raise BadUpdate(f"{op} of '{path}' overflows")
    _put(cont, parts[-1], new, op, path)


def _array_target(doc: dict[str, Any], parts: list[str], path: str, op: str,
                  create: bool) -> tuple[Any, list[Any] | None]:
    prep = "to" if op in ("$push", "$addToSet") else "from" if op.startswith("$pull") else "of"
    cont = _container(doc, parts, op, path, create=create)
    if cont is None:
        return None, None
    cur = _get(cont, parts[-1])
    if cur is MISSING:
        if not create:
            return cont, None
        cur = []
        _put(cont, parts[-1], cur, op, path)
    if type(cur) is not list:
        raise BadUpdate(f"{op} {prep} '{path}' which is not an array ({_tname(cur)})")
    return cont, cur


_PUSH_MODIFIERS = ("$each", "$position", "$slice", "$sort")


def _sorter(spec: Any, path: str) -> Callable[[Any], Any]:
    if spec in (1, -1) and not isinstance(spec, bool):
        return lambda e: order_key(e)
    if isinstance(spec, dict) and spec:
        try:
            return sort_key_fn(spec)
        except BadQuery as e:
            raise BadUpdate(f"$push to '{path}': $sort {e}") from None
    raise BadUpdate(f"$push to '{path}': $sort needs 1, -1 or an object like {{\"field\": 1}}")


def _push(doc: dict[str, Any], parts: list[str], path: str, arg: Any) -> None:
    if type(arg) is dict and any(k in _PUSH_MODIFIERS for k in arg):
        if "$each" not in arg:
            raise BadUpdate(f"$push to '{path}': modifiers need $each")
        bad = [k for k in arg if k not in _PUSH_MODIFIERS]
        if bad:
            raise BadUpdate(f"$push to '{path}': unknown modifier {bad[0]}")
        items = arg["$each"]
        if type(items) is not list:
            raise BadUpdate(f"$push to '{path}': $each needs an array")
        pos, slc, srt = arg.get("$position"), arg.get("$slice"), arg.get("$sort")
        for name, v in (("$position", pos), ("$slice", slc)):
            if v is not None and (type(v) is not int):
                raise BadUpdate(f"$push to '{path}': {name} needs an integer")
        key = _sorter(srt, path) if "$sort" in arg else None
    else:
        items, pos, slc, key = [arg], None, None, None
    _, arr = _array_target(doc, parts, path, "$push", create=True)
    assert arr is not None
    items = [_copy(x) for x in items]
    if pos is None:
        arr.extend(items)
    else:
        arr[pos:pos] = items
    if key is not None:
        arr.sort(key=key, reverse=srt == -1)
    if slc is not None:
        arr[:] = arr[:slc] if slc >= 0 else arr[slc:]


def _add_to_set(doc: dict[str, Any], parts: list[str], path: str, arg: Any) -> None:
    if type(arg) is dict and "$each" in arg:
        if len(arg) != 1:
            raise BadUpdate(f"$addToSet to '{path}' only supports the $each modifier")
        items = arg["$each"]
        if type(items) is not list:
            raise BadUpdate(f"$addToSet to '{path}': $each needs an array")
    else:
        items = [arg]
    _, arr = _array_target(doc, parts, path, "$addToSet", create=True)
    assert arr is not None
    for x in items:
        if not any(json_equal(x, e) for e in arr):
            arr.append(_copy(x))


def _pull(doc: dict[str, Any], parts: list[str], path: str, op: str, arg: Any) -> None:
    if op == "$pullAll":
        if type(arg) is not list:
            raise BadUpdate(f"$pullAll from '{path}' needs an array")
        values = arg

        def check(e: Any) -> bool:
            return any(json_equal(e, v) for v in values)
    else:
        try:
            check = element_matcher(arg, path)
        except BadQuery as e:
            raise BadUpdate(f"$pull from '{path}': {e}") from None
    _, arr = _array_target(doc, parts, path, op, create=False)
    if arr is not None:
        arr[:] = [e for e in arr if not check(e)]


def _pop(doc: dict[str, Any], parts: list[str], path: str, arg: Any) -> None:
    if not _is_num(arg) or arg not in (1, -1):
        raise BadUpdate(f"$pop of '{path}' needs 1 or -1")
    _, arr = _array_target(doc, parts, path, "$pop", create=False)
    if arr:
        arr.pop(-1 if arg == 1 else 0)


def _unset(doc: dict[str, Any], parts: list[str], path: str) -> None:
    cont = _container(doc, parts, "$unset", path, create=False)
    if type(cont) is dict:
        cont.pop(parts[-1], None)
    elif type(cont) is list:
        j = _index(parts[-1])
        if 0 <= j < len(cont):
            cont[j] = None  # MongoDB keeps array positions


def _set(doc: dict[str, Any], parts: list[str], path: str, op: str, arg: Any) -> None:
    cont = _container(doc, parts, op, path, create=True)
    _put(cont, parts[-1], _copy(arg), op, path)


def _minmax(doc: dict[str, Any], parts: list[str], path: str, op: str, arg: Any) -> None:
    cont = _container(doc, parts, op, path, create=True)
    cur = _get(cont, parts[-1])
    c = compare(arg, cur) if cur is not MISSING else 0
    if cur is MISSING or (c < 0 if op == "$min" else c > 0):
        _put(cont, parts[-1], _copy(arg), op, path)


def _rename(doc: dict[str, Any], src: list[str], dst: list[str], path: str, to: str) -> None:
    cont = _container(doc, src, "$rename", path, create=False, through_arrays=False)
    if type(cont) is not dict or src[-1] not in cont:
        return
    value = cont.pop(src[-1])
    target = _container(doc, dst, "$rename", to, create=True, through_arrays=False)
    target[dst[-1]] = value


# -- entry points -----------------------------------------------------------------

def _targets(update: dict[str, Any]) -> list[tuple[str, str, list[str], Any]]:
    """Validate the operator document: [(op, path, parts, argument)]."""
    plain = [k for k in update if not k.startswith("$")]
    if plain:
        op = next(k for k in update if k.startswith("$"))
        raise BadUpdate(f"cannot mix update operators ({op}) with plain fields ('{plain[0]}')")
    out: list[tuple[str, str, list[str], Any]] = []
    for op, spec in update.items():
        if op not in _OPERATORS:
            raise BadUpdate(f"unknown update operator {op}")
        if op == "$unset" and isinstance(spec, str):
            spec = {spec: ""}
        elif op == "$unset" and isinstance(spec, list) and all(isinstance(s, str) for s in spec):
            spec = {s: "" for s in spec}
        if not isinstance(spec, dict):
            raise BadUpdate(f"{op} needs an object")
        for path, arg in spec.items():
            parts = _split(path, op)
            if parts[0] == "_id" and not (op in ("$set", "$setOnInsert") and len(parts) == 1):
                raise BadUpdate(f"{op} cannot modify _id")
            if op == "$rename":
                if not isinstance(arg, str):
                    raise BadUpdate(f"$rename of '{path}' needs the new field name as a string")
                to = _split(arg, op)
                if to[0] == "_id":
                    raise BadUpdate("$rename cannot modify _id")
                out.append((op, arg, to, None))
            out.append((op, path, parts, arg))
    _check_conflicts(out)
    return out


def _check_conflicts(targets: list[tuple[str, str, list[str], Any]]) -> None:
    seen = sorted((tuple(parts), op, path) for op, path, parts, _ in targets)
    for (a, op_a, pa), (b, op_b, pb) in itertools.pairwise(seen):
        if b[:len(a)] == a:
            raise BadUpdate(f"conflicting updates of '{pa}' ({op_a}) and '{pb}' ({op_b})")


def _apply(doc: dict[str, Any], update: Any, insert: bool) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise BadUpdate("document must be a JSON object")
    if not isinstance(update, dict):
        raise BadUpdate("update must be a JSON object")
    new: dict[str, Any] = _copy(doc)
    has_id = "_id" in doc
    if not any(k.startswith("$") for k in update):  # plain object: top-level merge
        for k, v in update.items():
            if k != "_id" or not has_id:
                new[k] = _copy(v)
        return new
    for op, path, parts, arg in _targets(update):
        if op in ("$set", "$setOnInsert"):
            if op == "$setOnInsert" and not insert:
                continue
            if parts == ["_id"] and has_id:
                continue
            _set(new, parts, path, op, arg)
        elif op == "$unset":
            _unset(new, parts, path)
        elif op in ("$inc", "$mul"):
            _arith(new, parts, path, op, arg)
        elif op in ("$min", "$max"):
            _minmax(new, parts, path, op, arg)
        elif op == "$push":
            _push(new, parts, path, arg)
        elif op == "$addToSet":
            _add_to_set(new, parts, path, arg)
        elif op in ("$pull", "$pullAll"):
            _pull(new, parts, path, op, arg)
        elif op == "$pop":
            _pop(new, parts, path, arg)
        elif op == "$rename":
            if arg is not None:  # the (destination, None) entry only serves conflict checks
                _rename(new, parts, _split(arg, op), path, arg)
    if has_id:
        new["_id"] = doc["_id"]
    return new


def apply_update(doc: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """The updated copy of doc; raises BadUpdate for a malformed update."""
    return _apply(doc, update, insert=False)


def _equalities(query: dict[str, Any], out: list[tuple[str, Any]]) -> None:
    for key, spec in query.items():
        if key == "$and" and isinstance(spec, list):
            for sub in spec:
                if isinstance(sub, dict):
                    _equalities(sub, out)
        elif not isinstance(key, str) or key.startswith("$"):
            continue
        elif isinstance(spec, dict) and any(k.startswith("$") for k in spec):
            try:
                if "$eq" in spec:
                    out.append((key, literal_operand(spec["$eq"], key)))
                elif set(spec) == {"$date"}:
                    out.append((key, literal_operand(spec, key)))
            except BadQuery as e:
                raise BadUpdate(str(e)) from None
        else:
            out.append((key, spec))


def upsert_document(query: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """The document an upsert inserts when nothing matches query."""
    if not isinstance(query, dict):
        raise BadUpdate("query must be a JSON object")
    eqs: list[tuple[str, Any]] = []
    _equalities(query, eqs)
    base: dict[str, Any] = {}
    seen: dict[tuple[str, ...], str] = {}
    for path, value in eqs:
        parts = _split(path, "upsert")
        for other, opath in seen.items():
            n = min(len(other), len(parts))
            if other[:n] == tuple(parts[:n]) and (len(other) != len(parts)):
                raise BadUpdate(f"upsert: the query fields '{opath}' and '{path}' conflict")
        seen[tuple(parts)] = path
        _set(base, parts, path, "upsert", value)
    return _apply(base, update, insert=True)
