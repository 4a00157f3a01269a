"""Property-based tests of storage/query.py.

Random small documents and random queries drawn from a grammar are evaluated
by `matches` and by a deliberately plain reference evaluator written here from
the MongoDB rules (it imports nothing but the public API under test). Also:
compile_query(q)(d) == matches(d, q), and sort_key_fn orders random mixed-type
values totally and consistently with a reference ordering.
"""

from __future__ import annotations

import functools
import itertools
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.query import compile_query, matches, sort_key_fn

SETTINGS = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
FEWER = settings(SETTINGS, max_examples=100)

# -- reference model ------------------------------------------------------------------

ABSENT = ("absent",)  # a missing field
EMPTY = ("empty array",)  # the sort key of []: below null


def rank(v: Any) -> int:
    """BSON type order: null < numbers < strings < objects < arrays < booleans."""
    if v is None or v is ABSENT:
        return 0
    if isinstance(v, bool):
        return 5
    if isinstance(v, (int, float)):
        return 1
    if isinstance(v, str):
        return 2
    if isinstance(v, dict):
        return 3
    assert isinstance(v, list)
    return 4


def ref_cmp(a: Any, b: Any) -> int:
    ra, rb = rank(a), rank(b)
    if ra != rb:
        return -1 if ra < rb else 1
    if ra == 0:
        return 0
    if ra in (1, 2, 5):
        return -1 if a < b else (1 if a > b else 0)
    if ra == 4:
        for x, y in zip(a, b, strict=False):
            c = ref_cmp(x, y)
            if c:
                return c
        return -1 if len(a) < len(b) else (1 if len(a) > len(b) else 0)
    # objects: compare their (key, value) pairs in key order
    ka, kb = sorted(a), sorted(b)
    for x, y in zip(ka, kb, strict=False):
        if x != y:
            return -1 if x < y else 1
        c = ref_cmp(a[x], b[y])
        if c:
            return c
    return -1 if len(ka) < len(kb) else (1 if len(ka) > len(kb) else 0)


def ref_equal(a: Any, b: Any) -> bool:
    return rank(a) == rank(b) and ref_cmp(a, b) == 0


def resolve(value: Any, parts: list[str]) -> tuple[list[Any], bool]:
    """(leaf values, some branch missing)."""
    if not parts:
        return [value], False
    head, rest = parts[0], parts[1:]
    if isinstance(value, dict):
        if head in value:
            return resolve(value[head], rest)
        return [], True
    if isinstance(value, list):
        if head.isdigit() and (head == "0" or not head.startswith("0")):
            i = int(head)
            return resolve(value[i], rest) if i < len(value) else ([], True)
        found: list[Any] = []
        missing = False
        for element in value:
            if isinstance(element, dict):
                f, m = resolve(element, parts)
                found += f
                missing = missing or m
        return found, missing
    return [], True


def candidates(values: list[Any], expand: bool) -> list[Any]:
    out = []
    for v in values:
        out.append(v)
        if expand and isinstance(v, list):
            out.extend(v)
    return out


def ref_operators(ops: dict[str, Any], values: list[Any], missing: bool, expand: bool) -> bool:
    missing = missing or not values
    cands = candidates(values, expand)

    def eq(t: Any) -> bool:
        if t is None:
            return missing or any(c is None for c in cands)
        return any(ref_equal(c, t) for c in cands)

    results = []
    for op, arg in ops.items():
        if op == "$eq":
            results.append(eq(arg))
        elif op == "$ne":
            results.append(not eq(arg))
        elif op in ("$gt", "$gte", "$lt", "$lte"):
            if arg is None:
                results.append(eq(None) if op in ("$gte", "$lte") else False)
                continue
            want = {"$gt": (1,), "$gte": (0, 1), "$lt": (-1,), "$lte": (-1, 0)}[op]
            results.append(any(rank(c) == rank(arg) and ref_cmp(c, arg) in want for c in cands))
        elif op == "$in":
            results.append(any(eq(x) for x in arg))
        elif op == "$nin":
            results.append(not any(eq(x) for x in arg))
        elif op == "$exists":
            results.append(bool(values) == bool(arg))
        elif op == "$size":
            results.append(any(isinstance(v, list) and len(v) == arg for v in values))
        elif op == "$all":
            results.append(bool(arg) and all(eq(x) for x in arg))
        elif op == "$regex":
            results.append(any(isinstance(c, str) and re.search(arg, c) for c in cands))
        elif op == "$not":
            results.append(not ref_operators(arg, values, missing, expand))
        elif op == "$elemMatch":
            hit = False
            for v in values:
                for e in v if isinstance(v, list) else []:
                    if any(k.startswith("$") and k not in ("$and", "$or", "$nor") for k in arg):
                        hit = hit or ref_operators(arg, [e], False, False)
                    else:
                        as_doc = dict(enumerate(e)) if isinstance(e, list) else e
                        as_doc = {str(k): x for k, x in as_doc.items()} if isinstance(as_doc, dict) else None
                        hit = hit or (as_doc is not None and ref_match(as_doc, arg))
            results.append(hit)
        else:
            raise AssertionError(op)
    return all(results)


