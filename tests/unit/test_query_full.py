"""Table-driven tests of the complete query language in storage/query.py:
every operator, dotted paths into objects and arrays, null/missing rules,
cross-type comparison and sorting, validation errors and compile_query."""

from __future__ import annotations

import copy
import itertools
import random

import pytest

from storage.query import (
    MISSING,
    BadQuery,
    compare,
    compile_query,
    element_matcher,
    get_path,
    json_equal,
    matches,
    sort_key_fn,
)

DOC = {
    "_id": "d1", "name": "Joe Smith", "age": 42, "score": 7.5, "active": True, "off": False,
    "zero": 0, "nil": None, "tags": ["red", "green", "blue"], "nums": [1, 5, 9],
    "mixed": [1, "1", None, True, [2, 3], {"k": 1}],
    "addr": {"city": "Oslo", "zip": "0150", "geo": {"lat": 59.9, "lon": 10.7}},
    "items": [{"sku": "a", "qty": 1, "tags": ["x"]}, {"sku": "b", "qty": 3, "tags": ["y", "z"]},
              {"note": "n"}],
    "matrix": [[1, 2], [3]], "empty": [], "obj": {}, "str1": "1", "multi": "line1\nLINE2",
    "created": "2016-08-03T10:00:00.000Z",
    "deep": {"a": [{"b": [{"c": 1}, {"c": 2}]}, {"b": {"c": 3}}]},
    "uni": "ÆØÅ😀", "big": 10**15, "neg": -3,
}

