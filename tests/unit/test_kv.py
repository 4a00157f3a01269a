"""Unit tests for storage/kv.py against a real RocksDB (rocksdict) in tmp_path.

Operations go through `KV.ops[name](space, args)` with arguments that have made a
JSON round trip, as they do when the engine dispatches them. Time is a fake clock
passed to KV: no sleeps.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from typing import Any

import pytest
from rocksdict import Options, Rdict

from storage.kv import KV, KVError

SA = "aaaaaaaaaaaa"
SB = "bbbbbbbbbbbb"
T0 = 1_700_000_000.0  # seconds


class Clock:
    """Seconds like time.time, kept as integer milliseconds so no float error accumulates."""

    def __init__(self) -> None:
        self.ms = int(T0 * 1000)

    def __call__(self) -> float:
        return self.ms / 1000

    def advance(self, ms: int) -> None:
        self.ms += ms


class SpaceLocks:
    """One real threading.Lock per space, as the engine provides."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = defaultdict(threading.Lock)

    def __call__(self, sid: str) -> threading.Lock:
        with self._guard:
            return self._locks[sid]


def open_db(path: str) -> Rdict:
    opts = Options(raw_mode=True)
    opts.create_if_missing(True)
    return Rdict(path, opts)


@pytest.fixture(scope="module")
def _shared_db(tmp_path_factory):  # type: ignore[no-untyped-def]
    db = open_db(str(tmp_path_factory.mktemp("kv") / "db"))
    yield db
    db.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def kv(_shared_db: Rdict, clock: Clock) -> KV:
    _shared_db.delete_range(b"\x00", b"\xff\xff")
    it = _shared_db.iter()
    it.seek_to_first()
    assert not it.valid()
    return KV(_shared_db, clock=clock, lock_for=SpaceLocks())


def call(kv: KV, op: str, args: dict[str, Any] | None = None, space: str = SA) -> Any:
    args = json.loads(json.dumps(args or {}))
    result = kv.ops[op](space, args)
    return json.loads(json.dumps(result, allow_nan=False))  # must be JSON


def raw_keys(kv: KV, kind: bytes = b"") -> list[bytes]:
    it = kv.db.iter()
    it.seek(kind)
    out = []
    while it.valid() and it.key().startswith(kind):
        out.append(it.key())
        it.next()
    return out


# -- the op table ----------------------------------------------------------------------------
def test_ops_are_exactly_the_kv_api(kv: KV) -> None:
    assert set(kv.ops) == {"kv.set", "kv.get", "kv.getAll", "kv.incr", "kv.decr", "kv.del",
                           "kv.delAll", "kv.setObj", "kv.getObj", "kv.count"}


