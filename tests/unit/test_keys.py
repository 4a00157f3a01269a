"""Unit tests for storage/keys.py: key layout isolation and ObjectIds."""

from __future__ import annotations

import re
import threading
import time

import pytest

from storage import keys
from storage.keys import BadName

SID_A = "aaaaaaaaaaaa"
SID_B = "aaaaaaaaaaab"
SID_C = "bbbbbbbbbbbb"
SIDS = [SID_A, SID_B, SID_C, "0123456789ab", "zzzzzzzzzzzz"]

TRICKY = [
    "a", "x" * keys.MAX_NAME_BYTES, "/", "//", "..", "../..", "../" + SID_B, "a/../../b",
    "\\", "\\..\\", ".", "\x01", "\x7f", "\xff", "\uffff", "ÿ", "\U0001f600", "𝄞𝄞",
    "é" * 128, "日本語", "\u202e", "\ud800", "\udfff", "a\nb", " ", "\t", "$", "*", "%00",
    "\\x00", "d" + SID_B, "d" + SID_B + "\x01x", SID_B, "\x01" + SID_B, "\U0010ffff",
]


@pytest.mark.parametrize("name", ["\x00", "a\x00b", "\x00" + SID_B, "users\x00", "😀\x00"])
@pytest.mark.parametrize("which", ["collection", "id", "system"])
def test_names_with_nul_are_refused(name: str, which: str) -> None:
    with pytest.raises(BadName, match="NUL"):
        if which == "collection":
            keys.doc_key(SID_A, name, "x")
        elif which == "id":
            keys.doc_key(SID_A, "c", name)
        else:
            keys.system_key(name)


@pytest.mark.parametrize("name,ok", [
    ("x" * 256, True),
    ("x" * 257, False),
    ("é" * 128, True),   # 256 bytes
    ("é" * 129, False),  # 258 bytes, 129 characters
    ("😀" * 64, True),    # 256 bytes
    ("😀" * 65, False),
])
@pytest.mark.parametrize("which", ["collection", "id", "system"])
def test_overlong_names_are_refused(name: str, ok: bool, which: str) -> None:
    def build() -> bytes:
        if which == "collection":
            return keys.doc_key(SID_A, name, "x")
        if which == "id":
            return keys.doc_key(SID_A, "c", name)
        return keys.system_key(name)
    if ok:
        assert build()
    else:
        with pytest.raises(BadName, match="longer"):
            build()


@pytest.mark.parametrize("name", ["", None, 5, b"bytes", ["a"], {"a": 1}])
def test_non_string_or_empty_names_refused(name: object) -> None:
    with pytest.raises(BadName):
        keys.doc_key(SID_A, name, "x")  # type: ignore[arg-type]
    with pytest.raises(BadName):
        keys.doc_key(SID_A, "c", name)  # type: ignore[arg-type]


@pytest.mark.parametrize("sid", ["", "short", SID_A + "a", "AAAAAAAAAAAA", "aaaaaaaaaaa/",
                                 "aaaaaaaaaa\x00a", "aaaaaaaaaa..", "ééééééééééé1", 12 * " "])
def test_bad_space_ids_refused(sid: str) -> None:
    with pytest.raises(BadName):
        keys.space_prefix(sid)
    with pytest.raises(BadName):
        keys.doc_key(sid, "c", "x")


def test_new_space_id_is_valid_and_random() -> None:
    ids = {keys.new_space_id() for _ in range(200)}
    assert len(ids) == 200
    for sid in ids:
        assert keys.check_space(sid) == sid.encode()


@pytest.mark.parametrize("coll", TRICKY)
def test_tricky_collection_names_stay_in_space(coll: str) -> None:
    for sid in SIDS:
        for doc_id in TRICKY:
            k = keys.doc_key(sid, coll, doc_id)
            assert k.startswith(keys.space_prefix(sid))
            assert k.startswith(keys.collection_prefix(sid, coll))
            for other in SIDS:
                if other != sid:
                    assert not k.startswith(keys.space_prefix(other))
                    assert not keys.space_prefix(other) <= k < keys.prefix_end(
                        keys.space_prefix(other))


def test_collections_do_not_overlap() -> None:
    # No doc key of collection X falls under the prefix of a different collection Y.
    names = [n for n in TRICKY if len(n.encode("utf-8", "surrogatepass")) < 200]
    for x in names:
        for y in names:
            if x == y:
                continue
            for doc_id in ("a", "\x01", "\xff", y, x):
                assert not keys.doc_key(SID_A, x, doc_id).startswith(
                    keys.collection_prefix(SID_A, y))


def test_kinds_are_disjoint() -> None:
    assert keys.space_prefix(SID_A)[:1] == b"d"
    assert keys.system_key("d" + SID_A)[:1] == b"s"
    assert keys.blob_key("0" * 64)[:1] == b"b"
    assert not keys.system_key("d" + SID_A + "\x01c").startswith(keys.space_prefix(SID_A))


@pytest.mark.parametrize("digest,ok", [
    ("0" * 64, True), ("af" * 32, True), ("AF" * 32, False), ("0" * 63, False),
    ("0" * 65, False), ("g" * 64, False), ("../" + "0" * 61, False), ("", False),
])
def test_blob_key(digest: str, ok: bool) -> None:
    if ok:
        assert keys.blob_key(digest) == b"b" + digest.encode()
    else:
        with pytest.raises(BadName):
            keys.blob_key(digest)


@pytest.mark.parametrize("prefix,end", [
    (b"dabc\x00", b"dabc\x01"), (b"a", b"b"),
    (b"a\xff", b"b"), (b"a\x00\xff\xff", b"a\x01"),
])
def test_prefix_end(prefix: bytes, end: bytes) -> None:
    assert keys.prefix_end(prefix) == end
    for suffix in (b"", b"\x00", b"\xff" * 8):
        assert prefix + suffix < end


def test_prefix_end_bounds_space() -> None:
    p = keys.space_prefix(SID_A)
    end = keys.prefix_end(p)
    for coll in TRICKY:
        assert p <= keys.doc_key(SID_A, coll, "\U0010ffff" * 60) < end
        assert not (p <= keys.doc_key(SID_B, coll, "a") < end)


HEX24 = re.compile(r"^[0-9a-f]{24}$")


def test_object_ids_format_unique_and_timestamped() -> None:
    gen = keys.ObjectIds()
    t0 = int(time.time())
    ids = [gen.next() for _ in range(10_000)]
    t1 = int(time.time())
    assert len(set(ids)) == 10_000
    for i in ids:
        assert HEX24.match(i), i
        assert t0 <= int(i[:8], 16) <= t1
    # Same-second ids of one generator sort in creation order (unless the counter wraps).
    same = [i for i in ids if i[:8] == ids[0][:8]]
    assert same == sorted(same) or any(i[-6:] == "000000" for i in same)


def test_object_ids_unique_across_generators_and_threads() -> None:
    gens = [keys.ObjectIds() for _ in range(4)]
    out: list[list[str]] = [[] for _ in range(8)]

    def work(n: int) -> None:
        g = gens[n % 4]
        out[n].extend(g.next() for _ in range(1500))

    ts = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    flat = [i for part in out for i in part]
    assert len(flat) == len(set(flat)) == 12_000
