"""Unit tests for storage/engine.py against a real RocksDB (rocksdict) in tmp_path.

Every operation goes through `Engine.call(space, op, json_bytes)`, as the storage
service does.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pytest

from storage.engine import BadRequest, Conflict, Engine, NotFound, StorageError

SA = "aaaaaaaaaaaa"
SB = "bbbbbbbbbbbb"


def call(e: Engine, op: str, args: Any = None, space: str = SA) -> Any:
    payload = b"" if args is None else json.dumps(args).encode()
    return json.loads(e.call(space, op, payload))


@pytest.fixture(scope="module")
def _shared_engine(tmp_path_factory):  # type: ignore[no-untyped-def]
    # Opening RocksDB costs tens of ms; one engine per module, emptied before each test.
    e = Engine(str(tmp_path_factory.mktemp("engine") / "db"), page_size=3)
    yield e
    e.close()


@pytest.fixture
def eng(_shared_engine: Engine) -> Engine:
    _shared_engine.db.delete_range(b"\x00", b"\xff\xff")
    it = _shared_engine.db.iter()
    it.seek_to_first()
    assert not it.valid()
    return _shared_engine


def insert(e: Engine, doc: dict, coll: str = "c", space: str = SA) -> dict:
    return call(e, "db.insertOne", {"collection": coll, "doc": doc}, space)


def ten(e: Engine, coll: str = "c", space: str = SA) -> list[dict]:
    # ids d00..d09 (key order), n descending, "grp" alternating
    return [insert(e, {"_id": f"d{i:02d}", "n": 9 - i, "grp": i % 2, "name": f"doc{i}",
                       "big": "x" * 10}, coll, space) for i in range(10)]


def drain(e: Engine, args: dict, space: str = SA) -> tuple[list[dict], int]:
    """Follow the cursor until it is null; return (docs, round trips)."""
    docs: list[dict] = []
    cursor = None
    for trips in range(1, 50):
        r = call(e, "db.getMany", {**args, "cursor": cursor}, space)
        assert set(r) == {"docs", "cursor"}
        assert len(r["docs"]) <= 3
        docs.extend(r["docs"])
        cursor = r["cursor"]
        if cursor is None:
            return docs, trips
    raise AssertionError("cursor never ended")


# -- insert / get ---------------------------------------------------------------------

def test_insert_with_id_returns_doc(eng: Engine) -> None:
    d = insert(eng, {"_id": "abc", "x": "ünï😀"})
    assert d == {"_id": "abc", "x": "ünï😀"}
    assert call(eng, "db.getOne", {"collection": "c", "query": {"_id": "abc"}}) == d


def test_insert_without_id_gets_object_id(eng: Engine) -> None:
    ids = [insert(eng, {"i": i})["_id"] for i in range(5)]
    for i in ids:
        assert re.fullmatch(r"[0-9a-f]{24}", i)
    assert len(set(ids)) == 5
    # unsorted getMany streams in _id order, i.e. creation order
    docs, _ = drain(eng, {"collection": "c"})
    assert [d["i"] for d in docs] == list(range(5))


def test_insert_null_id_is_generated(eng: Engine) -> None:
    assert re.fullmatch(r"[0-9a-f]{24}", insert(eng, {"_id": None, "a": 1})["_id"])


def test_non_string_id_is_stringified_and_conflicts(eng: Engine) -> None:
    assert insert(eng, {"_id": 5})["_id"] == "5"
    with pytest.raises(Conflict):
        insert(eng, {"_id": "5"})


def test_duplicate_id_conflict_keeps_original(eng: Engine) -> None:
    insert(eng, {"_id": "x", "v": 1})
    with pytest.raises(Conflict) as ei:
        insert(eng, {"_id": "x", "v": 2})
    assert "x" in str(ei.value) and ei.value.name == "Conflict"
    assert call(eng, "db.getOne", {"collection": "c", "query": {"_id": "x"}})["v"] == 1
    # the same _id in another collection or space is fine
    insert(eng, {"_id": "x"}, coll="other")
    insert(eng, {"_id": "x"}, space=SB)


@pytest.mark.parametrize("doc", [None, [1, 2], "str", 5])
def test_insert_non_object_is_bad_request(eng: Engine, doc: Any) -> None:
    with pytest.raises(BadRequest):
        call(eng, "db.insertOne", {"collection": "c", "doc": doc})


@pytest.mark.parametrize("args", [
    {"collection": "c\u0000x", "doc": {}},
    {"collection": "c", "doc": {"_id": "a\u0000b"}},
    {"collection": "", "doc": {}},
    {"collection": "c" * 300, "doc": {}},
    {"collection": "c", "doc": {"_id": "i" * 300}},
])
def test_bad_names_are_bad_request(eng: Engine, args: dict) -> None:
    with pytest.raises(BadRequest):
        call(eng, "db.insertOne", args)


@pytest.mark.parametrize("query,expected_id", [
    ({"_id": "d03"}, "d03"),
    ({"name": "doc4"}, "d04"),
    ({"n": {"$lt": 1}}, "d09"),
    ({"grp": 1}, "d01"),
    ({}, "d00"),
    (None, "d00"),
])
def test_get_one(eng: Engine, query: Any, expected_id: str) -> None:
    ten(eng)
    assert call(eng, "db.getOne", {"collection": "c", "query": query})["_id"] == expected_id


@pytest.mark.parametrize("query", [{"_id": "nope"}, {"name": "nope"}, {"_id": "d01", "n": 0}])
def test_get_one_not_found_and_or_null(eng: Engine, query: dict) -> None:
    ten(eng)
    with pytest.raises(NotFound):
        call(eng, "db.getOne", {"collection": "c", "query": query})
    assert call(eng, "db.getOne", {"collection": "c", "query": query, "orNull": True}) is None
    with pytest.raises(NotFound):
        call(eng, "db.getOne", {"collection": "empty", "query": query})


def test_get_one_other_space_not_visible(eng: Engine) -> None:
    ten(eng)
    with pytest.raises(NotFound):
        call(eng, "db.getOne", {"collection": "c", "query": {"_id": "d01"}}, space=SB)
    assert call(eng, "db.count", {"collection": "c"}, space=SB) == {"count": 0}


# -- getMany paging ---------------------------------------------------------------------

N = list(range(10))


@pytest.mark.parametrize("options,expected_ids,trips", [
    ({}, [f"d{i:02d}" for i in N], 4),
    ({"sort": {"n": 1}}, [f"d{i:02d}" for i in reversed(N)], 4),
    ({"sort": {"n": -1}}, [f"d{i:02d}" for i in N], 4),
    ({"sort": {"grp": 1, "n": 1}}, ["d08", "d06", "d04", "d02", "d00", "d09", "d07", "d05",
                                    "d03", "d01"], 4),
    ({"offset": 2}, [f"d{i:02d}" for i in range(2, 10)], 3),
    ({"offset": 2, "limit": 5}, [f"d{i:02d}" for i in range(2, 7)], None),
    ({"limit": 3}, ["d00", "d01", "d02"], None),
    ({"limit": 0}, [f"d{i:02d}" for i in N], 4),
    ({"sort": {"n": 1}, "offset": 1, "limit": 4}, ["d08", "d07", "d06", "d05"], None),
    ({"sort": {"n": 1}, "offset": 8}, ["d01", "d00"], 1),
    ({"offset": 20}, [], 1),
    ({"sort": {"n": 1}, "offset": 20}, [], 1),
    ({"hints": {"$sort": {"n": 1}, "$limit": 2}}, ["d09", "d08"], None),
    ({"hints": {"sort": {"n": 1}, "$offset": 7}}, ["d02", "d01", "d00"], 1),
])
def test_get_many_paging(eng: Engine, options: dict, expected_ids: list[str],
                         trips: int | None) -> None:
    ten(eng)
    docs, n = drain(eng, {"collection": "c", "options": options})
    assert [d["_id"] for d in docs] == expected_ids
    if trips is not None:
        assert n == trips


@pytest.mark.parametrize("options", [{}, {"sort": {"n": -1}}])
def test_get_many_with_query_pages(eng: Engine, options: dict) -> None:
    ten(eng)
    docs, _ = drain(eng, {"collection": "c", "query": {"grp": 0}, "options": options})
    assert [d["_id"] for d in docs] == ["d00", "d02", "d04", "d06", "d08"]


def test_get_many_exact_page_multiple_has_no_empty_tail(eng: Engine) -> None:
    for i in range(9):
        insert(eng, {"_id": f"k{i}"})
    docs, trips = drain(eng, {"collection": "c"})
    assert len(docs) == 9 and trips == 3


def test_a_cursor_is_redeemed_only_by_the_space_that_opened_it(eng: Engine) -> None:
    """Issue 15 item 11: space B holding space A's cursor id gets "expired" (not A's
    documents), and A's cursor is left for A to redeem."""
    ten(eng, space=SA)
    first = call(eng, "db.getMany", {"collection": "c"}, SA)
    assert first["cursor"] and len(first["cursor"]) >= 22  # 128 random bits
    with pytest.raises(BadRequest, match="cursor expired"):
        call(eng, "db.getMany", {"collection": "c", "cursor": first["cursor"]}, SB)
    nxt = call(eng, "db.getMany", {"collection": "c", "cursor": first["cursor"]}, SA)
    assert [d["_id"] for d in nxt["docs"]] == ["d03", "d04", "d05"]