SCENARIOS: dict[str, list[tuple[str, dict[str, Any], Any]]] = {
    "set returns the string and get reads it": [
        ("kv.set", {"key": "uno", "value": "one value"}, "one value"),
        ("kv.get", {"key": "uno"}, "one value"),
    ],
    "get of a missing key is null": [
        ("kv.get", {"key": "nope"}, None),
    ],
    "set overwrites": [
        ("kv.set", {"key": "k", "value": "a"}, "a"),
        ("kv.set", {"key": "k", "value": "b"}, "b"),
        ("kv.get", {"key": "k"}, "b"),
    ],
    "a number set comes back as a string": [
        ("kv.set", {"key": "n", "value": 42}, "42"),
        ("kv.get", {"key": "n"}, "42"),
        ("kv.getObj", {"key": "n"}, 42),
    ],
    "an object given to set is stored as its JSON": [
        ("kv.set", {"key": "o", "value": {"a": 1, "b": [True, None]}}, '{"a":1,"b":[true,null]}'),
        ("kv.get", {"key": "o"}, '{"a":1,"b":[true,null]}'),
        ("kv.getObj", {"key": "o"}, {"a": 1, "b": [True, None]}),
    ],
    "setObj/getObj round trip; get gives the JSON text": [
        ("kv.setObj", {"key": "o", "value": {"x": {"y": [1, 2.5, "z"]}}}, {"x": {"y": [1, 2.5, "z"]}}),
        ("kv.getObj", {"key": "o"}, {"x": {"y": [1, 2.5, "z"]}}),
        ("kv.get", {"key": "o"}, '{"x":{"y":[1,2.5,"z"]}}'),
        ("kv.setObj", {"key": "arr", "value": [1, {"a": "ü"}]}, [1, {"a": "ü"}]),
        ("kv.getObj", {"key": "arr"}, [1, {"a": "ü"}]),
    ],
    "getObj of a missing key is null": [
        ("kv.getObj", {"key": "none"}, None),
    ],
    "incr creates with the step and returns the new number": [
        ("kv.incr", {"key": "c"}, 1),
        ("kv.incr", {"key": "c"}, 2),
        ("kv.incr", {"key": "c", "n": 10}, 12),
        ("kv.get", {"key": "c"}, "12"),
    ],
    "incr then decr gives 1 then 0": [
        ("kv.incr", {"key": "c", "n": 1}, 1),
        ("kv.decr", {"key": "c", "n": 1}, 0),
    ],
    "decr of a missing key starts at zero": [
        ("kv.decr", {"key": "d", "n": 3}, -3),
    ],
    "decr from a numeric string (stock 100 - 3)": [
        ("kv.set", {"key": "stock", "value": "100"}, "100"),
        ("kv.decr", {"key": "stock", "n": 3}, 97),
        ("kv.get", {"key": "stock"}, "97"),
    ],
    "incr parses numeric strings with spaces, fractions and exponents": [
        ("kv.set", {"key": "f", "value": " 1.5 "}, " 1.5 "),
        ("kv.incr", {"key": "f", "n": 1.5}, 3),
        ("kv.set", {"key": "e", "value": "1e3"}, "1e3"),
        ("kv.incr", {"key": "e"}, 1001),
        ("kv.incr", {"key": "g", "n": 0.25}, 0.25),
        ("kv.get", {"key": "g"}, "0.25"),
    ],
    "incr by zero and by a negative step": [
        ("kv.incr", {"key": "z", "n": 0}, 0),
        ("kv.incr", {"key": "z", "n": -5}, -5),
        ("kv.decr", {"key": "z", "n": -5}, 0),
    ],
    "incr with n null means 1": [
        ("kv.incr", {"key": "c", "n": None}, 1),
    ],
    "del returns the key, then null": [
        ("kv.set", {"key": "uno", "value": "1"}, "1"),
        ("kv.del", {"key": "uno"}, {"key": "uno"}),
        ("kv.get", {"key": "uno"}, None),
        ("kv.del", {"key": "uno"}, None),
    ],
    "getAll is a prefix match in key order": [
        ("kv.set", {"key": "my-b", "value": "2"}, "2"),
        ("kv.set", {"key": "my-a", "value": "1"}, "1"),
        ("kv.set", {"key": "my", "value": "0"}, "0"),
        ("kv.set", {"key": "mz", "value": "x"}, "x"),
        ("kv.set", {"key": "other", "value": "y"}, "y"),
        ("kv.getAll", {"prefix": "my-"}, [{"key": "my-a", "val": "1"}, {"key": "my-b", "val": "2"}]),
        ("kv.getAll", {"prefix": "my"},
         [{"key": "my", "val": "0"}, {"key": "my-a", "val": "1"}, {"key": "my-b", "val": "2"}]),
        ("kv.getAll", {"prefix": "my-", "reverse": True},
         [{"key": "my-b", "val": "2"}, {"key": "my-a", "val": "1"}]),
        ("kv.getAll", {"prefix": "nothing"}, []),
        ("kv.count", {"prefix": "my"}, {"count": 3}),
        ("kv.count", {}, {"count": 5}),
    ],
    "getAll with an empty or absent prefix lists everything": [
        ("kv.set", {"key": "b", "value": "2"}, "2"),
        ("kv.setObj", {"key": "a", "value": {"o": 1}}, {"o": 1}),
        ("kv.incr", {"key": "c"}, 1),
        ("kv.getAll", {}, [{"key": "a", "val": '{"o":1}'}, {"key": "b", "val": "2"},
                           {"key": "c", "val": "1"}]),
        ("kv.getAll", {"prefix": ""}, [{"key": "a", "val": '{"o":1}'}, {"key": "b", "val": "2"},
                                       {"key": "c", "val": "1"}]),
        ("kv.getAll", {"reverse": True, "limit": 2}, [{"key": "c", "val": "1"}, {"key": "b", "val": "2"}]),
    ],
    "delAll deletes the prefix only and counts": [
        ("kv.set", {"key": "s:1", "value": "a"}, "a"),
        ("kv.set", {"key": "s:2", "value": "b"}, "b"),
        ("kv.set", {"key": "s", "value": "c"}, "c"),
        ("kv.set", {"key": "t:1", "value": "d"}, "d"),
        ("kv.delAll", {"prefix": "s:"}, {"count": 2}),
        ("kv.getAll", {}, [{"key": "s", "val": "c"}, {"key": "t:1", "val": "d"}]),
        ("kv.delAll", {"prefix": "s:"}, {"count": 0}),
        ("kv.delAll", {}, {"count": 2}),
        ("kv.count", {}, {"count": 0}),
    ],
    "keyspaces hold independent values": [
        ("kv.set", {"key": "k", "value": "default"}, "default"),
        ("kv.set", {"key": "k", "value": "one", "keyspace": "ks1"}, "one"),
        ("kv.set", {"key": "k", "value": "two", "options": {"keyspace": "ks2"}}, "two"),
        ("kv.get", {"key": "k"}, "default"),
        ("kv.get", {"key": "k", "keyspace": ""}, "default"),
        ("kv.get", {"key": "k", "keyspace": "ks1"}, "one"),
        ("kv.get", {"key": "k", "options": {"keyspace": "ks2"}}, "two"),
        ("kv.get", {"key": "k", "keyspace": "ks3"}, None),
        ("kv.getAll", {"keyspace": "ks1"}, [{"key": "k", "val": "one"}]),
        ("kv.incr", {"key": "n", "keyspace": "ks1"}, 1),
        ("kv.get", {"key": "n"}, None),
        ("kv.delAll", {"keyspace": "ks1"}, {"count": 2}),
        ("kv.get", {"key": "k", "keyspace": "ks2"}, "two"),
        ("kv.get", {"key": "k"}, "default"),
    ],
    "flat options win over options{}": [
        ("kv.set", {"key": "k", "value": "v", "keyspace": "flat", "options": {"keyspace": "nested"}}, "v"),
        ("kv.get", {"key": "k", "keyspace": "flat"}, "v"),
        ("kv.get", {"key": "k", "keyspace": "nested"}, None),
    ],
}