CASES: list[tuple[dict, bool]] = [
    # -- implicit equality ---------------------------------------------------------
    ({}, True),
    ({"name": "Joe Smith"}, True),
    ({"name": "joe smith"}, False),
    ({"age": 42}, True),
    ({"age": 42.0}, True),
    ({"age": "42"}, False),
    ({"str1": 1}, False),
    ({"big": 10**15}, True),
    ({"big": 1e15}, True),
    ({"name": "Joe Smith", "age": 42}, True),
    ({"name": "Joe Smith", "age": 41}, False),
    ({"active": True}, True),
    ({"active": 1}, False),
    ({"zero": False}, False),
    ({"off": 0}, False),
    ({"nope": "x"}, False),
    # -- $eq / $ne -----------------------------------------------------------------
    ({"age": {"$eq": 42}}, True),
    ({"age": {"$eq": 43}}, False),
    ({"active": {"$eq": 1}}, False),
    ({"addr": {"$eq": {"zip": "0150", "city": "Oslo", "geo": {"lon": 10.7, "lat": 59.9}}}}, True),
    ({"obj": {"$eq": {}}}, True),
    ({"age": {"$eq": {"$gt": 1}}}, False),  # $eq's operand is a literal
    ({"age": {"$ne": 43}}, True),
    ({"age": {"$ne": 42}}, False),
    ({"nope": {"$ne": 1}}, True),
    ({"tags": {"$ne": "red"}}, False),
    ({"tags": {"$ne": "pink"}}, True),
    ({"active": {"$ne": 1}}, True),
    ({"name": {"$ne": ""}}, True),
    # -- null and missing ----------------------------------------------------------
    ({"nil": None}, True),
    ({"nope": None}, True),
    ({"age": None}, False),
    ({"zero": None}, False),
    ({"off": None}, False),
    ({"empty": None}, False),
    ({"obj": None}, False),
    ({"mixed": None}, True),  # the array contains null
    ({"nil": {"$eq": None}}, True),
    ({"nil": {"$ne": None}}, False),
    ({"nope": {"$ne": None}}, False),
    ({"age": {"$ne": None}}, True),
    ({"nope": {"$in": [None]}}, True),
    ({"nope": {"$nin": [None]}}, False),
    ({"nil": {"$in": [None, 1]}}, True),
    ({"age": {"$in": [None, 1]}}, False),
    ({"nil": {"$gte": None}}, True),
    ({"nope": {"$lte": None}}, True),
    ({"nil": {"$gt": None}}, False),
    ({"nil": {"$lt": None}}, False),
    ({"age": {"$gte": None}}, False),
    ({"addr.nope.deeper": None}, True),
    ({"age.deeper": None}, True),
    ({"items.note": None}, True),   # two of the three items lack "note"
    ({"items.sku": None}, True),    # the third item lacks "sku"
    ({"items.qty": {"$ne": None}}, False),
    ({"empty.x": None}, True),
    ({"nums.x": None}, True),       # scalars in the array have no field x
    ({"tags.9": None}, True),
    # -- $exists -------------------------------------------------------------------
    ({"nil": {"$exists": True}}, True),
    ({"nil": {"$exists": False}}, False),
    ({"nope": {"$exists": False}}, True),
    ({"nope": {"$exists": True}}, False),
    ({"empty": {"$exists": True}}, True),
    ({"zero": {"$exists": 1}}, True),
    ({"zero": {"$exists": 0}}, False),
    ({"tags.0": {"$exists": True}}, True),
    ({"tags.3": {"$exists": True}}, False),
    ({"addr.geo.lat": {"$exists": True}}, True),
    ({"addr.geo.alt": {"$exists": True}}, False),
    ({"age.x": {"$exists": True}}, False),
    ({"items.note": {"$exists": True}}, True),
    ({"items.note": {"$exists": False}}, False),
    ({"items.nothing": {"$exists": True}}, False),
    ({"items.nothing": {"$exists": False}}, True),
    # -- comparisons ---------------------------------------------------------------
    ({"age": {"$gt": 41}}, True),
    ({"age": {"$gt": 42}}, False),
    ({"age": {"$gte": 42}}, True),
    ({"age": {"$gte": 42.5}}, False),
    ({"age": {"$lt": 42}}, False),
    ({"age": {"$lt": 42.01}}, True),
    ({"age": {"$lte": 42}}, True),
    ({"score": {"$gt": 7, "$lt": 8}}, True),
    ({"score": {"$gt": 7.5}}, False),
    ({"neg": {"$lt": 0}}, True),
    ({"big": {"$gt": 10**14}}, True),
    ({"age": {"$gt": "4"}}, False),     # numbers never compare with strings
    ({"str1": {"$gt": 0}}, False),
    ({"str1": {"$lt": 5}}, False),
    ({"age": {"$gt": False}}, False),   # or with booleans
    ({"active": {"$gt": 0}}, False),
    ({"active": {"$gt": False}}, True),
    ({"off": {"$lt": True}}, True),
    ({"nil": {"$lt": 100}}, False),
    ({"nope": {"$lt": 100}}, False),
    ({"nope": {"$gt": -100}}, False),
    ({"name": {"$gt": "Joe"}}, True),
    ({"name": {"$lt": "Joe"}}, False),
    ({"name": {"$lt": "joe"}}, True),   # code-point order: upper case first
    ({"addr.zip": {"$gte": "0150", "$lte": "0150"}}, True),
    ({"created": {"$gt": "2016-08-01", "$lt": "2016-08-05"}}, True),
    ({"nums": {"$gt": 8}}, True),
    ({"nums": {"$gt": 9}}, False),
    ({"nums": {"$lt": 2}}, True),
    ({"nums": {"$gt": 1, "$lt": 5}}, True),   # each condition may hold for another element
    ({"nums": {"$elemMatch": {"$gt": 1, "$lt": 5}}}, False),  # ...$elemMatch needs one element
    ({"nums": {"$gt": 9, "$lt": 1}}, False),
    ({"items.qty": {"$gt": 2}}, True),
    ({"items.qty": {"$gt": 3}}, False),
    ({"addr": {"$gt": {"city": "A"}}}, True),   # objects compare with objects
    ({"addr": {"$gt": 5}}, False),
    ({"matrix": {"$gt": [2]}}, True),           # arrays compare with array elements
    ({"matrix": {"$lt": [1, 2]}}, False),
    ({"matrix": {"$lte": [1, 2]}}, True),
    # -- $in / $nin ----------------------------------------------------------------
    ({"age": {"$in": [1, 42]}}, True),
    ({"age": {"$in": [1, 42.0]}}, True),
    ({"age": {"$in": []}}, False),
    ({"age": {"$in": ["42"]}}, False),
    ({"active": {"$in": [1, 0]}}, False),
    ({"zero": {"$in": [False]}}, False),
    ({"active": {"$in": [True]}}, True),
    ({"age": {"$nin": [1, 42]}}, False),
    ({"age": {"$nin": []}}, True),
    ({"nope": {"$nin": [1]}}, True),
    ({"tags": {"$in": ["pink", "green"]}}, True),
    ({"tags": {"$nin": ["pink", "green"]}}, False),
    ({"tags": {"$nin": ["pink"]}}, True),
    ({"addr.geo": {"$in": [{"lon": 10.7, "lat": 59.9}]}}, True),
    ({"matrix": {"$in": [[3]]}}, True),
    ({"matrix": {"$in": [[3, 1]]}}, False),
    ({"name": {"$in": [{"$regex": "^joe", "$options": "i"}]}}, True),
    ({"name": {"$in": [{"$regex": "^x"}, "Joe Smith"]}}, True),
    ({"name": {"$nin": [{"$regex": "Smith$"}]}}, False),
    ({"created": {"$in": [{"$date": "2016-08-03T10:00:00Z"}]}}, True),
    # -- $regex / $options ---------------------------------------------------------
    ({"name": {"$regex": "^Joe"}}, True),
    ({"name": {"$regex": "^joe"}}, False),
    ({"name": {"$regex": "^joe", "$options": "i"}}, True),
    ({"name": {"$options": "i", "$regex": "^joe"}}, True),
    ({"name": {"$regex": "^joe", "$options": "gi"}}, True),
    ({"name": {"$regex": "/^joe/i"}}, True),
    ({"name": {"$regex": "/^joe/"}}, False),
    ({"name": {"$regex": "/smith$/gi"}}, True),
    ({"name": {"$regex": "/^joe/", "$options": "i"}}, True),
    ({"name": {"$regex": "Sm.th"}}, True),
    ({"name": {"$regex": ""}}, True),
    ({"multi": {"$regex": "^LINE2"}}, False),
    ({"multi": {"$regex": "^LINE2", "$options": "m"}}, True),
    ({"multi": {"$regex": "/^line2$/mi"}}, True),
    ({"multi": {"$regex": "line1.LINE2"}}, False),
    ({"multi": {"$regex": "line1.LINE2", "$options": "s"}}, True),
    ({"name": {"$regex": "J o e", "$options": "x"}}, True),
    ({"name": {"$regex": "(?<first>J)oe \\k<first>?"}}, True),  # JS named groups
    ({"tags": {"$regex": "^gr"}}, True),
    ({"tags": {"$regex": "^pi"}}, False),
    ({"age": {"$regex": "4"}}, False),
    ({"nope": {"$regex": ".*"}}, False),
    ({"addr.city": {"$regex": "s"}}, True),
    ({"uni": {"$regex": "å😀$", "$options": "i"}}, True),
    # the codehooks CLI sends RegExps as {$regex: source-without-slashes, $options}
    ({"addr.city": {"$regex": "^os", "$options": "i"}}, True),
    # a "/.../" string whose tail is not a flag list is a plain pattern
    ({"path": {"$regex": "/usr/local"}}, False),
    # -- $not ----------------------------------------------------------------------
    ({"name": {"$not": {"$regex": "^Joe"}}}, False),
    ({"name": {"$not": {"$regex": "^Ann"}}}, True),
    ({"name": {"$not": {"$regex": "^joe", "$options": "i"}}}, False),
    ({"age": {"$not": {"$gt": 50}}}, True),
    ({"age": {"$not": {"$gt": 40}}}, False),
    ({"age": {"$not": {"$gt": 40, "$lt": 41}}}, True),
    ({"nope": {"$not": {"$gt": 1}}}, True),
    ({"tags": {"$not": {"$size": 3}}}, False),
    ({"name": {"$not": "Joe Smith"}}, False),  # Codehooks: $not with a value is "not equal"
    ({"name": {"$not": "Ann"}}, True),
    ({"tags": {"$not": "red"}}, False),
    ({"nil": {"$not": None}}, False),
    ({"age": {"$not": {"$not": {"$gt": 40}}}}, True),
    # -- $and / $or / $nor ---------------------------------------------------------
    ({"$and": [{"age": 42}, {"name": "Joe Smith"}]}, True),
    ({"$and": [{"age": 42}, {"name": "Ann"}]}, False),
    ({"$or": [{"age": 1}, {"name": "Joe Smith"}]}, True),
    ({"$or": [{"age": 1}, {"name": "Ann"}]}, False),
    ({"$or": [{"age": 42}]}, True),
    ({"$nor": [{"age": 1}, {"name": "Ann"}]}, True),
    ({"$nor": [{"age": 1}, {"name": "Joe Smith"}]}, False),
    ({"$nor": [{"age": 42}]}, False),
    ({"$or": [{"$and": [{"age": 42}, {"active": True}]}, {"x": 1}]}, True),
    ({"$and": [{"$or": [{"age": 1}, {"age": 2}]}, {"active": True}]}, False),
    ({"$or": [{"age": 42}], "name": "Ann"}, False),
    ({"$or": [{"age": 1}], "$and": [{"age": 42}]}, False),
    ({"$nor": [{"$or": [{"age": 1}]}]}, True),
    ({"$and": [{}]}, True),
    ({"$comment": "ignored", "age": 42}, True),
    # -- dotted paths --------------------------------------------------------------
    ({"addr.city": "Oslo"}, True),
    ({"addr.city": "oslo"}, False),
    ({"addr.geo.lat": {"$gt": 59}}, True),
    ({"tags.1": "green"}, True),
    ({"tags.1": "red"}, False),
    ({"tags.01": "green"}, False),   # "01" is a field name, not an index
    ({"items.sku": "b"}, True),
    ({"items.sku": "c"}, False),
    ({"items.1.sku": "b"}, True),
    ({"items.0.sku": "b"}, False),
    ({"items.tags": "z"}, True),     # fan out, then "contains"
    ({"items.tags": ["y", "z"]}, True),
    ({"items.tags.0": "y"}, True),
    ({"matrix.0.1": 2}, True),
    ({"matrix.0": [1, 2]}, True),
    ({"matrix.0": 2}, True),
    ({"deep.a.b.c": 2}, True),
    ({"deep.a.b.c": 3}, True),
    ({"deep.a.b.c": 4}, False),
    ({"deep.a.0.b.1.c": 2}, True),
    ({"deep.a.1.b.c": 3}, True),
    # -- arrays: "contains" and whole-array equality --------------------------------
    ({"tags": "red"}, True),
    ({"tags": "pink"}, False),
    ({"tags": ["red", "green", "blue"]}, True),
    ({"tags": ["green", "red", "blue"]}, False),
    ({"tags": ["red"]}, False),
    ({"nums": 5}, True),
    ({"nums": 5.0}, True),
    ({"nums": True}, False),
    ({"mixed": True}, True),
    ({"mixed": 1}, True),
    ({"mixed": "1"}, True),
    ({"mixed": [2, 3]}, True),
    ({"mixed": 2}, False),           # nested arrays are not searched
    ({"mixed": {"k": 1}}, True),
    ({"mixed": {"k": True}}, False),
    ({"matrix": [3]}, True),
    ({"matrix": 3}, False),
    ({"empty": []}, True),
    ({"obj": {}}, True),
    ({"addr": {"city": "Oslo", "zip": "0150", "geo": {"lat": 59.9, "lon": 10.7}}}, True),
    ({"addr": {"geo": {"lon": 10.7, "lat": 59.9}, "zip": "0150", "city": "Oslo"}}, True),
    ({"addr": {"city": "Oslo"}}, False),
    ({"addr.geo": {"lat": 59.9, "lon": 10.7, "alt": None}}, False),
    # -- $elemMatch ----------------------------------------------------------------
    ({"items": {"$elemMatch": {"sku": "b", "qty": 3}}}, True),
    ({"items": {"$elemMatch": {"sku": "a", "qty": 3}}}, False),
    ({"items": {"$elemMatch": {"qty": {"$gt": 2}}}}, True),
    ({"items": {"$elemMatch": {"$or": [{"sku": "z"}, {"note": "n"}]}}}, True),
    ({"items": {"$elemMatch": {"tags": "z"}}}, True),
    ({"items": {"$elemMatch": {}}}, True),
    ({"nums": {"$elemMatch": {"$gt": 4, "$lt": 6}}}, True),
    ({"nums": {"$elemMatch": {"$gt": 5, "$lt": 9}}}, False),
    ({"nums": {"$elemMatch": {"$in": [9]}}}, True),
    ({"tags": {"$elemMatch": {"$regex": "^bl"}}}, True),
    ({"matrix": {"$elemMatch": {"$gt": 1}}}, False),   # elements are arrays: no expansion
    ({"matrix": {"$elemMatch": {"$size": 1}}}, True),
    ({"matrix": {"$elemMatch": {"$elemMatch": {"$gt": 2}}}}, True),
    ({"tags": {"$elemMatch": {"sku": "a"}}}, False),    # document form skips scalars
    ({"tags": {"$elemMatch": {"sku": {"$exists": False}}}}, False),
    ({"matrix": {"$elemMatch": {"1": 2}}}, True),      # ...but sees arrays as {"0": .., "1": ..}
    ({"matrix": {"$elemMatch": {"1": 3}}}, False),
    ({"matrix": {"$elemMatch": {"0": 5}}}, False),
    ({"matrix": {"$elemMatch": {"0": 3, "1": {"$exists": False}}}}, True),
    ({"matrix": {"$elemMatch": {"sku": {"$exists": False}}}}, True),
    ({"matrix": {"$elemMatch": {}}}, True),
    ({"nums": {"$elemMatch": {}}}, False),
    ({"addr": {"$elemMatch": {"city": "Oslo"}}}, False),  # not an array
    ({"nope": {"$elemMatch": {"a": 1}}}, False),
    ({"deep.a": {"$elemMatch": {"b.c": 3}}}, True),
    ({"deep.a": {"$elemMatch": {"b": {"$elemMatch": {"c": 2}}}}}, True),
    # -- $size ---------------------------------------------------------------------
    ({"tags": {"$size": 3}}, True),
    ({"tags": {"$size": 2}}, False),
    ({"tags": {"$size": 3.0}}, True),
    ({"empty": {"$size": 0}}, True),
    ({"obj": {"$size": 0}}, False),
    ({"nope": {"$size": 0}}, False),
    ({"name": {"$size": 9}}, False),
    ({"matrix": {"$size": 1}}, False),
    ({"items.tags": {"$size": 2}}, True),
    # -- $all ----------------------------------------------------------------------
    ({"tags": {"$all": ["red", "blue"]}}, True),
    ({"tags": {"$all": ["blue", "red", "red"]}}, True),
    ({"tags": {"$all": ["red", "pink"]}}, False),
    ({"tags": {"$all": []}}, False),
    ({"tags": {"$all": [["red", "green", "blue"]]}}, True),
    ({"name": {"$all": ["Joe Smith"]}}, True),
    ({"nums": {"$all": [1, 9.0]}}, True),
    ({"tags": {"$all": [{"$regex": "^r"}, {"$regex": "^g"}]}}, True),
    ({"items": {"$all": [{"$elemMatch": {"sku": "a"}}, {"$elemMatch": {"qty": 3}}]}}, True),
    ({"items": {"$all": [{"$elemMatch": {"sku": "a", "qty": 3}}]}}, False),
    ({"items.sku": {"$all": ["a", "b"]}}, True),
    # -- $type / $mod (spec section 4.4 recommends them) ----------------------------
    ({"age": {"$type": "number"}}, True),
    ({"score": {"$type": "double"}}, True),
    ({"age": {"$type": "string"}}, False),
    ({"name": {"$type": 2}}, True),
    ({"nil": {"$type": "null"}}, True),
    ({"nope": {"$type": "null"}}, False),
    ({"tags": {"$type": "array"}}, True),
    ({"tags": {"$type": "string"}}, True),  # an element is a string
    ({"addr": {"$type": "object"}}, True),
    ({"active": {"$type": "bool"}}, True),
    ({"active": {"$type": ["string", "bool"]}}, True),
    ({"age": {"$mod": [5, 2]}}, True),
    ({"age": {"$mod": [5, 3]}}, False),
    ({"neg": {"$mod": [2, -1]}}, True),   # truncated remainder, like MongoDB and JS
    ({"score": {"$mod": [7, 0]}}, True),  # 7.5 truncates to 7
    ({"nums": {"$mod": [4, 1]}}, True),
    ({"name": {"$mod": [2, 0]}}, False),
    # -- Codehooks extensions: $startsWith, $endsWith, $date -------------------------
    ({"name": {"$startsWith": "Joe"}}, True),
    ({"name": {"$startsWith": "Smith"}}, False),
    ({"name": {"$endsWith": "Smith"}}, True),
    ({"tags": {"$endsWith": "ue"}}, True),
    ({"age": {"$startsWith": "4"}}, False),
    ({"created": {"$gt": {"$date": "2016-08-01"}, "$lt": {"$date": "2016-08-05"}}}, True),
    ({"created": {"$gt": {"$date": "2016-08-04"}}}, False),
    ({"created": {"$date": "2016-08-03T12:00:00+02:00"}}, True),
    ({"created": {"$eq": {"$date": 1470218400000}}}, True),
]