def test_get_many_empty_collection(eng: Engine) -> None:
    assert call(eng, "db.getMany", {"collection": "none"}) == {"docs": [], "cursor": None}


@pytest.mark.parametrize("fields,expected", [
    ("n", {"_id": "d00", "n": 9}),
    ("n,name", {"_id": "d00", "n": 9, "name": "doc0"}),
    ({"name": 1}, {"_id": "d00", "name": "doc0"}),
    ({"big": 0, "grp": 0}, {"_id": "d00", "n": 9, "name": "doc0"}),
    ({"big": False, "grp": 0, "name": 0, "n": 0}, {"_id": "d00"}),
])
@pytest.mark.parametrize("where", ["options", "hints"])
def test_get_many_fields_projection(eng: Engine, fields: Any, expected: dict,
                                    where: str) -> None:
    ten(eng)
    opts = {"fields": fields} if where == "options" else {"hints": {"$fields": fields}}
    docs, _ = drain(eng, {"collection": "c", "options": {**opts, "sort": {"n": -1}}})
    assert len(docs) == 10
    assert docs[0] == expected
    assert all(set(d) == set(expected) for d in docs)


@pytest.mark.parametrize("fields", ["a", {"a": 1}, "a,b"])
def test_get_many_projection_of_missing_field(eng: Engine, fields: Any) -> None:
    insert(eng, {"_id": "1", "a": 1})
    insert(eng, {"_id": "2", "b": 2})
    docs, _ = drain(eng, {"collection": "c", "options": {"fields": fields}})
    assert docs[0]["a"] == 1 and "a" not in docs[1]