@pytest.mark.parametrize("steps", list(SCENARIOS.values()), ids=list(SCENARIOS))
def test_scenarios(kv: KV, steps: list[tuple[str, dict[str, Any], Any]]) -> None:
    for i, (op, args, expected) in enumerate(steps):
        assert call(kv, op, args) == expected, f"step {i}: {op} {args}"


@pytest.mark.parametrize(("value", "stored"), [
    ("plain", "plain"),
    ("", ""),
    (42, "42"),
    (-7, "-7"),
    (1.0, "1"),
    (1.5, "1.5"),
    (0.1, "0.1"),
    (1e21, "1e+21"),
    (1e20, "100000000000000000000"),
    (1e-7, "1e-7"),
    (0.00001, "0.00001"),
    (True, "true"),
    (False, "false"),
    ({"a": 1.0, "b": "ø"}, '{"a":1,"b":"ø"}'),
    ([1, "two", None], '[1,"two",null]'),
    ("emoji 🚀 and NUL \x00 inside a value", "emoji 🚀 and NUL \x00 inside a value"),
    ("lone surrogate \ud800", "lone surrogate \ud800"),
])
def test_set_stores_the_string_form(kv: KV, value: Any, stored: str) -> None:
    assert kv.ops["kv.set"](SA, {"key": "k", "value": value}) == stored
    assert kv.ops["kv.get"](SA, {"key": "k"}) == stored


ERRORS: list[tuple[str, dict[str, Any], str]] = [
    ("kv.get", {}, "key must be a string, not null"),
    ("kv.get", {"key": 5}, "key must be a string, not number"),
    ("kv.get", {"key": ["a"]}, "key must be a string, not array"),
    ("kv.get", {"key": ""}, "key must be a non-empty string"),
    ("kv.get", {"key": "a\x00b"}, "key must not contain NUL"),
    ("kv.get", {"key": "x" * 257}, "key is longer than 256 bytes"),
    ("kv.set", {"key": "\x00", "value": "v"}, "key must not contain NUL"),
    ("kv.get", {"key": "k", "keyspace": "a\x00b"}, "keyspace must not contain NUL"),
    ("kv.get", {"key": "k", "keyspace": 3}, "keyspace must be a string, not number"),
    ("kv.get", {"key": "k", "keyspace": "é" * 200}, "keyspace is longer than 256 bytes"),
    ("kv.get", {"key": "k", "options": "ks"}, "options must be an object, not string"),
    ("kv.set", {"key": "k"}, "set needs a value"),
    ("kv.set", {"key": "k", "value": None}, "set needs a value"),
    ("kv.set", {"key": "k", "value": "v", "ttl": -1}, "ttl must be a non-negative finite number"),
    ("kv.set", {"key": "k", "value": "v", "ttl": "10"}, "ttl must be a number of milliseconds, not string"),
    ("kv.set", {"key": "k", "value": "v", "ttl": True}, "ttl must be a number of milliseconds, not boolean"),
    ("kv.set", {"key": "k", "value": "v", "ttl": 1e300}, "ttl must be at most"),
    ("kv.setObj", {"key": "k", "value": "str"}, "setObj value must be an object or array, not string"),
    ("kv.setObj", {"key": "k", "value": 3}, "setObj value must be an object or array, not number"),
    ("kv.setObj", {"key": "k"}, "setObj value must be an object or array, not null"),
    ("kv.incr", {"key": "k", "n": "1"}, "the step n must be a number, not string"),
    ("kv.incr", {"key": "k", "n": True}, "the step n must be a number, not boolean"),
    ("kv.incr", {"key": "k", "n": 2**60}, "the step n must be a finite number"),
    ("kv.incr", {"key": "k", "n": -(10**400)}, "the step n must be a finite number"),
    ("kv.set", {"key": "k", "value": "v", "ttl": 10**400}, "ttl must be at most"),
    ("kv.decr", {"key": "k", "n": {}}, "the step n must be a number, not object"),
    ("kv.incr", {"key": "k", "ttl": -5}, "ttl must be a non-negative"),
    ("kv.getAll", {"prefix": 1}, "key prefix must be a string, not number"),
    ("kv.getAll", {"prefix": "a\x00"}, "key prefix must not contain NUL"),
    ("kv.delAll", {"prefix": "a\x00"}, "key prefix must not contain NUL"),
    ("kv.count", {"prefix": []}, "key prefix must be a string, not array"),
    ("kv.getAll", {"reverse": "yes"}, "reverse must be a boolean, not string"),
    ("kv.getAll", {"page": 1}, "page must be a boolean, not number"),
    ("kv.getAll", {"limit": 0}, "limit must be an integer from 1 to 10000"),
    ("kv.getAll", {"limit": 10_001}, "limit must be an integer from 1 to 10000"),
    ("kv.getAll", {"limit": 2.5}, "limit must be an integer"),
    ("kv.getAll", {"cursor": 7}, "cursor must be a string, not number"),
    ("kv.getAll", {"cursor": "zz"}, "invalid cursor"),
    ("kv.getAll", {"cursor": "610062"}, "invalid cursor"),  # "a\0b"
]


