"""Unit tests for storage/query.py: the filter language and sort order."""

from __future__ import annotations

import itertools
import random

import pytest

from storage.query import MISSING, BadQuery, compare, get_path, matches, sort_key_fn

DOC = {
    "_id": "1", "name": "Joe Smith", "age": 42, "score": 7.5, "active": True, "off": False,
    "zero": 0, "nil": None, "tags": ["red", "green"], "nums": [1, 5, 9],
    "addr": {"city": "Oslo", "zip": "0150", "geo": {"lat": 59.9}},
    "items": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 3}, {"note": "x"}],
    "matrix": [[1, 2], [3]], "empty": [], "obj": {}, "str1": "1", "multi": "line1\nLINE2",
}

CASES = [
    # plain equality
    ({"name": "Joe Smith"}, True),
    ({"name": "joe smith"}, False),
    ({"age": 42}, True),
    ({"age": 42.0}, True),
    ({"age": "42"}, False),
    ({"str1": 1}, False),
    ({"name": "Joe Smith", "age": 42}, True),
    ({"name": "Joe Smith", "age": 41}, False),
    ({}, True),
    # number vs bool never equal
    ({"active": 1}, False),
    ({"active": True}, True),
    ({"zero": False}, False),
    ({"off": 0}, False),
    ({"off": False}, True),
    ({"age": True}, False),
    ({"active": {"$eq": 1}}, False),
    ({"active": {"$in": [1, 0]}}, False),
    ({"zero": {"$in": [False]}}, False),
    ({"active": {"$ne": 1}}, True),
    ({"active": {"$gt": 0}}, False),
    ({"age": {"$gt": False}}, False),
    ({"nums": True}, False),
    # $eq / $ne
    ({"age": {"$eq": 42}}, True),
    ({"age": {"$eq": 43}}, False),
    ({"age": {"$ne": 43}}, True),
    ({"age": {"$ne": 42}}, False),
    ({"missing": {"$ne": 1}}, True),
    ({"tags": {"$ne": "red"}}, False),
    ({"tags": {"$ne": "blue"}}, True),
    # comparisons
    ({"age": {"$gt": 41}}, True),
    ({"age": {"$gt": 42}}, False),
    ({"age": {"$gte": 42}}, True),
    ({"age": {"$lt": 42}}, False),
    ({"age": {"$lte": 42}}, True),
    ({"score": {"$gt": 7, "$lt": 8}}, True),
    ({"score": {"$gt": 7.5}}, False),
    ({"age": {"$gt": "4"}}, False),  # no cross-type comparison
    ({"name": {"$gt": "Joe"}}, True),
    ({"name": {"$lt": "Joe"}}, False),
    ({"addr.zip": {"$gte": "0150", "$lte": "0150"}}, True),
    ({"missing": {"$lt": 100}}, False),
    ({"nil": {"$lt": 100}}, False),
    ({"nums": {"$gt": 8}}, True),
    ({"nums": {"$gt": 9}}, False),
    ({"nums": {"$lt": 2}}, True),
    # $in / $nin
    ({"age": {"$in": [1, 42]}}, True),
    ({"age": {"$in": []}}, False),
    ({"age": {"$nin": [1, 42]}}, False),
    ({"age": {"$nin": []}}, True),
    ({"tags": {"$in": ["blue", "green"]}}, True),
    ({"tags": {"$nin": ["blue", "green"]}}, False),
    ({"tags": {"$nin": ["blue"]}}, True),
    ({"missing": {"$in": [None]}}, True),
    ({"missing": {"$nin": [None]}}, False),
    ({"nil": {"$in": [None, 1]}}, True),
    # $exists, null vs missing
    ({"nil": {"$exists": True}}, True),
    ({"nil": {"$exists": False}}, False),
    ({"missing": {"$exists": False}}, True),
    ({"missing": {"$exists": True}}, False),
    ({"empty": {"$exists": True}}, True),
    ({"zero": {"$exists": 1}}, True),
    ({"nil": None}, True),
    ({"missing": None}, True),
    ({"nil": {"$eq": None}}, True),
    ({"nil": {"$ne": None}}, False),
    ({"missing": {"$ne": None}}, False),
    ({"age": None}, False),
    ({"age": {"$ne": None}}, True),
    ({"zero": None}, False),
    ({"off": None}, False),
    ({"tags.0": {"$exists": True}}, True),
    ({"tags.2": {"$exists": True}}, False),
    ({"addr.geo.lat": {"$exists": True}}, True),
    ({"addr.geo.lon": {"$exists": True}}, False),
    ({"age.x": {"$exists": True}}, False),
    # $regex
    ({"name": {"$regex": "^Joe"}}, True),
    ({"name": {"$regex": "^joe"}}, False),
    ({"name": {"$regex": "^joe", "$options": "i"}}, True),
    ({"name": {"$regex": "^joe", "$options": "gi"}}, True),
    ({"name": {"$regex": "/^joe/i"}}, True),
    ({"name": {"$regex": "/^joe/"}}, False),
    ({"name": {"$regex": "/smith$/gi"}}, True),
    ({"name": {"$regex": "Smith$"}}, True),
    ({"name": {"$regex": "Sm.th"}}, True),
    ({"multi": {"$regex": "^LINE2"}}, False),
    ({"multi": {"$regex": "^LINE2", "$options": "m"}}, True),
    ({"multi": {"$regex": "/^line2$/mi"}}, True),
    ({"tags": {"$regex": "^gr"}}, True),
    ({"tags": {"$regex": "^bl"}}, False),
    ({"age": {"$regex": "4"}}, False),
    ({"missing": {"$regex": ".*"}}, False),
    ({"addr.city": {"$regex": "s"}}, True),
    # $not
    ({"name": {"$not": {"$regex": "^Joe"}}}, False),
    ({"name": {"$not": {"$regex": "^Ann"}}}, True),
    ({"age": {"$not": {"$gt": 50}}}, True),
    ({"age": {"$not": {"$gt": 40}}}, False),
    ({"name": {"$not": "Joe Smith"}}, False),
    ({"name": {"$not": "Ann"}}, True),
    ({"missing": {"$not": {"$gt": 1}}}, True),
    # $and / $or / $nor
    ({"$and": [{"age": 42}, {"name": "Joe Smith"}]}, True),
    ({"$and": [{"age": 42}, {"name": "Ann"}]}, False),
    ({"$or": [{"age": 1}, {"name": "Joe Smith"}]}, True),
    ({"$or": [{"age": 1}, {"name": "Ann"}]}, False),
    ({"$nor": [{"age": 1}, {"name": "Ann"}]}, True),
    ({"$nor": [{"age": 1}, {"name": "Joe Smith"}]}, False),
    ({"$or": [{"$and": [{"age": 42}, {"active": True}]}, {"x": 1}]}, True),
    ({"$and": [{"$or": [{"age": 1}, {"age": 2}]}, {"active": True}]}, False),
    ({"$or": [{"age": 42}], "name": "Ann"}, False),
    ({"$nor": [{"$or": [{"age": 1}]}]}, True),
    # dotted paths
    ({"addr.city": "Oslo"}, True),
    ({"addr.city": "oslo"}, False),
    ({"addr.geo.lat": {"$gt": 59}}, True),
    ({"addr.nope.deeper": None}, True),
    ({"tags.1": "green"}, True),
    ({"tags.1": "red"}, False),
    ({"tags.9": None}, True),
    ({"items.sku": "b"}, True),
    ({"items.sku": "c"}, False),
    ({"items.qty": {"$gt": 2}}, True),
    ({"items.qty": {"$gt": 3}}, False),
    ({"items.1.sku": "b"}, True),
    ({"items.note": "x"}, True),
    ({"items.missing": {"$exists": True}}, False),
    ({"age.deeper": None}, True),
    # arrays mean "contains"; whole-array equality is exact and ordered
    ({"tags": "red"}, True),
    ({"tags": "blue"}, False),
    ({"tags": ["red", "green"]}, True),
    ({"tags": ["green", "red"]}, False),
    ({"tags": ["red"]}, False),
    ({"nums": 5}, True),
    ({"nums": 5.0}, True),
    ({"matrix": [3]}, True),
    ({"matrix": 3}, False),
    ({"empty": []}, True),
    ({"empty": None}, False),
    ({"obj": {}}, True),
    ({"addr": {"city": "Oslo", "zip": "0150", "geo": {"lat": 59.9}}}, True),
    ({"addr": {"city": "Oslo"}}, False),
]