@pytest.mark.parametrize("query,count", [
    ({}, 10), (None, 10), ({"grp": 1}, 5), ({"n": {"$gte": 7}}, 3), ({"_id": "d05"}, 1),
    ({"_id": "zz"}, 0), ({"name": {"$regex": "^doc[12]$"}}, 2),
])
def test_count(eng: Engine, query: Any, count: int) -> None:
    ten(eng)
    assert call(eng, "db.count", {"collection": "c", "query": query}) == {"count": count}


# -- updates ------------------------------------------------------------------------------

BASE = {"_id": "u", "a": {"b": 1, "c": 2}, "n": 1, "tags": ["x"], "s": "str", "keep": True}


@pytest.mark.parametrize("update,expected", [
    ({"$set": {"a.b": 5}}, {**BASE, "a": {"b": 5, "c": 2}}),
    ({"$set": {"a.d.e": 1}}, {**BASE, "a": {"b": 1, "c": 2, "d": {"e": 1}}}),
    ({"$set": {"new": [1], "n": "x"}}, {**BASE, "new": [1], "n": "x"}),
    ({"$set": {"_id": "other"}}, BASE),
    ({"$inc": {"n": 2}}, {**BASE, "n": 3}),
    ({"$inc": {"n": -1.5}}, {**BASE, "n": -0.5}),
    ({"$inc": {"fresh": 4}}, {**BASE, "fresh": 4}),
    ({"$inc": {"a.b": 10}}, {**BASE, "a": {"b": 11, "c": 2}}),
    ({"$unset": {"s": ""}}, {k: v for k, v in BASE.items() if k != "s"}),
    ({"$unset": {"a.c": 1, "nope": ""}}, {**BASE, "a": {"b": 1}}),
    ({"$push": {"tags": "y"}}, {**BASE, "tags": ["x", "y"]}),
    ({"$push": {"list": {"k": 1}}}, {**BASE, "list": [{"k": 1}]}),
    ({"$set": {"n": 7}, "$push": {"tags": 1}}, {**BASE, "n": 7, "tags": ["x", 1]}),
    ({"s": "merged", "z": None}, {**BASE, "s": "merged", "z": None}),
    ({"a": {"only": 1}}, {**BASE, "a": {"only": 1}}),
    ({"_id": "ignored", "keep": False}, {**BASE, "keep": False}),
    ({}, BASE),
])
def test_update_one(eng: Engine, update: dict, expected: dict) -> None:
    insert(eng, BASE)
    insert(eng, {"_id": "v", "n": 100})
    got = call(eng, "db.updateOne", {"collection": "c", "query": {"_id": "u"}, "update": update})
    assert got == expected
    assert call(eng, "db.getOne", {"collection": "c", "query": {"_id": "u"}}) == expected
    assert call(eng, "db.getOne", {"collection": "c", "query": {"_id": "v"}}) == \
        {"_id": "v", "n": 100}