@pytest.mark.parametrize(("op", "args", "message"), ERRORS, ids=[f"{o}-{m}" for o, _, m in ERRORS])
def test_errors(kv: KV, op: str, args: dict[str, Any], message: str) -> None:
    with pytest.raises(KVError) as ei:
        kv.ops[op](SA, args)
    assert message in str(ei.value)
    assert isinstance(ei.value, ValueError)
    assert raw_keys(kv) == []  # a rejected call writes nothing


def test_non_finite_numbers_are_rejected(kv: KV) -> None:
    for bad in (float("nan"), float("inf")):
        with pytest.raises(KVError, match="ttl must be a non-negative finite number"):
            kv.ops["kv.set"](SA, {"key": "k", "value": "v", "ttl": bad})
        with pytest.raises(KVError, match="the step n must be a finite number"):
            kv.ops["kv.incr"](SA, {"key": "k", "n": bad})
    assert raw_keys(kv) == []


@pytest.mark.parametrize("space", ["", "short", "AAAAAAAAAAAA", "aaaaaaaaaaa/", "aaaaaaaaaaaaa", 5])
def test_bad_space_id(kv: KV, space: Any) -> None:
    with pytest.raises(KVError, match="invalid space id"):
        kv.ops["kv.get"](space, {"key": "k"})
    with pytest.raises(KVError, match="invalid space id"):
        kv.drop_space(space)


@pytest.mark.parametrize("op", ["kv.get", "kv.set", "kv.getAll"])
def test_args_must_be_an_object(kv: KV, op: str) -> None:
    with pytest.raises(KVError, match="arguments must be a JSON object"):
        kv.ops[op](SA, ["key"])  # type: ignore[arg-type]


@pytest.mark.parametrize("stored", ["abc", "", "1,5", "0x10", "1e400", "NaN", "Infinity", "true"])
def test_incr_on_a_non_numeric_string(kv: KV, stored: str) -> None:
    call(kv, "kv.set", {"key": "k", "value": stored})
    with pytest.raises(KVError, match="the value of key 'k' is not a number"):
        call(kv, "kv.incr", {"key": "k"})
    assert call(kv, "kv.get", {"key": "k"}) == stored  # unchanged


def test_incr_on_an_object(kv: KV) -> None:
    call(kv, "kv.setObj", {"key": "o", "value": {"n": 1}})
    with pytest.raises(KVError, match="the value of key 'o' is not a number"):
        call(kv, "kv.decr", {"key": "o"})


def test_incr_beyond_the_safe_integer_range(kv: KV) -> None:
    call(kv, "kv.set", {"key": "k", "value": str(2**53 - 2)})
    assert call(kv, "kv.incr", {"key": "k"}) == 2**53 - 1
    with pytest.raises(KVError, match="safe integer range"):
        call(kv, "kv.incr", {"key": "k"})
    assert call(kv, "kv.get", {"key": "k"}) == str(2**53 - 1)