def ref_match(doc: dict[str, Any], query: dict[str, Any]) -> bool:
    for key, cond in query.items():
        if key == "$and":
            ok = all(ref_match(doc, q) for q in cond)
        elif key == "$or":
            ok = any(ref_match(doc, q) for q in cond)
        elif key == "$nor":
            ok = not any(ref_match(doc, q) for q in cond)
        else:
            values, missing = resolve(doc, key.split("."))
            if isinstance(cond, dict) and cond and all(k.startswith("$") for k in cond):
                ok = ref_operators(cond, values, missing, True)
            else:
                ok = ref_operators({"$eq": cond}, values, missing, True)
        if not ok:
            return False
    return True


# -- generators -----------------------------------------------------------------------

KEYS = ["a", "b", "c"]
scalars = (st.none() | st.booleans() | st.integers(-1, 2) | st.sampled_from([0.0, 1.0, 1.5])
           | st.sampled_from(["", "a", "b", "B", "1"]))


def nested(depth: int) -> st.SearchStrategy[Any]:
    """Scalars, arrays, objects, arrays of objects and arrays of arrays, the
    shapes whose path and "contains" semantics differ."""
    if depth == 0:
        return scalars
    inner = nested(depth - 1)
    obj = st.dictionaries(st.sampled_from(["a", "b", "0"]), inner, max_size=2)
    return st.one_of(scalars, scalars, st.lists(scalars, max_size=3), obj,
                     st.lists(obj, min_size=1, max_size=3), st.lists(inner, min_size=1, max_size=2))


values = nested(3)
documents = st.dictionaries(st.sampled_from(KEYS), values, min_size=1, max_size=3)
paths = st.sampled_from(["a", "a", "b", "c", "a.b", "a.0", "b.a", "a.b.c", "a.1", "c.0.a", "a.0.b"])
PATTERNS = ["^a", "b$", "A", "^$", "a|B", "1"]


def sub_values(v: Any) -> list[Any]:
    """v, everything nested in it and look-alikes of different types (1 for
    True, 1.0 and "1" for 1): operands likely to hit, or nearly hit, something."""
    out = [v]
    if isinstance(v, bool):
        out.append(int(v))
    elif isinstance(v, int | float):
        out += [float(v), str(v)] + ([bool(v)] if v in (0, 1) else [])
    elif isinstance(v, dict):
        for x in v.values():
            out += sub_values(x)
    elif isinstance(v, list):
        for x in v:
            out += sub_values(x)
    return out


def doc_paths(v: Any, prefix: str = "") -> list[str]:
    """Dotted paths that exist in v: keys, array indexes and fan-outs."""
    out: list[str] = []
    if isinstance(v, dict):
        for k, x in v.items():
            out += [prefix + k, *doc_paths(x, prefix + k + ".")]
    elif isinstance(v, list):
        for i, x in enumerate(v):
            out += [f"{prefix}{i}", *doc_paths(x, f"{prefix}{i}.")]
            # fan out over objects; also over nested arrays, which must not match
            out += doc_paths(x, prefix)
    return out


def path_in(doc: dict[str, Any]) -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(set(doc_paths(doc)))) | paths