@pytest.mark.parametrize("update", [
    {"$bogus": {"a": 1}}, {"$set": 5}, {"$inc": {"n": "1"}}, {"$inc": {"n": None}},
    [{"$set": {"a": 1}}], "x",
])
def test_update_one_bad_request(eng: Engine, update: Any) -> None:
    insert(eng, BASE)
    with pytest.raises(BadRequest):
        call(eng, "db.updateOne", {"collection": "c", "query": {"_id": "u"}, "update": update})
    assert call(eng, "db.getOne", {"collection": "c", "query": {"_id": "u"}}) == BASE


@pytest.mark.parametrize("update", [{"$inc": {"s": 1}}, {"$push": {"s": 1}}, {"$push": {"a": 1}}])
def test_update_one_type_mismatch_is_bad_request(eng: Engine, update: dict) -> None:
    insert(eng, BASE)
    with pytest.raises(BadRequest):
        call(eng, "db.updateOne", {"collection": "c", "query": {"_id": "u"}, "update": update})


def test_update_one_not_found_and_by_query(eng: Engine) -> None:
    ten(eng)
    with pytest.raises(NotFound):
        call(eng, "db.updateOne", {"collection": "c", "query": {"_id": "no"},
                                   "update": {"$set": {"a": 1}}})
    got = call(eng, "db.updateOne", {"collection": "c", "query": {"grp": 1},
                                     "update": {"$inc": {"n": 100}}})
    assert got["_id"] == "d01" and got["n"] == 108
    assert call(eng, "db.count", {"collection": "c", "query": {"n": {"$gt": 50}}})["count"] == 1