@pytest.mark.parametrize("stored", ["hello", "{bad", "NaN"])
def test_get_obj_of_a_non_json_string(kv: KV, stored: str) -> None:
    call(kv, "kv.set", {"key": "s", "value": stored})
    with pytest.raises(KVError, match="the value of key 's' is not JSON"):
        call(kv, "kv.getObj", {"key": "s"})


# -- TTL -----------------------------------------------------------------------------------
def test_ttl_expires_get_getobj_getall_count(kv: KV, clock: Clock) -> None:
    call(kv, "kv.set", {"key": "s1", "value": "short", "ttl": 1000})
    call(kv, "kv.setObj", {"key": "s2", "value": {"a": 1}, "options": {"ttl": 2000}})
    call(kv, "kv.set", {"key": "s3", "value": "forever"})
    clock.advance(999)
    assert call(kv, "kv.get", {"key": "s1"}) == "short"
    assert [i["key"] for i in call(kv, "kv.getAll", {"prefix": "s"})] == ["s1", "s2", "s3"]
    clock.advance(1)  # exactly ttl ms after the write: gone
    assert call(kv, "kv.get", {"key": "s1"}) is None
    assert call(kv, "kv.getAll", {"prefix": "s"}) == [{"key": "s2", "val": '{"a":1}'},
                                                      {"key": "s3", "val": "forever"}]
    assert call(kv, "kv.count", {"prefix": "s"}) == {"count": 2}
    clock.advance(1000)
    assert call(kv, "kv.getObj", {"key": "s2"}) is None
    assert call(kv, "kv.getAll", {"prefix": "s", "reverse": True}) == [{"key": "s3", "val": "forever"}]
    assert call(kv, "kv.del", {"key": "s1"}) is None  # expired: invisible, but cleaned up
    assert call(kv, "kv.delAll", {"prefix": "s"}) == {"count": 1}  # s2 expired, s3 live
    assert raw_keys(kv) == []  # values and index entries all gone


def test_ttl_zero_means_no_expiry_and_fractions_round_up(kv: KV, clock: Clock) -> None:
    call(kv, "kv.set", {"key": "z", "value": "v", "ttl": 0})
    call(kv, "kv.set", {"key": "f", "value": "v", "ttl": 0.5})
    assert raw_keys(kv, b"x") == [b"x" + b"%016x" % (int(T0 * 1000) + 1) + raw_keys(kv, b"k")[0]]
    clock.advance(1)
    assert call(kv, "kv.get", {"key": "f"}) is None
    clock.advance(10**12)
    assert call(kv, "kv.get", {"key": "z"}) == "v"


def test_set_over_a_ttl_key_replaces_the_ttl(kv: KV, clock: Clock) -> None:
    call(kv, "kv.set", {"key": "k", "value": "a", "ttl": 1000})
    call(kv, "kv.set", {"key": "k", "value": "b"})  # no ttl: the key no longer expires
    assert raw_keys(kv, b"x") == []
    clock.advance(5000)
    assert call(kv, "kv.get", {"key": "k"}) == "b"
    call(kv, "kv.set", {"key": "k", "value": "c", "ttl": 100})
    call(kv, "kv.setObj", {"key": "k", "value": {"d": 1}, "ttl": 3000})  # new deadline
    assert len(raw_keys(kv, b"x")) == 1
    clock.advance(2999)
    assert call(kv, "kv.getObj", {"key": "k"}) == {"d": 1}
    clock.advance(1)
    assert call(kv, "kv.get", {"key": "k"}) is None


def test_incr_and_ttl(kv: KV, clock: Clock) -> None:
    assert call(kv, "kv.incr", {"key": "rate", "n": 1, "ttl": 1000}) == 1
    clock.advance(600)
    assert call(kv, "kv.incr", {"key": "rate"}) == 2  # no ttl: keeps the deadline
    clock.advance(400)
    assert call(kv, "kv.get", {"key": "rate"}) is None
    # An expired counter counts as absent: restart from the step, without a TTL.
    assert call(kv, "kv.incr", {"key": "rate", "n": 5}) == 5
    assert raw_keys(kv, b"x") == []
    clock.advance(10**9)
    assert call(kv, "kv.get", {"key": "rate"}) == "5"
    # A ttl on incr resets the deadline on every call.
    assert call(kv, "kv.incr", {"key": "rate", "ttl": 1000}) == 6
    clock.advance(900)
    assert call(kv, "kv.incr", {"key": "rate", "ttl": 1000}) == 7
    clock.advance(900)
    assert call(kv, "kv.decr", {"key": "rate"}) == 6
    assert len(raw_keys(kv, b"x")) == 1
    clock.advance(100)
    assert call(kv, "kv.get", {"key": "rate"}) is None
    # An expired non-numeric value does not block incr either.
    call(kv, "kv.set", {"key": "word", "value": "abc", "ttl": 10})
    clock.advance(10)
    assert call(kv, "kv.decr", {"key": "word", "n": 2}) == -2