def operand(pool: list[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from(pool) | scalars if pool else scalars | values


OPERATORS = ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$size", "$all",
             "$regex", "$not", "$elemMatch"]
NESTING = {"$not", "$elemMatch"}


def literal(pool: list[Any]) -> st.SearchStrategy[Any]:
    return operand(pool).filter(lambda v: not (isinstance(v, dict) and any(k.startswith("$") for k in v)))


@st.composite
def one_operator(draw: Any, name: str, depth: int, pool: list[Any], doc: dict[str, Any]) -> Any:
    if name in ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte"):
        return draw(operand(pool))
    if name in ("$in", "$nin", "$all"):
        return draw(st.lists(operand(pool), max_size=3))
    if name == "$exists":
        return draw(st.booleans())
    if name == "$size":
        return draw(st.integers(0, 3))
    if name == "$regex":
        return draw(st.sampled_from(PATTERNS))
    if name == "$not" or draw(st.booleans()):  # $not, or $elemMatch in value form
        return draw(operators(depth + 1, pool, doc))
    return draw(queries(depth + 1, doc, pool))  # $elemMatch in document form


@st.composite
def operators(draw: Any, depth: int, pool: list[Any], doc: dict[str, Any]) -> dict[str, Any]:
    names = [n for n in OPERATORS if depth < 2 or n not in NESTING]
    out: dict[str, Any] = {}
    for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True)):
        out[name] = draw(one_operator(name, depth, pool, doc))
    return out


@st.composite
def queries(draw: Any, depth: int, doc: dict[str, Any], pool: list[Any]) -> dict[str, Any]:
    where = path_in(doc) if doc else paths
    q: dict[str, Any] = {}
    for _ in range(draw(st.integers(0 if depth else 1, 2))):
        kind = draw(st.sampled_from(["eq", "ops", "ops", "logic"] if depth < 2 else ["eq", "ops"]))
        if kind == "eq":
            q[draw(where)] = draw(literal(pool))
        elif kind == "ops":
            q[draw(where)] = draw(operators(depth, pool, doc))
        else:
            op = draw(st.sampled_from(["$and", "$or", "$nor"]))
            q[op] = draw(st.lists(queries(depth + 1, doc, pool), min_size=1, max_size=3))
    return q


# Arrays of objects with differing keys: fan-out paths with partly missing fields.
fan_out_documents = st.fixed_dictionaries({"a": st.lists(
    st.dictionaries(st.sampled_from(["b", "c"]), nested(1), max_size=2), min_size=1, max_size=3)})
# Arrays of arrays: "contains" goes one level deep only, and $elemMatch sees arrays.
nested_array_documents = st.fixed_dictionaries({"a": st.lists(st.lists(
    scalars | st.dictionaries(st.sampled_from(["b", "c"]), scalars, max_size=2), max_size=2),
    min_size=1, max_size=3)})
any_documents = documents | fan_out_documents | nested_array_documents


