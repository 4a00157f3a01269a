"""Table-driven tests of storage/update.py: apply_update and upsert_document."""

from __future__ import annotations

import copy

import pytest

from storage.update import BadUpdate, apply_update, upsert_document

BASE = {
    "_id": "u1", "n": 5, "f": 1.5, "s": "text", "b": True, "nil": None,
    "tags": ["a", "b"], "nums": [3, 1, 2], "o": {"x": 1, "y": {"z": 2}},
    "items": [{"k": 1, "v": "p"}, {"k": 2, "v": "q"}], "empty": [],
}


def _with(**changes: object) -> dict:
    out = copy.deepcopy(BASE)
    for k, v in changes.items():
        if v is _DEL:
            out.pop(k)
        else:
            out[k] = v
    return out


_DEL = object()

OK: list[tuple[str, dict, dict]] = [
    # plain object: top-level merge
    ("merge", {"n": 6, "new": {"a": [1]}}, _with(n=6, new={"a": [1]})),
    ("merge replaces nested objects", {"o": {"w": 0}}, _with(o={"w": 0})),
    ("merge keeps dotted keys literal", {"a.b": 1}, {**_with(), "a.b": 1}),
    ("merge ignores _id", {"_id": "other", "n": 0}, _with(n=0)),
    ("empty update", {}, _with()),
    # $set
    ("$set", {"$set": {"n": 10, "s": None}}, _with(n=10, s=None)),
    ("$set dotted", {"$set": {"o.y.z": 3}}, _with(o={"x": 1, "y": {"z": 3}})),
    ("$set creates intermediates", {"$set": {"p.q.r": 1}}, _with(p={"q": {"r": 1}})),
    ("$set numeric key on missing creates an object", {"$set": {"m.0": "x"}}, _with(m={"0": "x"})),
    ("$set array element", {"$set": {"tags.1": "B"}}, _with(tags=["a", "B"])),
    ("$set past the end pads with null", {"$set": {"tags.4": "e"}}, _with(tags=["a", "b", None, None, "e"])),
    ("$set inside array element", {"$set": {"items.1.v": "Q"}},
     _with(items=[{"k": 1, "v": "p"}, {"k": 2, "v": "Q"}])),
    ("$set new object in array", {"$set": {"items.2.k": 3}},
     _with(items=[{"k": 1, "v": "p"}, {"k": 2, "v": "q"}, {"k": 3}])),
    ("$set object value", {"$set": {"o": {"fresh": True}}}, _with(o={"fresh": True})),
    ("$set _id ignored", {"$set": {"_id": "x", "n": 1}}, _with(n=1)),
    ("$set several paths in one object", {"$set": {"o.x": 9, "o.y.w": 8}},
     _with(o={"x": 9, "y": {"z": 2, "w": 8}})),
    ("$setOnInsert ignored on update", {"$setOnInsert": {"created": 1}, "$set": {"n": 0}}, _with(n=0)),
    # $unset
    ("$unset", {"$unset": {"n": "", "s": 1}}, _with(n=_DEL, s=_DEL)),
    ("$unset dotted", {"$unset": {"o.y.z": ""}}, _with(o={"x": 1, "y": {}})),
    ("$unset missing is a no-op", {"$unset": {"nope": "", "o.nope.deeper": "", "s.x": ""}}, _with()),
    ("$unset string form", {"$unset": "n"}, _with(n=_DEL)),
    ("$unset list form", {"$unset": ["n", "f"]}, _with(n=_DEL, f=_DEL)),
    ("$unset array element sets null", {"$unset": {"tags.0": ""}}, _with(tags=[None, "b"])),
    ("$unset array element out of range", {"$unset": {"tags.7": ""}}, _with()),
    # $inc
    ("$inc", {"$inc": {"n": 2}}, _with(n=7)),
    ("$inc negative", {"$inc": {"n": -7}}, _with(n=-2)),
    ("$inc float", {"$inc": {"n": 0.5, "f": 1}}, _with(n=5.5, f=2.5)),
    ("$inc missing starts at 0", {"$inc": {"c": 3}}, _with(c=3)),
    ("$inc dotted creates", {"$inc": {"stats.visits": 1}}, _with(stats={"visits": 1})),
    ("$inc array element", {"$inc": {"nums.0": 10}}, _with(nums=[13, 1, 2])),
    ("$inc nested", {"$inc": {"o.y.z": 1}}, _with(o={"x": 1, "y": {"z": 3}})),
    # $mul
    ("$mul", {"$mul": {"n": 3, "f": 2}}, _with(n=15, f=3.0)),
    ("$mul missing gives 0", {"$mul": {"c": 4}}, _with(c=0)),
    ("$mul missing float gives 0.0", {"$mul": {"c": 4.5}}, _with(c=0.0)),
    # $min / $max
    ("$min lower", {"$min": {"n": 2}}, _with(n=2)),
    ("$min higher keeps", {"$min": {"n": 9}}, _with()),
    ("$max higher", {"$max": {"n": 9}}, _with(n=9)),
    ("$max lower keeps", {"$max": {"n": 1}}, _with()),
    ("$min missing sets", {"$min": {"c": 1}}, _with(c=1)),
    ("$max strings", {"$max": {"s": "zebra"}}, _with(s="zebra")),
    ("$max cross type uses BSON order", {"$max": {"n": "a"}}, _with(n="a")),
    ("$min cross type uses BSON order", {"$min": {"n": None}}, _with(n=None)),
    ("$max with null keeps number", {"$max": {"n": None}}, _with()),
    # $push
    ("$push", {"$push": {"tags": "c"}}, _with(tags=["a", "b", "c"])),
    ("$push creates array", {"$push": {"list": 1}}, _with(list=[1])),
    ("$push array value as one element", {"$push": {"tags": ["x", "y"]}}, _with(tags=["a", "b", ["x", "y"]])),
    ("$push object", {"$push": {"items": {"k": 3}}}, _with(items=[*BASE["items"], {"k": 3}])),
    ("$push $each", {"$push": {"tags": {"$each": ["c", "d"]}}}, _with(tags=["a", "b", "c", "d"])),
    ("$push $each empty", {"$push": {"tags": {"$each": []}}}, _with()),
    ("$push $each duplicates kept", {"$push": {"tags": {"$each": ["a"]}}}, _with(tags=["a", "b", "a"])),
    ("$push $position", {"$push": {"tags": {"$each": ["z"], "$position": 0}}}, _with(tags=["z", "a", "b"])),
    ("$push $position negative", {"$push": {"nums": {"$each": [9], "$position": -1}}},
     _with(nums=[3, 1, 9, 2])),
    ("$push $sort", {"$push": {"nums": {"$each": [0], "$sort": 1}}}, _with(nums=[0, 1, 2, 3])),
    ("$push $sort desc", {"$push": {"nums": {"$each": [], "$sort": -1}}}, _with(nums=[3, 2, 1])),
    ("$push $sort by field", {"$push": {"items": {"$each": [{"k": 0}], "$sort": {"k": -1}}}},
     _with(items=[{"k": 2, "v": "q"}, {"k": 1, "v": "p"}, {"k": 0}])),
    ("$push $slice", {"$push": {"nums": {"$each": [4], "$slice": 2}}}, _with(nums=[3, 1])),
    ("$push $slice negative", {"$push": {"nums": {"$each": [4], "$slice": -2}}}, _with(nums=[2, 4])),
    ("$push $slice 0", {"$push": {"nums": {"$each": [4], "$slice": 0}}}, _with(nums=[])),
    ("$push $sort then $slice", {"$push": {"nums": {"$slice": 2, "$each": [0], "$sort": -1}}},
     _with(nums=[3, 2])),
    ("$push dotted into array element", {"$push": {"items.0.tags": "t"}},
     _with(items=[{"k": 1, "v": "p", "tags": ["t"]}, {"k": 2, "v": "q"}])),
    # $addToSet
    ("$addToSet new", {"$addToSet": {"tags": "c"}}, _with(tags=["a", "b", "c"])),
    ("$addToSet existing", {"$addToSet": {"tags": "a"}}, _with()),
    ("$addToSet creates", {"$addToSet": {"set": 1}}, _with(set=[1])),
    ("$addToSet $each", {"$addToSet": {"tags": {"$each": ["b", "c", "c", "d"]}}},
     _with(tags=["a", "b", "c", "d"])),
    ("$addToSet object deep-equal any key order", {"$addToSet": {"items": {"v": "p", "k": 1}}}, _with()),
    ("$addToSet number vs bool", {"$addToSet": {"nums": True}}, _with(nums=[3, 1, 2, True])),
    ("$addToSet 1.0 equals 1", {"$addToSet": {"nums": 1.0}}, _with()),
    ("$addToSet array value", {"$addToSet": {"tags": ["a"]}}, _with(tags=["a", "b", ["a"]])),
    # $pull
    ("$pull value", {"$pull": {"tags": "a"}}, _with(tags=["b"])),
    ("$pull absent value", {"$pull": {"tags": "zz"}}, _with()),
    ("$pull all occurrences", {"$pull": {"nums": 1}}, _with(nums=[3, 2])),
    ("$pull condition", {"$pull": {"nums": {"$gte": 2}}}, _with(nums=[1])),
    ("$pull $in", {"$pull": {"tags": {"$in": ["a", "b"]}}}, _with(tags=[])),
    ("$pull document query", {"$pull": {"items": {"k": 2}}}, _with(items=[{"k": 1, "v": "p"}])),
    ("$pull document query with operator", {"$pull": {"items": {"k": {"$lt": 2}}}},
     _with(items=[{"k": 2, "v": "q"}])),
    ("$pull missing field no-op", {"$pull": {"nope": 1}}, _with()),
    ("$pull number not bool", {"$pull": {"nums": True}}, _with()),
    ("$pullAll", {"$pullAll": {"nums": [1, 3, 7]}}, _with(nums=[2])),
    ("$pullAll objects", {"$pullAll": {"items": [{"v": "q", "k": 2}]}}, _with(items=[{"k": 1, "v": "p"}])),
    # $pop
    ("$pop last", {"$pop": {"nums": 1}}, _with(nums=[3, 1])),
    ("$pop first", {"$pop": {"nums": -1}}, _with(nums=[1, 2])),
    ("$pop empty", {"$pop": {"empty": 1}}, _with()),
    ("$pop missing", {"$pop": {"nope": -1}}, _with()),
    # $rename
    ("$rename", {"$rename": {"n": "count"}}, {**_with(n=_DEL), "count": 5}),
    ("$rename dotted", {"$rename": {"o.y.z": "o.zz"}}, _with(o={"x": 1, "y": {}, "zz": 2})),
    ("$rename into new object", {"$rename": {"s": "meta.text"}}, {**_with(s=_DEL), "meta": {"text": "text"}}),
    ("$rename overwrites", {"$rename": {"n": "f"}}, _with(n=_DEL, f=5)),
    ("$rename missing no-op", {"$rename": {"nope": "other"}}, _with()),
    # several operators at once
    ("combined", {"$set": {"s": "new"}, "$inc": {"n": 1}, "$push": {"tags": "c"}, "$unset": {"nil": ""},
                  "$rename": {"b": "flag"}},
     {**_with(s="new", n=6, tags=["a", "b", "c"], nil=_DEL, b=_DEL), "flag": True}),
    ("disjoint sibling paths", {"$set": {"o.x": 0}, "$inc": {"o.y.z": 1}}, _with(o={"x": 0, "y": {"z": 3}})),
]