@pytest.mark.parametrize("query,expected", CASES, ids=[repr(q) for q, _ in CASES])
def test_matches(query: dict, expected: bool) -> None:
    assert matches(DOC, query) is expected
    assert compile_query(query)(DOC) is expected


@pytest.mark.parametrize("doc,query,expected", [
    # null versus missing inside arrays of objects
    ({"a": [None, 1]}, {"a": None}, True),
    ({"a": [1, 2]}, {"a": None}, False),
    ({"a": []}, {"a": None}, False),
    ({"a": []}, {"a.b": None}, True),
    ({"a": [1, 2]}, {"a.b": None}, True),
    ({"a": [{"b": 1}, 2]}, {"a.b": None}, False),
    ({"a": [{"b": 1}, {"c": 1}]}, {"a.b": None}, True),
    ({"a": [{"b": 1}, {"b": None}]}, {"a.b": None}, True),
    ({"a": [{"b": 1}, {"b": 2}]}, {"a.b": None}, False),
    ({"a": [{"b": 1}, {"b": 2}]}, {"a.b": {"$ne": None}}, True),
    ({"a": {"b": None}}, {"a.b": None}, True),
    ({"a": {"b": None}}, {"a.b": {"$exists": True}}, True),
    ({"a": None}, {"a.b": None}, True),
    ({"a": None}, {"a.b": {"$exists": False}}, True),
    # fan-out over arrays of objects, and arrays of arrays are not entered
    ({"a": [{"b": 1}, {"b": 2}]}, {"a.b": 2}, True),
    ({"a": [{"b": [1, 2]}, {"b": [3]}]}, {"a.b": [3]}, True),
    ({"a": [{"b": [1, 2]}, {"b": [3]}]}, {"a.b": 2}, True),
    ({"a": [[{"b": 1}]]}, {"a.b": 1}, False),
    ({"a": [[{"b": 1}]]}, {"a.0.b": 1}, True),
    ({"a": [{"b": [{"c": 5}]}]}, {"a.b.c": 5}, True),
    ({"a": {"0": "x"}}, {"a.0": "x"}, True),           # numeric segment on an object is a key
    ({"a": [{"0": "x"}]}, {"a.0": "x"}, False),        # ...and on an array an index
    ({"a": [{"0": "x"}]}, {"a.0.0": "x"}, True),
    # number / boolean never equal, also nested
    ({"a": [1, True]}, {"a": [1, 1]}, False),
    ({"a": {"x": True}}, {"a": {"x": 1}}, False),
    ({"a": [0]}, {"a": [False]}, False),
    ({"a": [1.0, {"x": [2]}]}, {"a": [1, {"x": [2.0]}]}, True),
    # strings and odd field names
    ({"a": ""}, {"a": {"$ne": ""}}, False),
    ({"a": "x"}, {"a": {"$ne": ""}}, True),
    ({"a/b": 1}, {"a/b": 1}, True),
    ({"": 1}, {"": 1}, True),
    ({"a b": {"c-d": 2}}, {"a b.c-d": 2}, True),
    # $elemMatch value form vs document form
    ({"a": [{"$x": 1}]}, {"a": {"$elemMatch": {"b": {"$exists": False}}}}, True),
    ({"a": [1, 2, 3]}, {"a": {"$elemMatch": {"$ne": 1}}}, True),
    ({"a": [1, 1]}, {"a": {"$elemMatch": {"$ne": 1}}}, False),
    ({"a": [1, 1]}, {"a": {"$ne": 1}}, False),
    ({"a": [[None]]}, {"a": {"$elemMatch": {"$eq": None}}}, False),
    ({"a": [[None]]}, {"a": {"$elemMatch": {"$in": [None]}}}, False),
    ({"a": [None]}, {"a": {"$elemMatch": {"$eq": None}}}, True),
    ({"a": [[1]]}, {"a": {"$elemMatch": {"$eq": 1}}}, False),
    ({"a": [[1]]}, {"a": {"$elemMatch": {"$eq": [1]}}}, True),
    # comparison of whole objects and arrays
    ({"a": {"x": 2}}, {"a": {"$gt": {"x": 1}}}, True),
    ({"a": {"x": 1}}, {"a": {"$gte": {"x": 1}}}, True),
    ({"a": [1, 2]}, {"a": {"$gte": [1, 2]}}, True),
    ({"a": [1, 2]}, {"a": {"$gt": [1, 2]}}, False),
    ({"a": [1, 3]}, {"a": {"$gt": [1, 2]}}, True),
    # booleans compare with booleans only
    ({"a": True}, {"a": {"$gte": True}}, True),
    ({"a": 1}, {"a": {"$gte": True}}, False),
])
def test_matches_more(doc: dict, query: dict, expected: bool) -> None:
    assert matches(doc, query) is expected


