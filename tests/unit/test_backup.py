"""storage/backup.py on temp RocksDBs: a space backed up from one engine restores into
another space id (keys rewritten), reads one consistent view while writes go on, and a
truncated, corrupt or foreign file is refused without leaving keys behind."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from storage import backup as bk
from storage import keys
from storage.engine import Engine
from storage.errors import BadRequest, SchemaFailed

SID = "aaaaaaaaaaaa"
NEW = "cccccccccccc"
OTHER = "bbbbbbbbbbbb"


def call(e: Engine, op: str, sid: str = SID, **args: Any) -> Any:
    return json.loads(e.call(sid, op, json.dumps(args).encode()))


def make_engine(path: Path) -> Any:
    return Engine(str(path), max_file_bytes=4 * 1024 * 1024)


@pytest.fixture
def src(tmp_path: Path) -> Any:
    e = make_engine(tmp_path / "a")
    yield e
    e.close()


@pytest.fixture
def dst(tmp_path: Path) -> Any:
    e = make_engine(tmp_path / "b")
    yield e
    e.close()


def fill(e: Engine, sid: str = SID) -> None:
    call(e, "db.createIndex", sid, collection="people", fields=["age"])
    call(e, "db.setSchema", sid, collection="people", schema={
        "type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}})
    for i in range(50):
        call(e, "db.insertOne", sid, collection="people", doc={"name": f"p{i}", "age": i % 7})
    call(e, "db.insertOne", sid, collection="notes", doc={"_id": "n1", "text": "hello"})
    call(e, "kv.set", sid, key="plain", value="v")
    call(e, "kv.set", sid, key="ttl", value="short", ttl=3_600_000)
    call(e, "kv.set", sid, key="other", value="ks", keyspace="ks1")
    data = bytes(range(256)) * 2000  # 512000 bytes: two full chunks and a part
    up = call(e, "file.open", sid, path="/docs/a.bin")["upload"]
    for i in range(0, len(data), 200_000):
        call(e, "file.write", sid, upload=up,
             data=base64.b64encode(data[i:i + 200_000]).decode())
    call(e, "file.commit", sid, upload=up)
    art = json.dumps({"kind": "source", "entry": "index.js", "files": {"index.js": "x"},
                      "assets": {"logo.png": {"digest": e_put(e, b"PNG" * 10), "size": 30}}})
    digest = e_put(e, art.encode())
    call(e, "sys.put", "", batch={
        f"deploy/{sid}/0000000001": {"seq": 1, "digest": digest},
        f"cronrun/{sid}/abc": {"at": "2024-01-01T00:00:00Z", "ok": True},
        f"space/p/s-{sid}": {"project": "p", "name": "s", "id": sid, "deployment": digest,
                             "env": {"A": "1"}}})


def e_put(e: Engine, data: bytes) -> str:
    return json.loads(e.call("", "blob.put", data))["digest"]


def backup(e: Engine, sid: str = SID, piece: int | None = None) -> bytes:
    bid = call(e, "backup.open", sid, space_key=f"space/p/s-{sid}")["backup"]
    out = []
    while True:
        chunk = e.call(sid, "backup.read", bid.encode())
        if not chunk:
            return b"".join(out)
        out.append(chunk)


def restore(e: Engine, data: bytes, sid: str = NEW, piece: int = 7000) -> dict[str, Any]:
    rid = call(e, "restore.open", sid)["restore"]
    try:
        for i in range(0, len(data), piece):
            e.call(sid, "restore.write", rid.encode() + b"\n" + data[i:i + piece])
        return call(e, "restore.commit", sid, restore=rid)
    except Exception:
        call(e, "restore.abort", sid, restore=rid)
        raise


def keys_of(e: Engine, sid: str) -> list[bytes]:
    sb = sid.encode()
    return sorted(k for k in e.db.keys() if sb in k)


def test_key_rewriting_between_space_ids() -> None:
    k = keys.doc_key(SID, "people", "x1")
    rel = bk.relative_key(k, SID)
    assert SID.encode() not in rel and rel.startswith(b"d\x00")
    assert bk.absolute_key(rel, NEW) == keys.doc_key(NEW, "people", "x1")
    assert bk.absolute_key(bk.relative_key(b"u" + SID.encode(), SID), NEW) == b"u" + NEW.encode()
    with pytest.raises(ValueError):
        bk.relative_key(keys.doc_key(OTHER, "people", "x1"), SID)
    for bad in (b"zfoo", b"d", b"dnoNUL", b"ujunk", b"s\x00deploy"):
        with pytest.raises(BadRequest):
            bk.absolute_key(bad, NEW)


def test_restore_into_another_space_id_on_another_engine(src: Engine, dst: Engine) -> None:
    fill(src)
    fill(src, OTHER)  # a neighbour that must not leak into the backup
    data = backup(src)
    assert data[:2] == b"\x1f\x8b" and SID.encode() in gzip.decompress(data)  # manifest only
    res = restore(dst, data)
    assert res["counts"]["documents"] == 51 and res["counts"]["kv"] == 3
    assert res["counts"]["files"] == 1 and res["counts"]["blobs"] == 2
    assert res["manifest"]["space"]["env"] == {"A": "1"}
    # every tenant key of SID in src is there under NEW in dst, with the same value
    src_keys = {bytes(k).replace(SID.encode(), NEW.encode()): src.db[k]
                for k in keys_of(src, SID) if k[:1] not in (b"s", b"x")}
    dst_keys = {k: dst.db[k] for k in keys_of(dst, NEW) if k[:1] not in (b"s", b"x")}
    assert src_keys == dst_keys
    # and they work: planner with the index, schema, kv with ttl, files, records
    page = call(dst, "db.getMany", NEW, collection="people", query={"age": 3})
    assert len(page["docs"]) == 7
    with pytest.raises(SchemaFailed):
        dst.call(NEW, "db.insertOne", json.dumps({"collection": "people",
                                                  "doc": {"age": 1}}).encode())
    assert call(dst, "kv.get", NEW, key="ttl") == "short"
    assert call(dst, "kv.get", NEW, key="other", keyspace="ks1") == "ks"
    assert any(k.startswith(b"x") and k.endswith(b"k" + NEW.encode() + b"\x00\x00ttl")
               for k in dst.db.keys())  # the expiry index is rebuilt for the new id
    got = call(dst, "file.get", NEW, path="/docs/a.bin")
    assert base64.b64decode(got["data"]) == bytes(range(256)) * 2000
    assert call(dst, "file.usage", NEW)["files"] == 1
    assert call(dst, "space.usage", NEW)["objects"] == 51
    dep = call(dst, "sys.get", "", key=f"deploy/{NEW}/0000000001")
    art = dst.call("", "blob.get", dep["digest"].encode())
    asset = json.loads(art)["assets"]["logo.png"]["digest"]
    assert dst.call("", "blob.get", asset.encode()) == b"PNG" * 10
    assert call(dst, "sys.get", "", key=f"cronrun/{NEW}/abc")["ok"] is True
    assert call(dst, "space.isEmpty", NEW)["empty"] is False
    assert call(dst, "space.isEmpty", OTHER)["empty"] is True


def test_the_backup_is_one_consistent_view(src: Engine, dst: Engine) -> None:
    fill(src)
    bid = call(src, "backup.open", SID, space_key=f"space/p/s-{SID}")["backup"]
    # writes after the open are not in the backup, deletes do not remove anything from it
    call(src, "db.insertOne", collection="people", doc={"name": "late"})
    call(src, "db.removeMany", collection="notes", query={})
    call(src, "kv.set", key="late", value="x")
    out = []
    while chunk := src.call(SID, "backup.read", bid.encode()):
        out.append(chunk)
    restore(dst, b"".join(out))
    assert call(dst, "db.count", NEW, collection="people")["count"] == 50
    assert call(dst, "db.count", NEW, collection="notes")["count"] == 1
    assert call(dst, "kv.get", NEW, key="late") is None


def test_expired_kv_and_metering_are_not_backed_up(src: Engine, dst: Engine) -> None:
    call(src, "kv.set", key="gone", value="x", ttl=1)
    call(src, "kv.set", key="kept", value="y")
    call(src, "space.meter", api=5)
    src.backups.clock = lambda: 10**10  # long after the TTL
    restore(dst, backup(src))
    assert call(dst, "kv.get", NEW, key="kept") == "y"
    assert not any(b"gone" in k for k in dst.db.keys())
    assert call(dst, "space.usage", NEW)["api"] == 0


@pytest.mark.parametrize("damage", ["truncated", "flipped", "not-gzip", "foreign", "trailing",
                                    "empty"])
def test_a_damaged_file_is_refused_and_leaves_nothing(src: Engine, dst: Engine,
                                                      damage: str) -> None:
    fill(src)
    data = backup(src)
    raw = gzip.decompress(data)
    bad = {"truncated": data[:len(data) // 2],
           "flipped": gzip.compress(raw[:5000] + bytes([raw[5000] ^ 1]) + raw[5001:]),
           "not-gzip": b"hello world, not a backup" * 10,
           "foreign": gzip.compress(b"PK\x03\x04 some zip file" * 100),
           "trailing": data + b"more",
           "empty": b""}[damage]
    with pytest.raises(BadRequest) as ei:
        restore(dst, bad)
    assert "backup" in str(ei.value)
    assert keys_of(dst, NEW) == []
    assert [k for k in dst.db.keys() if k[:1] in (b"d", b"k", b"f", b"g", b"s")] == []


def test_unknown_format_is_named(dst: Engine) -> None:
    frame = bk._frame(b"M", b"", json.dumps({"format": 99}).encode())
    with pytest.raises(BadRequest, match="format 99"):
        restore(dst, gzip.compress(bk.MAGIC + frame))


def test_erase_removes_every_key_and_record(src: Engine) -> None:
    fill(src)
    fill(src, OTHER)
    before = keys_of(src, OTHER)
    call(src, "space.erase", SID)
    assert [k for k in keys_of(src, SID) if not k.startswith(b"x")
            and not k.startswith(b"sspace/")] == []
    assert keys_of(src, OTHER) == before
    assert call(src, "space.isEmpty", SID)["empty"] is True