@pytest.mark.parametrize("update,expected", [(u, e) for _, u, e in OK], ids=[n for n, _, _ in OK])
def test_apply_update(update: dict, expected: dict) -> None:
    doc = copy.deepcopy(BASE)
    got = apply_update(doc, update)
    assert got == expected
    assert doc == BASE  # never mutated
    assert got["_id"] == "u1"


@pytest.mark.parametrize("update,expected", [(u, e) for _, u, e in OK], ids=[n for n, _, _ in OK])
def test_apply_update_result_is_independent(update: dict, expected: dict) -> None:
    update_copy = copy.deepcopy(update)
    doc = copy.deepcopy(BASE)
    got = apply_update(doc, update)
    assert update == update_copy
    # mutating the result touches neither the input document nor the update
    _scramble(got)
    assert doc == BASE
    assert update == update_copy


def _scramble(v: object) -> None:
    if isinstance(v, dict):
        for x in list(v.values()):
            _scramble(x)
        v["__scrambled"] = 1
    elif isinstance(v, list):
        for x in v:
            _scramble(x)
        v.append("__scrambled")


ERRORS: list[tuple[dict, str]] = [
    ({"$foo": {"a": 1}}, "unknown update operator $foo"),
    ({"$set": {"a": 1}, "$bar": {}}, "unknown update operator $bar"),
    ({"$set": {"a": 1}, "b": 2}, "cannot mix update operators ($set) with plain fields ('b')"),
    ({"b": 2, "$inc": {"n": 1}}, "cannot mix update operators ($inc) with plain fields ('b')"),
    ({"$set": 5}, "$set needs an object"),
    ({"$inc": ["n"]}, "$inc needs an object"),
    ({"$unset": 5}, "$unset needs an object"),
    ({"$inc": {"a.b": "1"}}, "$inc of 'a.b' needs a number"),
    ({"$inc": {"n": None}}, "$inc of 'n' needs a number"),
    ({"$inc": {"n": True}}, "$inc of 'n' needs a number"),
    ({"$inc": {"s": 1}}, "$inc of 's' which is not a number (a string)"),
    ({"$inc": {"b": 1}}, "$inc of 'b' which is not a number (a boolean)"),
    ({"$inc": {"nil": 1}}, "$inc of 'nil' which is not a number (null)"),
    ({"$inc": {"f": 1e308}, "$mul": {"n": 1e308}}, "overflows"),
    ({"$mul": {"n": "2"}}, "$mul of 'n' needs a number"),
    ({"$mul": {"tags": 2}}, "$mul of 'tags' which is not a number (an array)"),
    ({"$push": {"s": 1}}, "$push to 's' which is not an array (a string)"),
    ({"$push": {"o": 1}}, "$push to 'o' which is not an array (an object)"),
    ({"$push": {"tags": {"$each": "x"}}}, "$push to 'tags': $each needs an array"),
    ({"$push": {"tags": {"$slice": 1}}}, "$push to 'tags': modifiers need $each"),
    ({"$push": {"tags": {"$each": [], "$bogus": 1}}}, "$push to 'tags': unknown modifier $bogus"),
    ({"$push": {"tags": {"$each": [], "$position": "0"}}}, "$position needs an integer"),
    ({"$push": {"tags": {"$each": [], "$slice": 1.5}}}, "$slice needs an integer"),
    ({"$push": {"tags": {"$each": [], "$sort": 2}}}, "$sort needs 1, -1"),
    ({"$addToSet": {"n": 1}}, "$addToSet to 'n' which is not an array (a number)"),
    ({"$addToSet": {"tags": {"$each": 1}}}, "$addToSet to 'tags': $each needs an array"),
    ({"$pull": {"s": "t"}}, "$pull from 's' which is not an array"),
    ({"$pull": {"nums": {"$bogus": 1}}}, "$pull from 'nums': unknown operator $bogus"),
    ({"$pullAll": {"nums": 1}}, "$pullAll from 'nums' needs an array"),
    ({"$pullAll": {"s": [1]}}, "$pullAll from 's' which is not an array"),
    ({"$pop": {"nums": 2}}, "$pop of 'nums' needs 1 or -1"),
    ({"$pop": {"nums": "1"}}, "$pop of 'nums' needs 1 or -1"),
    ({"$pop": {"s": 1}}, "$pop of 's' which is not an array"),
    ({"$rename": {"n": 5}}, "$rename of 'n' needs the new field name as a string"),
    ({"$rename": {"n": "n"}}, "conflicting updates of 'n'"),
    ({"$rename": {"o": "o.x"}}, "conflicting updates of 'o'"),
    ({"$rename": {"items.0.k": "kk"}}, "cannot go through the array 'items'"),
    ({"$rename": {"n": "tags.0"}}, "cannot go through the array 'tags'"),
    ({"$rename": {"_id": "id"}}, "$rename cannot modify _id"),
    ({"$rename": {"n": "_id"}}, "$rename cannot modify _id"),
    ({"$unset": {"_id": ""}}, "$unset cannot modify _id"),
    ({"$inc": {"_id": 1}}, "$inc cannot modify _id"),
    ({"$set": {"_id.x": 1}}, "$set cannot modify _id"),
    ({"$set": {"s.x": 1}}, "$set of 's.x': cannot create field 'x' in 's' which is a string"),
    ({"$set": {"nil.x": 1}}, "$set of 'nil.x': cannot create field 'x' in 'nil' which is null"),
    ({"$set": {"tags.x": 1}}, "$set of 'tags.x': cannot use the field name 'x' to index the array 'tags'"),
    ({"$set": {"items.k": 1}}, "cannot use the field name 'k' to index the array 'items'"),
    ({"$set": {"tags.-1": 1}}, "cannot use the field name '-1'"),
    ({"$set": {"tags.99999999": 1}}, "array index 99999999 is too large"),
    ({"$set": {"a..b": 1}}, "$set of 'a..b': empty field name"),
    ({"$set": {"": 1}}, "$set needs non-empty field paths"),
    ({"$set": {"tags.$": 1}}, "positional operators"),
    ({"$set": {"a": 1}, "$inc": {"a": 1}}, "conflicting updates of 'a' ($inc) and 'a' ($set)"),
    ({"$set": {"o": {}}, "$inc": {"o.x": 1}}, "conflicting updates of 'o' ($set) and 'o.x' ($inc)"),
    ({"$push": {"tags": 1}, "$pull": {"tags": 1}}, "conflicting updates of 'tags'"),
    ({"$rename": {"n": "m"}, "$set": {"m": 1}}, "conflicting updates of 'm'"),
]