def test_replace_one_keeps_id(eng: Engine) -> None:
    insert(eng, BASE)
    got = call(eng, "db.replaceOne", {"collection": "c", "query": {"_id": "u"},
                                      "doc": {"_id": "other", "only": 1}})
    assert got == {"_id": "u", "only": 1}
    assert call(eng, "db.getOne", {"collection": "c", "query": {"_id": "u"}}) == got
    assert call(eng, "db.count", {"collection": "c"}) == {"count": 1}
    with pytest.raises(NotFound):
        call(eng, "db.replaceOne", {"collection": "c", "query": {"_id": "x"}, "doc": {}})
    with pytest.raises(BadRequest):
        call(eng, "db.replaceOne", {"collection": "c", "query": {"_id": "u"}, "doc": [1]})


# -- removes -------------------------------------------------------------------------------

def test_remove_one(eng: Engine) -> None:
    ten(eng)
    got = call(eng, "db.removeOne", {"collection": "c", "query": {"_id": "d04"}})
    assert got["_id"] == "d04"
    with pytest.raises(NotFound):
        call(eng, "db.getOne", {"collection": "c", "query": {"_id": "d04"}})
    with pytest.raises(NotFound):
        call(eng, "db.removeOne", {"collection": "c", "query": {"_id": "d04"}})
    assert call(eng, "db.removeOne", {"collection": "c", "query": {"grp": 1}})["_id"] == "d01"
    assert call(eng, "db.count", {"collection": "c"}) == {"count": 8}


@pytest.mark.parametrize("query,removed,left", [
    ({"grp": 0}, 5, 5), ({}, 10, 0), (None, 10, 0), ({"n": {"$gt": 100}}, 0, 10),
    ({"$or": [{"_id": "d00"}, {"_id": "d09"}]}, 2, 8),
])
def test_remove_many(eng: Engine, query: Any, removed: int, left: int) -> None:
    ten(eng)
    ten(eng, coll="c2")
    assert call(eng, "db.removeMany", {"collection": "c", "query": query}) == {"count": removed}
    assert call(eng, "db.count", {"collection": "c"}) == {"count": left}
    assert call(eng, "db.count", {"collection": "c2"}) == {"count": 10}


# -- protocol errors --------------------------------------------------------------------

@pytest.mark.parametrize("op", ["db.nope", "db.findOne", "", "sys.drop", "DB.GETONE",
                                "db.insertOne "])
def test_unknown_op_is_bad_request(eng: Engine, op: str) -> None:
    with pytest.raises(BadRequest, match="unknown storage operation"):
        eng.call(SA, op, b"{}")


@pytest.mark.parametrize("payload", [b"{", b"{'a': 1}", b"nul", b"\xff\xfe", b"{\"a\":}",
                                     b"[1,2]", b"\"str\"", b"42", b"null"])
@pytest.mark.parametrize("op", ["db.getOne", "db.insertOne", "sys.put"])
def test_malformed_payload_is_bad_request(eng: Engine, payload: bytes, op: str) -> None:
    with pytest.raises(BadRequest):
        eng.call(SA, op, payload)


@pytest.mark.parametrize("args", [
    {"collection": "c", "query": {"n": {"$foo": 1}}},
    {"collection": "c", "query": {"$where": "1"}},
    {"collection": "c", "query": [1]},
    {"collection": "c", "query": {"n": {"$in": 3}}},
    {"collection": "c", "options": {"sort": "n"}},
])
def test_bad_query_is_bad_request(eng: Engine, args: dict) -> None:
    ten(eng)
    with pytest.raises(BadRequest):
        call(eng, "db.getMany", args)