# -- reclaim ---------------------------------------------------------------------------------
def test_reclaim_removes_exactly_the_due_entries(kv: KV, clock: Clock) -> None:
    for i in range(5):
        call(kv, "kv.set", {"key": f"a{i}", "value": "v", "ttl": 1000 * (i + 1)})
    call(kv, "kv.set", {"key": "b", "value": "v", "ttl": 1500, "keyspace": "ks"}, space=SB)
    call(kv, "kv.incr", {"key": "c", "ttl": 2000}, space=SB)
    call(kv, "kv.set", {"key": "keep", "value": "v"})
    assert len(raw_keys(kv, b"x")) == 7
    assert kv.reclaim_expired() == 0
    clock.advance(2000)  # a0, a1, b, c are due
    assert kv.reclaim_expired() == 4
    remaining = sorted(k.split(b"\x00")[-1].decode() for k in raw_keys(kv, b"k"))
    assert remaining == ["a2", "a3", "a4", "keep"]
    index = raw_keys(kv, b"x")
    assert sorted(k.split(b"\x00")[-1].decode() for k in index) == ["a2", "a3", "a4"]
    assert kv.reclaim_expired() == 0
    clock.advance(10_000)
    assert kv.reclaim_expired(limit=2) == 2
    assert kv.reclaim_expired(limit=2) == 1
    assert raw_keys(kv, b"x") == []
    assert [k.split(b"\x00")[-1] for k in raw_keys(kv, b"k")] == [b"keep"]
    assert call(kv, "kv.get", {"key": "keep"}) == "v"


def test_reclaim_does_not_touch_rewritten_keys(kv: KV, clock: Clock) -> None:
    call(kv, "kv.set", {"key": "k", "value": "old", "ttl": 100})
    clock.advance(100)
    # Expired, then rewritten with a new TTL before reclamation ran.
    call(kv, "kv.set", {"key": "k", "value": "new", "ttl": 100})
    call(kv, "kv.set", {"key": "j", "value": "v", "ttl": 50})
    clock.advance(50)
    assert kv.reclaim_expired() == 1  # only j
    assert call(kv, "kv.get", {"key": "k"}) == "new"
    clock.advance(50)
    assert kv.reclaim_expired() == 1
    assert raw_keys(kv) == []


def test_reclaim_skips_index_entries_without_a_matching_value(kv: KV, clock: Clock) -> None:
    call(kv, "kv.set", {"key": "k", "value": "v", "ttl": 10})
    kvkey = raw_keys(kv, b"k")[0]
    kv.db.delete(kvkey)  # e.g. the space was dropped (with its usage counter)
    kv.db.delete(b"v" + kvkey[1:13])
    kv.db.put(b"x" + b"%016x" % (int(T0 * 1000) + 5) + kvkey, b"")  # a stale entry
    clock.advance(10)
    assert kv.reclaim_expired() == 0
    assert raw_keys(kv) == []


def test_drop_space(kv: KV, clock: Clock) -> None:
    call(kv, "kv.set", {"key": "k", "value": "v", "ttl": 10})
    call(kv, "kv.set", {"key": "k", "value": "v", "keyspace": "ks"})
    call(kv, "kv.set", {"key": "k", "value": "w"}, space=SB)
    kv.drop_space(SA)
    assert call(kv, "kv.count", {}) == {"count": 0}
    assert call(kv, "kv.get", {"key": "k", "keyspace": "ks"}) is None
    assert call(kv, "kv.get", {"key": "k"}, space=SB) == "w"
    clock.advance(10)
    assert kv.reclaim_expired() == 0
    assert raw_keys(kv) == [b"k" + SB.encode() + b"\x00\x00k", b"v" + SB.encode()]  # + usage


# -- paging ----------------------------------------------------------------------------------
def drain(kv: KV, args: dict[str, Any]) -> tuple[list[str], int]:
    keys_seen: list[str] = []
    cursor = None
    for trips in range(1, 100):
        r = call(kv, "kv.getAll", {**args, "page": True, "cursor": cursor})
        assert set(r) == {"items", "cursor"}
        keys_seen += [i["key"] for i in r["items"]]
        cursor = r["cursor"]
        if cursor is None:
            return keys_seen, trips
    raise AssertionError("cursor never ended")