@pytest.mark.parametrize("update,message", ERRORS, ids=[m for _, m in ERRORS])
def test_apply_update_errors(update: dict, message: str) -> None:
    doc = copy.deepcopy(BASE)
    with pytest.raises(BadUpdate) as ei:
        apply_update(doc, update)
    assert message in str(ei.value)
    assert doc == BASE


@pytest.mark.parametrize("update", [None, [], "x", 5])
def test_update_must_be_an_object(update: object) -> None:
    with pytest.raises(BadUpdate, match="update must be a JSON object"):
        apply_update(dict(BASE), update)  # type: ignore[arg-type]


def test_bad_update_is_a_value_error() -> None:
    assert issubclass(BadUpdate, ValueError)


def test_result_is_a_new_dict_even_for_noop() -> None:
    doc = copy.deepcopy(BASE)
    got = apply_update(doc, {"$unset": {"nope": ""}})
    assert got == doc and got is not doc and got["o"] is not doc["o"]


def test_doc_without_id_may_get_one_from_set() -> None:
    assert apply_update({"a": 1}, {"$set": {"_id": "x"}}) == {"a": 1, "_id": "x"}
    assert apply_update({"a": 1}, {"_id": "x"}) == {"a": 1, "_id": "x"}


# -- upsert_document ------------------------------------------------------------------