@pytest.mark.parametrize("query,expected", CASES, ids=[str(q) for q, _ in CASES])
def test_matches_table(query: dict, expected: bool) -> None:
    assert matches(DOC, query) is expected


@pytest.mark.parametrize("doc,query,expected", [
    ({"a": [None, 1]}, {"a": None}, True),
    ({"a": [1, 2]}, {"a": None}, False),
    ({"a": {"b": None}}, {"a.b": None}, True),
    ({"a": {"b": None}}, {"a.b": {"$exists": True}}, True),
    ({"a": [{"b": 1}, {"b": 2}]}, {"a.b": 2}, True),
    ({"a": [{"b": [1, 2]}, {"b": [3]}]}, {"a.b": [3]}, True),
    ({"a": 1.5}, {"a": {"$in": [1.5]}}, True),
    ({"a": ""}, {"a": {"$ne": ""}}, False),
    ({"a": "x"}, {"a": {"$ne": ""}}, True),
    ({"a": "ÆØÅ😀"}, {"a": {"$regex": "å😀$", "$options": "i"}}, True),
    ({"a/b": 1}, {"a/b": 1}, True),
])
def test_matches_extra(doc: dict, query: dict, expected: bool) -> None:
    assert matches(doc, query) is expected


@pytest.mark.parametrize("doc,query", [
    ({"a": [1, True]}, {"a": [1, 1]}),
    ({"a": {"x": True}}, {"a": {"x": 1}}),
    ({"a": [0]}, {"a": [False]}),
])
def test_nested_number_vs_bool_not_equal(doc: dict, query: dict) -> None:
    assert matches(doc, query) is False