ERRORS: list[tuple[object, list[str]]] = [
    ({"a": {"$foo": 1}}, ["$foo", "'a'"]),
    ({"a.b": {"$gt": 0, "$bogus": 1}}, ["$bogus", "'a.b'"]),
    ({"x": {"$eqq": 1}}, ["$eqq", "'x'"]),
    ({"$or": [{"z": {"$regexp": "a"}}]}, ["$regexp", "'z'"]),
    ({"y": {"$not": {"$nope": 1}}}, ["$nope", "'y'"]),
    ({"$where": "this.a == 1"}, ["$where"]),
    ({"$foo": [{"a": 1}]}, ["$foo"]),
    ({"$not": {"a": 1}}, ["$not"]),
    ({"$expr": {}}, ["$expr"]),
    # unknown operators are found even when an earlier condition fails
    ({"a": {"$eq": 2, "$foo": 1}}, ["$foo", "'a'"]),
    ({"a": 2, "b": {"$foo": 1}}, ["$foo", "'b'"]),
    ({"$or": [{"a": 1}, {"b": {"$foo": 1}}]}, ["$foo", "'b'"]),
    # malformed operands
    ({"a": {"$in": 1}}, ["$in", "'a'", "array"]),
    ({"a.b": {"$nin": "x"}}, ["$nin", "'a.b'", "array"]),
    ({"a": {"$in": [{"$gt": 1}]}}, ["$in", "$gt", "'a'"]),
    ({"a": {"$all": "x"}}, ["$all", "'a'", "array"]),
    ({"a": {"$all": [{"$gt": 1}]}}, ["$all", "$gt"]),
    ({"a": {"$size": 1.5}}, ["$size", "'a'"]),
    ({"a": {"$size": "1"}}, ["$size", "'a'"]),
    ({"a": {"$size": -1}}, ["$size", "'a'"]),
    ({"a": {"$size": True}}, ["$size", "'a'"]),
    ({"n.m.k": {"$exists": True, "$size": None}}, ["$size", "'n.m.k'"]),
    ({"a": {"$elemMatch": 1}}, ["$elemMatch", "'a'", "object"]),
    ({"a": {"$elemMatch": {"$gt": 1, "b": 2}}}, ["$gt", "'a'"]),
    ({"a": {"$elemMatch": {"b": {"$zap": 1}}}}, ["$zap", "'a.b'"]),
    ({"a": {"$regex": "("}}, ["$regex", "'a'"]),
    ({"a": {"$regex": 5}}, ["$regex", "'a'"]),
    ({"a": {"$regex": "x", "$options": "q"}}, ["$options", "'a'", "q"]),
    ({"a": {"$regex": "x", "$options": 1}}, ["$options", "'a'"]),
    ({"a": {"$options": "i"}}, ["$options", "'a'", "$regex"]),
    ({"a": {"$startsWith": 1}}, ["$startsWith", "'a'"]),
    ({"a": {"$type": "widget"}}, ["$type", "'a'"]),
    ({"a": {"$mod": [0, 1]}}, ["$mod", "'a'"]),
    ({"a": {"$mod": [2]}}, ["$mod", "'a'"]),
    ({"a": {"$gt": {"$date": "not a date"}}}, ["$date", "'a'"]),
    ({"a": {"$date": []}}, ["$date", "'a'"]),
    # logical operators
    ({"$and": []}, ["$and", "non-empty array"]),
    ({"$or": {"a": 1}}, ["$or", "non-empty array"]),
    ({"$nor": None}, ["$nor", "non-empty array"]),
    ({"$and": [1]}, ["$and", "element 0"]),
    ({"$or": [{"a": 1}, "x"]}, ["$or", "element 1"]),
    # operators mixed with plain fields at one level
    ({"a": {"$gt": 1, "b": 2}}, ["$gt", "'b'", "'a'"]),
    ({"a.b": {"c": 1, "$lt": 2}}, ["$lt", "'c'", "'a.b'"]),
    # not an object at all
    (["a"], ["JSON object"]),
    ("a", ["JSON object"]),
    (None, ["JSON object"]),
]