def test_getall_paging(kv: KV, clock: Clock) -> None:
    names = [f"p{i}" for i in range(7)]
    for n in names:
        call(kv, "kv.set", {"key": n, "value": n})
    call(kv, "kv.set", {"key": "q", "value": "outside"})
    call(kv, "kv.set", {"key": "o", "value": "outside"})
    assert drain(kv, {"prefix": "p", "limit": 3}) == (names, 3)
    assert drain(kv, {"prefix": "p", "limit": 7}) == (names, 1)
    assert drain(kv, {"prefix": "p", "limit": 2, "reverse": True}) == (names[::-1], 4)
    assert drain(kv, {"prefix": "p"}) == (names, 1)  # default page size
    r = call(kv, "kv.getAll", {"prefix": "p", "page": True, "limit": 2})
    assert r["items"] == [{"key": "p0", "val": "p0"}, {"key": "p1", "val": "p1"}]
    # Expired entries are skipped across pages.
    call(kv, "kv.set", {"key": "p3", "value": "x", "ttl": 5})
    clock.advance(5)
    assert drain(kv, {"prefix": "p", "limit": 2})[0] == [n for n in names if n != "p3"]
    # A cursor from outside the prefix cannot leave it.
    far = b"zzz".hex()
    assert call(kv, "kv.getAll", {"prefix": "p", "page": True, "cursor": far}) == {"items": [],
                                                                                  "cursor": None}
    r = call(kv, "kv.getAll", {"prefix": "p", "page": True, "cursor": far, "reverse": True, "limit": 1})
    assert r["items"] == [{"key": "p6", "val": "p6"}]
    r = call(kv, "kv.getAll", {"prefix": "p", "page": True, "cursor": b"a".hex()})
    assert [i["key"] for i in r["items"]] == [n for n in names if n != "p3"]
    r = call(kv, "kv.getAll", {"prefix": "p", "page": True, "cursor": b"a".hex(), "reverse": True})
    assert r == {"items": [], "cursor": None}
    # Without page, limit and cursor still apply to the plain list.
    assert call(kv, "kv.getAll", {"prefix": "p", "limit": 2, "cursor": b"p4".hex()}) == [
        {"key": "p5", "val": "p5"}, {"key": "p6", "val": "p6"}]


def test_getall_page_with_many_expired_keys_is_short_but_continues(kv: KV, clock: Clock) -> None:
    for i in range(1500):
        call(kv, "kv.set", {"key": f"e{i:05d}", "value": "x", "ttl": 1})
    call(kv, "kv.set", {"key": "e99999", "value": "live"})
    clock.advance(1)
    first = call(kv, "kv.getAll", {"prefix": "e", "page": True, "limit": 10})
    assert first["items"] == [] and first["cursor"] is not None
    assert drain(kv, {"prefix": "e", "limit": 10}) == (["e99999"], 2)
    assert call(kv, "kv.getAll", {"prefix": "e"}) == [{"key": "e99999", "val": "live"}]


def test_getall_orders_unicode_keys_by_utf8_bytes(kv: KV) -> None:
    names = ["b", "a", "é", "Z", "日本", "😀", "a b", "ab"]
    for n in names:
        call(kv, "kv.set", {"key": n, "value": n})
    got = [i["key"] for i in call(kv, "kv.getAll", {})]
    assert got == sorted(names, key=lambda s: s.encode())
    assert [i["key"] for i in call(kv, "kv.getAll", {"prefix": "a"})] == ["a", "a b", "ab"]


# -- isolation -------------------------------------------------------------------------------
TRICKY = ["k", "..", "../k", "k/..", "\\0", "%00", "\u2400", "\ufffd", "ü", "🚀", " ", "k\n", "\x01",
          "\x7f", "ks\x01k", "a" * 256]
KEYSPACES = ["", "ks", "..", "\\0", "_defaultkvspace", "ks\x01", "🚀", "k"]