UPSERTS: list[tuple[dict, dict, dict]] = [
    ({"emailAddress": "jane@example.com"}, {"$inc": {"visits": 8}},
     {"emailAddress": "jane@example.com", "visits": 8}),
    ({"a": 1}, {"$set": {"b": 2}}, {"a": 1, "b": 2}),
    ({"a": 1}, {"b": 2}, {"a": 1, "b": 2}),
    ({"a": 1}, {"a": 3}, {"a": 3}),
    ({"a": 1}, {"$inc": {"a": 1}}, {"a": 2}),
    ({"a": {"$eq": 4}, "b": {"$gt": 1}, "c": {"$in": [1]}}, {}, {"a": 4}),
    ({"a.b": 1, "a.c": "x"}, {"$set": {"d": 0}}, {"a": {"b": 1, "c": "x"}, "d": 0}),
    ({"$and": [{"a": 1}, {"b": {"$eq": 2}}], "$or": [{"c": 1}, {"d": 1}]}, {}, {"a": 1, "b": 2}),
    ({"_id": "fixed", "a": 1}, {"$set": {"_id": "ignored"}}, {"_id": "fixed", "a": 1}),
    ({"a": 1}, {"$setOnInsert": {"created": "now"}, "$set": {"b": 1}}, {"a": 1, "b": 1, "created": "now"}),
    ({"a": 1}, {"$setOnInsert": {"_id": "mine"}}, {"a": 1, "_id": "mine"}),
    ({"tags": ["x"]}, {"$push": {"tags": "y"}}, {"tags": ["x", "y"]}),
    ({"n": None}, {}, {"n": None}),
    ({"o": {"k": 1}}, {"$set": {"o.j": 2}}, {"o": {"k": 1, "j": 2}}),
    ({"when": {"$date": "2020-01-02"}}, {}, {"when": "2020-01-02T00:00:00.000Z"}),
    ({"name": {"$regex": "^a"}}, {"$set": {"x": 1}}, {"x": 1}),
    ({}, {"$push": {"l": {"$each": [1, 2]}}}, {"l": [1, 2]}),
]


@pytest.mark.parametrize("query,update,expected", UPSERTS)
def test_upsert_document(query: dict, update: dict, expected: dict) -> None:
    q, u = copy.deepcopy(query), copy.deepcopy(update)
    assert upsert_document(query, update) == expected
    assert (q, u) == (query, update)


@pytest.mark.parametrize("query,update,message", [
    ({"a": 1, "a.b": 2}, {}, "conflict"),
    ({"a": 1}, {"$bogus": {}}, "unknown update operator $bogus"),
    ({"a": "x"}, {"$inc": {"a": 1}}, "$inc of 'a' which is not a number"),
    ([], {}, "query must be a JSON object"),
])
def test_upsert_document_errors(query: object, update: dict, message: str) -> None:
    with pytest.raises(BadUpdate, match=None) as ei:
        upsert_document(query, update)  # type: ignore[arg-type]
    assert message in str(ei.value)