@pytest.mark.parametrize("query,fragments", ERRORS, ids=[repr(q) for q, _ in ERRORS])
def test_errors(query: object, fragments: list[str]) -> None:
    with pytest.raises(BadQuery) as ei:
        compile_query(query)
    for f in fragments:
        assert f in str(ei.value)
    with pytest.raises(BadQuery):
        matches({"a": 1, "b": 1}, query)  # type: ignore[arg-type]


def _nested(kind: str, n: int) -> dict:
    q: dict = {"a": 1}
    for _ in range(n):
        if kind == "$and":
            q = {"$and": [q]}
        elif kind == "$or":
            q = {"$or": [{"b": 2}, q]}
        elif kind == "$not":
            q = {"a": {"$not": q["a"] if isinstance(q["a"], dict) else {"$eq": q["a"]}}}
        else:
            q = {"a": {"$elemMatch": q}}
    return q


@pytest.mark.parametrize("kind", ["$and", "$or", "$not", "$elemMatch"])
def test_depth_limit(kind: str) -> None:
    compile_query(_nested(kind, 30))
    with pytest.raises(BadQuery, match="query is nested too deeply"):
        compile_query(_nested(kind, 40))


def test_deep_and_is_refused_even_for_matches() -> None:
    with pytest.raises(BadQuery, match="nested too deeply"):
        matches({"a": 1}, _nested("$and", 100))