@pytest.mark.parametrize("query,op,path", [
    ({"a": {"$foo": 1}}, "$foo", "a"),
    ({"a": {"$gt": 0, "$bogus": 1}}, "$bogus", "a"),
    ({"n.m.k": {"$exists": True, "$sizeof": 1}}, "$sizeof", "n.m.k"),
    ({"x": {"$eqq": 1}}, "$eqq", "x"),
    ({"$or": [{"z": {"$regexp": "a"}}]}, "$regexp", "z"),
    ({"y": {"$not": {"$nope": 1}}}, "$nope", "y"),
    ({"$where": "this.a == 1"}, "$where", None),
    ({"$foo": [{"a": 1}]}, "$foo", None),
])
def test_unknown_operator_raises_naming_operator_and_path(query: dict, op: str,
                                                         path: str | None) -> None:
    with pytest.raises(BadQuery) as ei:
        matches({"a": 1, "x": 1, "y": 1, "z": "a", "n": {"m": {"k": [1]}}}, query)
    msg = str(ei.value)
    assert op in msg
    if path is not None:
        assert path in msg


@pytest.mark.parametrize("query", [
    {"a": {"$eq": 2, "$foo": 1}},
    {"a": 2, "b": {"$foo": 1}},
])
def test_unknown_operator_raises_even_when_earlier_condition_fails(query: dict) -> None:
    with pytest.raises(BadQuery):
        matches({"a": 1, "b": 1}, query)


@pytest.mark.parametrize("query", [
    {"a": {"$in": 1}},
    {"a": {"$nin": "x"}},
    {"$and": []},
    {"$or": {"a": 1}},
    {"$nor": None},
    {"a": {"$regex": "("}},
    {"a": {"$regex": 5}},
    {"a": {"$type": {}}},  # found by tests/sandbox/test_fuzz_parsers.py: was a TypeError (500)
    {"a": {"$type": [[1]]}},
    ["a"],
    "a",
])
def test_malformed_queries_raise_bad_query(query: object) -> None:
    with pytest.raises(BadQuery):
        matches({"a": "x"}, query)  # type: ignore[arg-type]


def test_deep_nesting_is_refused() -> None:
    q: dict = {"a": 1}
    for _ in range(40):
        q = {"$and": [q]}
    with pytest.raises(BadQuery, match="deep"):
        matches({"a": 1}, q)


