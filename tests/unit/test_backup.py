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


def restore(e: Engine, data: bytes, sid: str = NEW, piece: int = 7000,
            replaces: str | None = None) -> dict[str, Any]:
    rid = call(e, "restore.open", sid, **({"replaces": replaces} if replaces else {}))["restore"]
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
                for k in keys_of(src, SID) if k[:1] not in (b"s", b"x", b"v")}
    dst_keys = {k: dst.db[k] for k in keys_of(dst, NEW) if k[:1] not in (b"s", b"x", b"v")}
    assert src_keys == dst_keys
    # the usage counters are counted from what was restored, never taken from the file
    assert dst.kv.usage(NEW) == src.kv.usage(SID)
    assert dst.datastore.usage(NEW) == src.datastore.usage(SID)
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


# -- a backup file is input from outside (issue 15 items 8, 12, 16) ---------------------------
def _crafted(*frames: tuple[bytes, bytes, bytes], end: bool = True) -> bytes:
    """A backup file of these frames (after a manifest), with a valid end frame."""
    import hashlib
    body = [bk._frame(b"M", b"", json.dumps({"format": bk.FORMAT, "space": None}).encode())]
    body += [bk._frame(*f) for f in frames]
    raw = bk.MAGIC + b"".join(body)
    if end:
        raw += bk._frame(b"E", b"", json.dumps({"frames": len(body),
                                                "sha256": hashlib.sha256(raw).hexdigest()}).encode())
    return gzip.compress(raw)


@pytest.mark.parametrize("kind", [b"K", b"S", b"M", b"E", b"B"])
def test_a_frame_longer_than_its_kind_allows_is_refused_on_its_header(dst: Engine,
                                                                      kind: bytes) -> None:
    """Only the 9-byte header of a huge frame arrives: restore refuses at once, naming the
    knob, instead of buffering up to 1 GiB while it waits for the rest."""
    import struct
    size = {b"B": dst.backups.max_blob_bytes + 1, b"E": 65 * 1024}.get(
        kind, 16 * 1024 * 1024 + 65 * 1024)  # documents and records: max_doc_bytes + slack
    assert size < 1024**3  # what a frame could claim before (the old MAX_VALUE)
    m = bk._frame(b"M", b"", json.dumps({"format": bk.FORMAT, "space": None}).encode())
    head = struct.pack(">cII", kind, 2, size) + b"d\x00"
    rid = call(dst, "restore.open", NEW)["restore"]
    with pytest.raises(BadRequest, match=r"more than this node accepts .*BRYGGE_MAX_"):
        dst.call(NEW, "restore.write", rid.encode() + b"\n" + gzip.compress(bk.MAGIC + m + head))
    call(dst, "restore.abort", NEW, restore=rid)
    assert keys_of(dst, NEW) == []


def test_a_blob_over_max_blob_bytes_is_not_stored(tmp_path: Path) -> None:
    e = Engine(str(tmp_path / "db"), max_blob_bytes=1024 * 1024)
    try:
        with pytest.raises(BadRequest, match="BRYGGE_MAX_BLOB_BYTES"):
            e.call("", "blob.put", b"x" * (1024 * 1024 + 1))
        assert e_put(e, b"x" * 1024)
    finally:
        e.close()


@pytest.mark.parametrize("value", [b'{"_id":"a","n":NaN}', b'{"_id":"a","n":-Infinity}',
                                   b'{"_id":"a","n":1e999}', b'[1,2]', b'{"a":' * 120 + b"1" +
                                   b"}" * 120])
def test_a_document_that_is_not_strict_json_is_refused(dst: Engine, value: bytes) -> None:
    data = _crafted((b"K", b"d\x00people\x00a", value))
    with pytest.raises(BadRequest, match="document"):
        restore(dst, data)
    assert keys_of(dst, NEW) == []


def test_kv_values_and_records_must_be_strict_json(dst: Engine) -> None:
    kv = bk._KV_HEADER.pack(0, 0) + b'{"x":NaN}'
    with pytest.raises(BadRequest, match="key-value"):
        restore(dst, _crafted((b"K", b"k\x00\x00key", kv)))
    with pytest.raises(BadRequest, match="not valid JSON"):
        restore(dst, _crafted((b"S", b"cronrun/abc", b'{"at": Infinity}')))
    assert keys_of(dst, NEW) == []