def test_compile_query_validates_once_and_is_reusable() -> None:
    f = compile_query({"age": {"$gte": 18}, "tags": {"$in": ["a", "b"]}})
    docs = [{"age": 20, "tags": ["a"]}, {"age": 10, "tags": "a"}, {"age": 30}, {"age": 18, "tags": "b"}]
    assert [f(d) for d in docs] == [True, False, False, True]
    assert [f(d) for d in docs] == [True, False, False, True]


def test_matches_sees_a_mutated_query() -> None:
    q = {"a": 1}
    assert matches({"a": 1}, q)
    q["a"] = 2
    assert not matches({"a": 1}, q)


def test_compile_does_not_keep_or_mutate_the_query() -> None:
    q = {"a": {"$in": [1, {"$regex": "x"}]}, "$or": [{"b": {"$date": "2020-01-01"}}]}
    before = copy.deepcopy(q)
    f = compile_query(q)
    assert q == before
    q["a"]["$in"].append(5)
    assert not f({"a": 5})


def test_matching_does_not_mutate_the_document() -> None:
    doc = copy.deepcopy(DOC)
    for q, _ in CASES:
        matches(doc, q)
    assert doc == DOC


# -- get_path -----------------------------------------------------------------------

@pytest.mark.parametrize("path,expected", [
    ("addr.city", "Oslo"), ("tags.0", "red"), ("tags.5", MISSING), ("items.sku", ["a", "b"]),
    ("items.nothing", MISSING), ("age.x", MISSING), ("nil", None), ("nope", MISSING),
    ("matrix.0.1", 2), ("items.tags", [["x"], ["y", "z"]]), ("deep.a.b.c", [1, 2, 3]),
    ("items.1.qty", 3), ("empty.0", MISSING),
])
def test_get_path(path: str, expected: object) -> None:
    got = get_path(DOC, path)
    if expected is MISSING:
        assert got is MISSING
    else:
        assert got == expected


