"""Property: every query gives the same documents with and without indexes, and
index-ordered results are in the order the comparator defines (storage/datastore.py)."""

from __future__ import annotations

import itertools
import json
import tempfile
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.engine import Engine
from storage.errors import BadRequest
from storage.query import sort_key_fn

SID = "p" * 12
scalar = st.one_of(st.none(), st.integers(-5, 5), st.sampled_from(["a", "b", "c", "ab"]),
                   st.booleans(), st.floats(-5, 5, allow_nan=False))
value = st.one_of(scalar, st.lists(scalar, max_size=3))
doc = st.fixed_dictionaries({}, optional={"a": value, "b": st.integers(-5, 5),
                                          "c": st.fixed_dictionaries({"d": scalar})})
field = st.sampled_from(["a", "b", "c.d"])
cond = st.one_of(
    scalar,
    st.builds(lambda op, v: {op: v}, st.sampled_from(["$gt", "$gte", "$lt", "$lte", "$ne"]),
              st.one_of(st.integers(-5, 5), st.sampled_from(["a", "b"]))),
    st.builds(lambda vs: {"$in": vs}, st.lists(scalar, max_size=3)),
    st.builds(lambda lo, hi: {"$gte": lo, "$lt": hi}, st.integers(-5, 5), st.integers(-5, 5)),
    st.builds(lambda b: {"$exists": b}, st.booleans()),
)
simple = st.dictionaries(field, cond, min_size=0, max_size=2)
query = st.one_of(simple, st.builds(lambda qs: {"$or": qs}, st.lists(simple, min_size=1,
                                                                      max_size=3)))


def run(e: Engine, coll: str, q: dict[str, Any], opts: dict[str, Any]) -> list[dict[str, Any]]:
    out, cursor = [], None
    while True:
        r = json.loads(e.call(SID, "db.getMany", json.dumps(
            {"collection": coll, "query": q, "options": opts, "cursor": cursor}).encode()))
        out += r["docs"]
        cursor = r["cursor"]
        if not cursor:
            return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(doc, max_size=25), st.lists(st.tuples(query, st.one_of(
    st.none(), st.builds(lambda f, d: {f: d}, field, st.sampled_from([1, -1])))), min_size=1,
    max_size=4))
def test_indexes_do_not_change_results(docs: list[dict[str, Any]], cases: list[Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        e = Engine(tmp, page_size=4)
        try:
            for coll in ("plain", "indexed"):
                e.call(SID, "db.insertMany", json.dumps(
                    {"collection": coll, "docs": [{**d, "_id": f"{i:03d}"}
                                                  for i, d in enumerate(docs)]}).encode())
            e.call(SID, "db.createIndex", json.dumps(
                {"collection": "indexed", "fields": ["a", "b", "c.d"]}).encode())
            for q, sort in cases:
                opts = {"sort": sort} if sort else {}
                plain = run(e, "plain", q, opts)
                idx = run(e, "indexed", q, opts)
                assert sorted(d["_id"] for d in plain) == sorted(d["_id"] for d in idx), q
                if sort:
                    key = sort_key_fn(sort)
                    for x, y in itertools.pairwise(idx):
                        assert not key(y) < key(x), (q, sort, x, y)
        finally:
            e.close()


ZERO_USAGE = {"objects": 0, "bytes": 0, "api": 0, "codehook_invocation": 0, "codehook_time": 0,
              "file_bytes": 0, "file_count": 0}


def test_usage_counters_follow_writes() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        e = Engine(tmp)
        call = lambda op, a: json.loads(e.call(SID, op, json.dumps(a).encode()))  # noqa: E731
        assert call("space.usage", {}) == ZERO_USAGE
        call("db.insertMany", {"collection": "c", "docs": [{"_id": str(i), "v": "x" * 10}
                                                           for i in range(10)]})
        u = call("space.usage", {})
        assert u["objects"] == 10 and u["bytes"] > 100
        call("db.updateOne", {"collection": "c", "query": "1", "update": {"$set": {"v": "y"}}})
        assert call("space.usage", {})["bytes"] == u["bytes"] - 9
        call("db.removeMany", {"collection": "c", "query": {"_id": {"$in": ["1", "2"]}}})
        assert call("space.usage", {})["objects"] == 8
        call("db.dropCollection", {"collection": "c"})
        assert call("space.usage", {}) == ZERO_USAGE
        e.close()
        e = Engine(tmp)  # persisted, not only cached
        assert json.loads(e.call(SID, "space.usage", b"{}")) == ZERO_USAGE
        e.close()


def test_metering_adds_and_persists() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        e = Engine(tmp)
        call = lambda op, a: json.loads(e.call(SID, op, json.dumps(a).encode()))  # noqa: E731
        call("space.meter", {"api": 3, "codehook_invocation": 2, "codehook_time": 1.5})
        call("space.meter", {"api": 1, "codehook_time": 0.25})
        for bad in ({"api": -1}, {"api": "3"}, {"codehook_time": True}, {"api": 2**60}):
            with pytest.raises(BadRequest, match=r"space\.meter: "):
                call("space.meter", bad)
        e.close()
        e = Engine(tmp)
        u = json.loads(e.call(SID, "space.usage", b"{}"))
        assert (u["api"], u["codehook_invocation"], u["codehook_time"]) == (4, 2, 1.75)
        e.call(SID, "space.drop", b"{}")
        assert json.loads(e.call(SID, "space.usage", b"{}")) == ZERO_USAGE
        e.close()


def test_two_sided_range_on_array_field_uses_index_safely() -> None:
    """{a: {$gt: 5, $lt: 3}} matches [1, 10] (different elements meet each bound)."""
    with tempfile.TemporaryDirectory() as tmp:
        e = Engine(tmp)
        for coll in ("plain", "indexed"):
            e.call(SID, "db.insertMany", json.dumps({"collection": coll, "docs": [
                {"_id": "1", "a": [1, 10]}, {"_id": "2", "a": 4}, {"_id": "3", "a": [6]}]}).encode())
        e.call(SID, "db.createIndex", b'{"collection": "indexed", "fields": ["a"]}')
        q = {"a": {"$gt": 5, "$lt": 3}}
        assert [d["_id"] for d in run(e, "plain", q, {})] == ["1"]
        assert [d["_id"] for d in run(e, "indexed", q, {})] == ["1"]
        q2 = {"a": {"$gte": 4, "$lte": 6}}
        assert sorted(d["_id"] for d in run(e, "indexed", q2, {})) == \
            sorted(d["_id"] for d in run(e, "plain", q2, {}))
        e.close()


def test_count_from_index_equals_count_by_scan() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        e = Engine(tmp)
        docs = [{"c": i % 5, "s": ["x", "y"][i % 2]} for i in range(200)] + [{"other": 1}]
        for coll in ("plain", "indexed"):
            e.call(SID, "db.insertMany", json.dumps({"collection": coll, "docs": docs}).encode())
        e.call(SID, "db.createIndex", b'{"collection": "indexed", "fields": ["c", "s"]}')
        for q in ({"c": 3}, {"s": "y"}, {"c": 9}, {"c": 1.0}, {"s": None}, {"c": {"$gte": 2}}):
            counts = [json.loads(e.call(SID, "db.count", json.dumps(
                {"collection": coll, "query": q}).encode()))["count"]
                for coll in ("plain", "indexed")]
            assert counts[0] == counts[1], q
        e.close()