def test_isolation_across_spaces_and_keyspaces(kv: KV) -> None:
    cells = [(s, ks, k) for s in (SA, SB) for ks in KEYSPACES for k in TRICKY]
    for s, ks, k in cells:
        call(kv, "kv.set", {"key": k, "value": json.dumps([s, ks, k]), "keyspace": ks}, space=s)
    for s, ks, k in cells:
        assert json.loads(call(kv, "kv.get", {"key": k, "keyspace": ks}, space=s)) == [s, ks, k]
    for s in (SA, SB):
        for ks in KEYSPACES:
            items = call(kv, "kv.getAll", {"keyspace": ks}, space=s)
            assert sorted(i["key"] for i in items) == sorted(TRICKY)
            assert all(json.loads(i["val"]) == [s, ks, i["key"]] for i in items)
            assert call(kv, "kv.count", {"keyspace": ks}, space=s) == {"count": len(TRICKY)}
    # Every stored key is under its own space and keyspace prefix.
    for k in raw_keys(kv):
        assert k[:1] in (b"k", b"v") and k[1:13] in (SA.encode(), SB.encode())
        assert k.count(b"\x00") == (2 if k[:1] == b"k" else 0)  # v<sid>: the usage counter
    # Prefixes that look like separators or keyspace names match only literally.
    assert [i["key"] for i in call(kv, "kv.getAll", {"prefix": "ks"})] == ["ks\x01k"]
    assert [i["key"] for i in call(kv, "kv.getAll", {"prefix": ".."})] == ["..", "../k"]
    # Deleting in one keyspace of one space leaves every other cell alone.
    assert call(kv, "kv.delAll", {"keyspace": "ks"}) == {"count": len(TRICKY)}
    assert call(kv, "kv.delAll", {"keyspace": "", "prefix": "k"}) == {"count": 4}  # k, k/.., k\n, ks\x01k
    assert call(kv, "kv.del", {"key": "..", "keyspace": "_defaultkvspace"}, space=SB) == {"key": ".."}
    for s, ks, k in cells:
        gone = ((s, ks) == (SA, "ks") or ((s, ks) == (SA, "") and k.startswith("k"))
                or (s, ks, k) == (SB, "_defaultkvspace", ".."))
        got = call(kv, "kv.get", {"key": k, "keyspace": ks}, space=s)
        assert (got is None) == gone, (s, ks, k)


def test_incr_is_isolated(kv: KV) -> None:
    call(kv, "kv.incr", {"key": "c", "n": 1})
    call(kv, "kv.incr", {"key": "c", "n": 10, "keyspace": "ks"})
    call(kv, "kv.incr", {"key": "c", "n": 100}, space=SB)
    assert call(kv, "kv.get", {"key": "c"}) == "1"
    assert call(kv, "kv.get", {"key": "c", "keyspace": "ks"}) == "10"
    assert call(kv, "kv.get", {"key": "c"}, space=SB) == "100"


# -- concurrency -----------------------------------------------------------------------------
def _hammer(kv: KV, jobs: list[tuple[str, str, dict[str, Any]]], threads: int, per_thread: int) -> None:
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            barrier.wait()
            space, op, args = jobs[t % len(jobs)]
            for _ in range(per_thread):
                kv.ops[op](space, dict(args))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    ts = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert errors == []


def test_concurrent_incr_is_atomic(kv: KV) -> None:
    _hammer(kv, [(SA, "kv.incr", {"key": "hits"})], threads=8, per_thread=500)
    assert call(kv, "kv.get", {"key": "hits"}) == "4000"


def test_concurrent_incr_and_decr_with_the_default_locks(_shared_db: Rdict, clock: Clock) -> None:
    _shared_db.delete_range(b"\x00", b"\xff\xff")
    kv = KV(_shared_db, clock=clock)  # lock_for omitted: KV's own striped locks
    _hammer(kv, [(SA, "kv.incr", {"key": "n", "n": 3}), (SA, "kv.decr", {"key": "n"}),
                 (SB, "kv.incr", {"key": "n", "ttl": 60_000})], threads=9, per_thread=300)
    assert call(kv, "kv.get", {"key": "n"}) == str(3 * 3 * 300 - 3 * 300)
    assert call(kv, "kv.get", {"key": "n"}, space=SB) == str(3 * 300)
    assert len(raw_keys(kv, b"x")) == 1  # one index entry however many rewrites


# -- durability ------------------------------------------------------------------------------
def test_data_survives_reopening(tmp_path, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "db")
    db = open_db(path)
    kv = KV(db, clock=clock)
    call(kv, "kv.set", {"key": "s", "value": "text"})
    call(kv, "kv.setObj", {"key": "o", "value": {"a": [1]}, "keyspace": "ks"})
    call(kv, "kv.incr", {"key": "n", "n": 7}, space=SB)
    call(kv, "kv.set", {"key": "t", "value": "ttl", "ttl": 1000})
    db.close()

    db = open_db(path)
    try:
        kv = KV(db, clock=clock)
        assert call(kv, "kv.get", {"key": "s"}) == "text"
        assert call(kv, "kv.getObj", {"key": "o", "keyspace": "ks"}) == {"a": [1]}
        assert call(kv, "kv.incr", {"key": "n"}, space=SB) == 8
        assert call(kv, "kv.get", {"key": "t"}) == "ttl"
        clock.advance(1000)
        assert call(kv, "kv.get", {"key": "t"}) is None
        assert kv.reclaim_expired() == 1
        assert call(kv, "kv.getAll", {}) == [{"key": "s", "val": "text"}]
    finally:
        db.close()