@pytest.mark.parametrize("path,expected", [
    ("addr.city", "Oslo"), ("tags.0", "red"), ("tags.5", MISSING), ("items.sku", ["a", "b"]),
    ("items.nothing", MISSING), ("age.x", MISSING), ("nil", None), ("nope", MISSING),
    ("matrix.0.1", 2),
])
def test_get_path(path: str, expected: object) -> None:
    assert get_path(DOC, path) == expected if expected is not MISSING \
        else get_path(DOC, path) is MISSING


# No two values tie under any reasonable BSON ordering (arrays sort by an element
# in MongoDB, so array elements are chosen not to collide with the scalars).
MIXED = [None, "b", 3, -1.5, True, False, "a", [100, 200], [300], {"k": 1}, 0, "", 10**12, "B"]


def _sorted(values: list, direction: int = 1, with_missing: bool = True) -> list:
    docs = [{"_id": str(i), "v": v} for i, v in enumerate(values)]
    if with_missing:
        docs.append({"_id": "m"})
    return [d.get("v", "MISSING") for d in sorted(docs, key=sort_key_fn({"v": direction}))]


def test_sort_mixed_types_is_deterministic() -> None:
    expected = _sorted(MIXED)
    rng = random.Random(7)
    for _ in range(50):
        vals = MIXED[:]
        rng.shuffle(vals)
        got = _sorted(vals)
        # null and missing tie: compare the rest exactly
        assert [v for v in got if v not in (None, "MISSING")] == \
            [v for v in expected if v not in (None, "MISSING")]
    pos = {repr(v): i for i, v in enumerate(expected)}
    first_value = min(pos[repr(v)] for v in MIXED if v is not None)
    assert pos["None"] < first_value and pos["'MISSING'"] < first_value
    # numbers < strings < objects; false < true
    order = [-1.5, 0, 3, 10**12, "", "B", "a", "b", {"k": 1}]
    assert [pos[repr(v)] for v in order] == sorted(pos[repr(v)] for v in order)
    assert pos["False"] < pos["True"]
    assert pos[repr({"k": 1})] < pos["True"]


def test_sort_descending_is_reverse_of_ascending_for_distinct_values() -> None:
    vals = [3, "x", 1.5, [2], True, {"a": 1}, None, "a"]
    assert _sorted(vals, -1, False) == list(reversed(_sorted(vals, 1, False)))


@pytest.mark.parametrize("a,b,sign", [
    (1, 2, -1), (2, 1.5, 1), (1, 1.0, 0), ("a", "b", -1), ("b", "a", 1), (None, 0, -1),
    (MISSING, None, 0), (0, "0", -1), ("z", {}, -1), (False, True, -1), ([1], [1, 0], -1),
    ([2], [1, 9], 1), (1, True, -1),
])
def test_compare(a: object, b: object, sign: int) -> None:
    assert compare(a, b) == sign
    assert compare(b, a) == -sign


def test_sort_multiple_keys() -> None:
    docs = [{"a": 1, "b": 2}, {"a": 0, "b": 9}, {"a": 1, "b": 1}, {"b": 5}, {"a": 0, "b": 3}]
    for perm in itertools.permutations(docs):
        out = sorted(perm, key=sort_key_fn({"a": 1, "b": -1}))
        assert out == [{"b": 5}, {"a": 0, "b": 9}, {"a": 0, "b": 3}, {"a": 1, "b": 2},
                       {"a": 1, "b": 1}]


def test_sort_dotted_path() -> None:
    docs = [{"p": {"n": 3}}, {"p": {"n": 1}}, {"p": {}}, {"p": {"n": 2}}]
    out = sorted(docs, key=sort_key_fn({"p.n": 1}))
    assert [d["p"].get("n") for d in out] == [None, 1, 2, 3]


def test_sort_distinct_objects_deterministically() -> None:
    vals = [{"k": 2}, {"k": 1}, {"j": 0}]
    orders = {tuple(str(v) for v in _sorted(list(p))) for p in itertools.permutations(vals)}
    assert len(orders) == 1