def test_storage_ops_refuse_non_finite_numbers(dst: Engine) -> None:
    """Every storage write parses its arguments strictly (the admin API's imports, guest
    db/kv calls): a NaN never reaches a document."""
    for payload in (b'{"collection":"c","doc":{"n":NaN}}', b'{"collection":"c","doc":{"n":1e999}}',
                    b'{"collection":"c","docs":[{"n":Infinity}]}'):
        op = "db.insertMany" if b"docs" in payload else "db.insertOne"
        with pytest.raises(BadRequest, match=r"finite|NaN"):
            dst.call(NEW, op, payload)
    assert call(dst, "db.count", NEW, collection="c")["count"] == 0


def _deploy(e: Engine, sid: str, art: dict[str, Any]) -> str:
    digest = e_put(e, json.dumps(art).encode())
    call(e, "sys.put", "", batch={f"deploy/{sid}/0000000001": {"seq": 1, "digest": digest}})
    return digest


def test_a_deployment_record_cannot_name_another_spaces_artifact(dst: Engine) -> None:
    """The victim (OTHER) runs an artifact on the same node; a crafted backup's deployment
    record names its digest without holding it. Refused unless the target space owns it."""
    victim = _deploy(dst, OTHER, {"kind": "source", "entry": "index.js",
                                  "files": {"index.js": "const KEY = 'victim secret'"}})
    data = _crafted((b"S", b"deploy/0000000001", json.dumps({"seq": 1,
                                                              "digest": victim}).encode()))
    with pytest.raises(BadRequest, match="does not hold and the target space does not own"):
        restore(dst, data, replaces=SID)
    assert keys_of(dst, NEW) == []
    assert call(dst, "sys.get", "", key=f"deploy/{NEW}/0000000001") is None
    # the owner itself may restore a backup that leaves its own artifact out
    restore(dst, data, replaces=OTHER)
    assert call(dst, "sys.get", "", key=f"deploy/{NEW}/0000000001")["digest"] == victim


def test_a_restored_artifact_cannot_name_another_spaces_asset(dst: Engine) -> None:
    asset = e_put(dst, b"victim's private image")
    _deploy(dst, OTHER, {"kind": "source", "entry": "index.js", "files": {},
                         "assets": {"p.png": {"digest": asset, "size": 22}}})
    art = json.dumps({"kind": "source", "entry": "index.js", "files": {"index.js": "x"},
                      "assets": {"stolen.png": {"digest": asset, "size": 22}}}).encode()
    import hashlib
    digest = hashlib.sha256(art).hexdigest()
    data = _crafted((b"S", b"deploy/0000000001", json.dumps({"seq": 1, "digest": digest}).encode()),
                    (b"B", digest.encode(), art))
    with pytest.raises(BadRequest, match="does not hold"):
        restore(dst, data, replaces=SID)
    assert keys_of(dst, NEW) == []


def test_a_real_backup_restores_into_the_space_it_replaces(src: Engine, dst: Engine) -> None:
    """What a backup holds itself (artifacts and their assets) needs no ownership."""
    fill(src)
    res = restore(dst, backup(src), replaces=OTHER)
    assert res["counts"]["blobs"] == 2


def test_usage_counters_come_from_the_restored_data_not_the_file(dst: Engine) -> None:
    """A crafted backup claiming an empty space cannot hide its bytes from the data quota:
    document usage is recounted from the restored documents and key-value usage is never
    read from a backup (kind `v` is not a backup kind)."""
    doc = json.dumps({"_id": "a", "v": "x" * 500}).encode()
    kv = bk._KV_HEADER.pack(1, 0) + json.dumps("y" * 300).encode()
    restore(dst, _crafted((b"K", b"d\x00c\x00a", doc),
                          (b"K", b"u", json.dumps({"objects": 0, "bytes": 0}).encode()),
                          (b"K", b"k\x00\x00key", kv)))
    assert dst.datastore.usage(NEW) == {"objects": 1, "bytes": len(doc)}
    assert dst.kv.usage(NEW)["bytes"] > 300
    with pytest.raises(BadRequest, match="kind"):
        restore(dst, _crafted((b"K", b"v", json.dumps({"bytes": 0, "keys": 0}).encode())))