# -- equality and ordering of values --------------------------------------------------

@pytest.mark.parametrize("a,b,equal", [
    (1, 1.0, True), (1, True, False), (0, False, False), ("1", 1, False), (None, None, True),
    ([1, [2]], [1.0, [2.0]], True), ([1, 2], [2, 1], False), ({"a": 1, "b": 2}, {"b": 2, "a": 1}, True),
    ({"a": 1}, {"a": 1, "b": None}, False), ({}, [], False), ([], [], True),
])
def test_json_equal(a: object, b: object, equal: bool) -> None:
    assert json_equal(a, b) is equal
    assert json_equal(b, a) is equal
    assert (compare(a, b) == 0) is equal


@pytest.mark.parametrize("a,b,sign", [
    (1, 2, -1), (2, 1.5, 1), (1, 1.0, 0), ("a", "b", -1), ("B", "a", -1), (None, 0, -1),
    (MISSING, None, 0), (0, "0", -1), ("z", {}, -1), ({}, [], -1), ([], False, -1),
    (False, True, -1), ([1], [1, 0], -1), ([2], [1, 9], 1), (1, True, -1), (10**20, 1e19, 1),
    ({"a": 1}, {"a": 2}, -1), ({"a": 9}, {"b": 0}, -1), ({"a": 1}, {"a": 1, "b": 0}, -1),
    ({"b": 1, "a": 2}, {"a": 2, "b": 1}, 0), (float("nan"), -1e308, -1), ("é", "z", 1),
])
def test_compare(a: object, b: object, sign: int) -> None:
    assert compare(a, b) == sign
    assert compare(b, a) == -sign


# -- sorting ------------------------------------------------------------------------

def _sort(values: list, spec: dict | None = None, missing: bool = False) -> list:
    docs = [{"_id": str(i), "v": v} for i, v in enumerate(values)]
    if missing:
        docs.append({"_id": "m"})
    out = sorted(docs, key=sort_key_fn(spec or {"v": 1}))
    return [d.get("v", "MISSING") for d in out]


def test_sort_bson_type_order() -> None:
    vals = [True, [9], {"k": 1}, "b", 3, None, -1.5, False, "", {}, 10**12]
    assert _sort(vals) == [None, -1.5, 3, [9], 10**12, "", "b", {}, {"k": 1}, False, True]