def test_errors_are_storage_errors_with_names() -> None:
    for cls, name in ((NotFound, "NotFound"), (Conflict, "Conflict"), (BadRequest, "BadRequest")):
        assert issubclass(cls, StorageError) and cls.name == name


# -- system records ---------------------------------------------------------------------------

def test_sys_put_get_scan_delete(eng: Engine) -> None:
    assert call(eng, "sys.get", {"key": "space/x"}) is None
    assert call(eng, "sys.put", {"key": "space/x", "value": {"a": 1}}) == {"ok": True}
    assert call(eng, "sys.get", {"key": "space/x"}) == {"a": 1}
    call(eng, "sys.put", {"batch": {"space/y": [1, "😀"], "space/a": "s", "other/z": 3,
                                    "space/x": None}})
    assert call(eng, "sys.get", {"key": "space/x"}) is None
    assert call(eng, "sys.scan", {"prefix": "space/"}) == [["space/a", "s"],
                                                           ["space/y", [1, "😀"]]]
    assert call(eng, "sys.scan", {"prefix": "other/"}) == [["other/z", 3]]
    assert call(eng, "sys.scan", {"prefix": "nothing"}) == []
    assert call(eng, "sys.delete", {"key": "space/a"}) == {"ok": True}
    assert call(eng, "sys.delete", {"key": "space/never"}) == {"ok": True}
    assert call(eng, "sys.scan", {"prefix": "space/"}) == [["space/y", [1, "😀"]]]
    # system records do not show up as documents and are space-independent
    assert call(eng, "sys.get", {"key": "other/z"}, space=SB) == 3


def test_sys_put_value_false_and_zero_are_stored(eng: Engine) -> None:
    call(eng, "sys.put", {"batch": {"k0": 0, "kf": False, "ke": ""}})
    assert [call(eng, "sys.get", {"key": k}) for k in ("k0", "kf", "ke")] == [0, False, ""]


def test_sys_bad_key(eng: Engine) -> None:
    with pytest.raises(BadRequest):
        call(eng, "sys.put", {"key": "a\u0000b", "value": 1})


# -- blobs ------------------------------------------------------------------------------------

@pytest.mark.parametrize("data", [b"", b"hello", bytes(range(256)) * 100,
                                  "😀".encode() * 1000])
def test_blob_content_addressing(eng: Engine, data: bytes) -> None:
    digest = hashlib.sha256(data).hexdigest()
    r = json.loads(eng.call(SA, "blob.put", data))
    assert r == {"digest": digest, "size": len(data)}
    assert json.loads(eng.call(SB, "blob.put", data)) == r  # idempotent, space-independent
    assert eng.call(SB, "blob.get", digest.encode()) == data


@pytest.mark.parametrize("digest,exc", [
    ("0" * 64, NotFound), ("ab" * 32, NotFound), ("xyz", BadRequest), ("A" * 64, BadRequest),
    ("0" * 63, BadRequest), ("", BadRequest), ("../" + "0" * 61, BadRequest),
])
def test_blob_get_errors(eng: Engine, digest: str, exc: type) -> None:
    with pytest.raises(exc):
        eng.call(SA, "blob.get", digest.encode())


# -- spaces and durability -----------------------------------------------------------------------

def test_space_drop_removes_only_that_space(eng: Engine) -> None:
    ten(eng, space=SA)
    ten(eng, coll="other", space=SA)
    ten(eng, space=SB)
    call(eng, "sys.put", {"key": f"space/{SA}", "value": 1})
    blob = json.loads(eng.call(SA, "blob.put", b"art"))["digest"]
    assert call(eng, "space.drop", {}, space=SA) == {"dropped": True}
    assert call(eng, "db.count", {"collection": "c"}, space=SA) == {"count": 0}
    assert call(eng, "db.count", {"collection": "other"}, space=SA) == {"count": 0}
    assert call(eng, "db.count", {"collection": "c"}, space=SB) == {"count": 10}
    assert call(eng, "sys.get", {"key": f"space/{SA}"}) == 1
    assert eng.call(SA, "blob.get", blob.encode()) == b"art"
    # the space is usable again afterwards
    insert(eng, {"_id": "d00"}, space=SA)