@st.composite
def doc_and_query(draw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    doc = draw(any_documents)
    return doc, draw(queries(0, doc, sub_values(doc)))


# -- properties -----------------------------------------------------------------------

@pytest.mark.parametrize("name", [*OPERATORS, "literal"])
@settings(SETTINGS, max_examples=40)
@given(data=st.data())
def test_each_operator_agrees_with_reference(name: str, data: Any) -> None:
    doc = data.draw(any_documents, label="doc")
    pool = sub_values(doc)
    if name == "literal":
        cond = data.draw(literal(pool), label="value")
    else:
        cond = {name: data.draw(one_operator(name, 1, pool, doc), label=name)}
    query = {data.draw(path_in(doc), label="path"): cond}
    assert matches(doc, query) is ref_match(doc, query)


@SETTINGS
@given(case=doc_and_query(), others=st.lists(documents, max_size=2))
def test_matches_and_compiled_query_agree_with_reference(
        case: tuple[dict[str, Any], dict[str, Any]], others: list[dict[str, Any]]) -> None:
    doc, query = case
    compiled = compile_query(query)
    for d in [doc, *others]:
        expected = ref_match(d, query)
        assert matches(d, query) is expected
        assert compiled(d) is expected


@FEWER
@given(case=doc_and_query(), data=st.data())
def test_logical_operators_compose(case: tuple[dict[str, Any], dict[str, Any]], data: Any) -> None:
    doc, a = case
    b = data.draw(queries(0, doc, sub_values(doc)))
    ma, mb = matches(doc, a), matches(doc, b)
    assert matches(doc, {"$and": [a, b]}) is (ma and mb)
    assert matches(doc, {"$or": [a, b]}) is (ma or mb)
    assert matches(doc, {"$nor": [a, b]}) is not (ma or mb)


@FEWER
@given(doc=documents, data=st.data())
def test_not_negates(doc: dict[str, Any], data: Any) -> None:
    path = data.draw(path_in(doc))
    ops = data.draw(operators(0, sub_values(doc), doc))
    assert matches(doc, {path: {"$not": ops}}) is not matches(doc, {path: ops})


@SETTINGS
@given(doc=documents, data=st.data())
def test_ne_and_nin_negate_eq_and_in(doc: dict[str, Any], data: Any) -> None:
    path = data.draw(path_in(doc))
    value = data.draw(operand(sub_values(doc)))
    eq = matches(doc, {path: {"$eq": value}})
    assert matches(doc, {path: {"$ne": value}}) is not eq
    assert matches(doc, {path: {"$in": [value]}}) is eq
    assert matches(doc, {path: {"$nin": [value]}}) is not eq


def sort_reference_key(value: Any, desc: bool) -> Any:
    """MongoDB sort key of one field value: arrays use their smallest element
    ascending, largest descending; [] sorts before null."""
    if value is ABSENT:
        return None
    if isinstance(value, list):
        if not value:
            return EMPTY
        pick = max if desc else min
        return pick(value, key=functools.cmp_to_key(ref_cmp))
    return value


def ref_sort_cmp(a: Any, b: Any) -> int:
    if a is EMPTY or b is EMPTY:
        return (b is EMPTY) - (a is EMPTY)
    return ref_cmp(a, b)


mixed = st.lists(st.one_of(values, st.just(ABSENT)), min_size=1, max_size=8)


def as_docs(vals: list[Any]) -> list[dict[str, Any]]:
    return [{"_id": str(i)} if v is ABSENT else {"_id": str(i), "v": v} for i, v in enumerate(vals)]


@SETTINGS
@given(vals=mixed, direction=st.sampled_from([1, -1]))
def test_sort_key_is_a_total_order(vals: list[Any], direction: int) -> None:
    keyf = sort_key_fn({"v": direction})
    keys = [keyf(d) for d in as_docs(vals)]
    n = len(keys)
    lt = [[keys[i] < keys[j] for j in range(n)] for i in range(n)]
    for i in range(n):
        assert not lt[i][i]
        for j in range(n):
            assert not (lt[i][j] and lt[j][i])  # antisymmetric
            for k in range(n):
                if lt[i][j] and lt[j][k]:
                    assert lt[i][k]  # transitive
                eq_ij = not lt[i][j] and not lt[j][i]
                eq_jk = not lt[j][k] and not lt[k][j]
                if eq_ij and eq_jk:
                    assert not lt[i][k] and not lt[k][i]  # ties are transitive


@SETTINGS
@given(vals=mixed, direction=st.sampled_from([1, -1]))
def test_sort_agrees_with_reference_order(vals: list[Any], direction: int) -> None:
    docs = as_docs(vals)
    out = sorted(docs, key=sort_key_fn({"v": direction}))
    assert sorted(d["_id"] for d in out) == sorted(d["_id"] for d in docs)
    ref = [sort_reference_key(d.get("v", ABSENT), direction < 0) for d in out]
    for x, y in itertools.pairwise(ref):
        c = ref_sort_cmp(x, y)
        assert (c <= 0) if direction > 0 else (c >= 0)


@SETTINGS
@given(rows=st.lists(st.tuples(st.one_of(scalars, st.just(ABSENT)), st.integers(0, 3)),
                     min_size=1, max_size=8),
       d1=st.sampled_from([1, -1]), d2=st.sampled_from([1, -1]))
def test_multi_key_sort_is_lexicographic(rows: list[tuple[Any, int]], d1: int, d2: int) -> None:
    docs = []
    for i, (a, b) in enumerate(rows):
        doc: dict[str, Any] = {"_id": str(i), "b": b}
        if a is not ABSENT:
            doc["a"] = a
        docs.append(doc)
    out = sorted(docs, key=sort_key_fn({"a": d1, "b": d2}))
    for x, y in itertools.pairwise(out):
        c = ref_sort_cmp(x.get("a"), y.get("a")) * d1
        assert c <= 0
        if c == 0:
            assert ref_cmp(x["b"], y["b"]) * d2 <= 0