def test_sort_arrays_use_min_ascending_and_max_descending() -> None:
    vals = [[1, 10], [5], [0, 6], 3, [], ["a", 2]]
    assert _sort(vals, {"v": 1}, missing=True) == [[], "MISSING", [0, 6], [1, 10], ["a", 2], 3, [5]]
    assert _sort(vals, {"v": -1}, missing=True) == [["a", 2], [1, 10], [0, 6], [5], 3, "MISSING", []]


def test_sort_missing_and_null_tie_and_keep_input_order() -> None:
    docs = [{"_id": "1", "v": None}, {"_id": "2"}, {"_id": "3", "v": 0}, {"_id": "4", "w": 1}]
    assert [d["_id"] for d in sorted(docs, key=sort_key_fn({"v": 1}))] == ["1", "2", "4", "3"]
    assert [d["_id"] for d in sorted(docs, key=sort_key_fn({"v": -1}))] == ["3", "1", "2", "4"]


def test_sort_fan_out_path_uses_min_or_max_of_all_values() -> None:
    docs = [{"_id": "a", "x": [{"n": 5}, {"n": 1}]}, {"_id": "b", "x": [{"n": 3}]},
            {"_id": "c", "x": [{"n": 4}, {"m": 0}]}]
    assert [d["_id"] for d in sorted(docs, key=sort_key_fn({"x.n": 1}))] == ["c", "a", "b"]
    assert [d["_id"] for d in sorted(docs, key=sort_key_fn({"x.n": -1}))] == ["a", "c", "b"]


def test_sort_is_deterministic_for_any_input_order() -> None:
    vals = [None, "b", 3, -1.5, True, False, "a", [1], [0.5, 5], {"k": 1}, {"k": 0}, {"j": 9}, 0, "",
            10**12, [], "B", [[1]], 2.5]
    expected = _sort(vals)
    rng = random.Random(7)
    for _ in range(30):
        shuffled = vals[:]
        rng.shuffle(shuffled)
        assert _sort(shuffled) == expected
    assert _sort(vals, {"v": -1}) != expected


def test_sort_multiple_keys() -> None:
    docs = [{"a": 1, "b": 2}, {"a": 0, "b": 9}, {"a": 1, "b": 1}, {"b": 5}, {"a": 0, "b": 3}]
    for perm in itertools.permutations(docs):
        out = sorted(perm, key=sort_key_fn({"a": 1, "b": -1}))
        assert out == [{"b": 5}, {"a": 0, "b": 9}, {"a": 0, "b": 3}, {"a": 1, "b": 2},
                       {"a": 1, "b": 1}]


def test_sort_dotted_path() -> None:
    docs = [{"p": {"n": 3}}, {"p": {"n": 1}}, {"p": {}}, {"p": {"n": 2}}, {"p": 7}]
    out = sorted(docs, key=sort_key_fn({"p.n": 1}))
    assert [d["p"].get("n") if isinstance(d["p"], dict) else d["p"] for d in out] == [None, 7, 1, 2, 3]


@pytest.mark.parametrize("direction,first", [(1, 1), (-1, 3), ("asc", 1), ("desc", 3), ("-1", 3),
                                             (1.0, 1), ("DESC", 3)])
def test_sort_direction_spellings(direction: object, first: int) -> None:
    docs = [{"v": 2}, {"v": 3}, {"v": 1}]
    assert sorted(docs, key=sort_key_fn({"v": direction}))[0]["v"] == first


@pytest.mark.parametrize("spec", [{"v": 0}, {"v": 2}, {"v": "up"}, {"v": True}, {"v": None}, "v", ["v"]])
def test_sort_bad_spec(spec: object) -> None:
    with pytest.raises(BadQuery):
        sort_key_fn(spec)


def test_sort_empty_spec_keeps_order() -> None:
    docs = [{"v": 2}, {"v": 1}]
    assert sorted(docs, key=sort_key_fn({})) == docs


# -- element matcher (used by the update operator $pull) -------------------------------

@pytest.mark.parametrize("spec,element,expected", [
    (3, 3, True), (3, 3.0, True), (3, True, False), ("a", "a", True), (None, None, True),
    ({"$gte": 6}, 7, True), ({"$gte": 6}, 5, False), ({"$in": ["a", "b"]}, "b", True),
    ({"x": 1}, {"x": 1, "y": 2}, True), ({"x": 1}, {"x": 2}, False), ({"x": 1}, 1, False),
    ({"x": {"$gt": 1}}, {"x": 2}, True), ([1, 2], [1, 2], True), ([1, 2], 1, False),
    ({"$regex": "^a"}, "abc", True), ({}, {"any": 1}, True), ({}, 5, False),
])
def test_element_matcher(spec: object, element: object, expected: bool) -> None:
    assert element_matcher(spec)(element) is expected


def test_catastrophic_regex_is_stopped_not_run_forever() -> None:
    """A tenant pattern that backtracks exponentially fails fast with a 400-class error."""
    from storage import query as q
    with pytest.raises(q.BadQuery, match="took longer than"):
        q.matches({"s": "a" * 60 + "b"}, {"s": {"$regex": "(a|aa)+$"}})