def test_space_drop_neighbour_ids(eng: Engine) -> None:
    # space ids that are prefixes/neighbours in byte order
    s1, s2, s3 = "aaaaaaaaaaaa", "aaaaaaaaaaab", "aaaaaaaaaaa9"
    for s in (s1, s2, s3):
        insert(eng, {"_id": "\U0010ffff" * 10}, coll="\xff", space=s)
        insert(eng, {"_id": "x"}, coll="c", space=s)
    call(eng, "space.drop", {}, space=s1)
    assert [call(eng, "db.count", {"collection": "c"}, space=s)["count"]
            for s in (s1, s2, s3)] == [0, 1, 1]
    assert [call(eng, "db.count", {"collection": "\xff"}, space=s)["count"]
            for s in (s1, s2, s3)] == [0, 1, 1]


def test_bad_space_id_is_bad_request(eng: Engine) -> None:
    with pytest.raises(BadRequest):
        call(eng, "db.count", {"collection": "c"}, space="../etc")
    with pytest.raises(BadRequest):
        call(eng, "space.drop", {}, space="")


def test_data_survives_close_and_reopen(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "db")
    e = Engine(path, page_size=3)
    ten(e)
    call(e, "sys.put", {"key": "k", "value": {"v": 1}})
    digest = json.loads(e.call(SA, "blob.put", b"blob!"))["digest"]
    call(e, "db.updateOne", {"collection": "c", "query": {"_id": "d01"},
                             "update": {"$set": {"z": 1}}})
    call(e, "db.removeOne", {"collection": "c", "query": {"_id": "d02"}})
    e.close()
    e2 = Engine(path, page_size=3)
    try:
        docs, _ = drain(e2, {"collection": "c"})
        assert len(docs) == 9 and docs[1]["z"] == 1
        assert call(e2, "sys.get", {"key": "k"}) == {"v": 1}
        assert e2.call(SA, "blob.get", digest.encode()) == b"blob!"
        with pytest.raises(Conflict):
            insert(e2, {"_id": "d00"})
    finally:
        e2.close()


@pytest.mark.parametrize("close_writer_first", [True, False])
def test_read_only_open_sees_data(tmp_path, close_writer_first: bool) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "db")
    w = Engine(path, sync="fsync")
    ten(w)
    call(w, "sys.put", {"key": "k", "value": 1})
    if close_writer_first:
        w.close()
    r = Engine(path, read_only=True)
    try:
        assert call(r, "db.count", {"collection": "c"}) == {"count": 10}
        assert call(r, "db.getOne", {"collection": "c", "query": {"name": "doc3"}})["_id"] == "d03"
        assert call(r, "sys.get", {"key": "k"}) == 1
        with pytest.raises(Exception):  # noqa: B017 - rocksdict's read-only error type
            insert(r, {"_id": "new"})
    finally:
        r.close()
        if not close_writer_first:
            w.close()


def test_space_ratelimit_is_one_bucket_per_space(tmp_path: Any) -> None:
    e = Engine(str(tmp_path / "rl"))
    take = lambda sid: json.loads(e.call(sid, "space.ratelimit",  # noqa: E731
                                          b'{"rate": 0.001, "burst": 2}'))["wait"]
    assert [take("aaaaaaaaaaaa") == 0 for _ in range(3)] == [True, True, False]
    assert take("bbbbbbbbbbbb") == 0  # another space has its own bucket
    for bad in (b'{"rate": 0, "burst": 1}', b'{"rate": "x", "burst": 1}', b"{}"):
        with pytest.raises(BadRequest, match=r"space\.ratelimit"):
            e.call("aaaaaaaaaaaa", "space.ratelimit", bad)
    e.close()
