"""storage/files.py on a temp RocksDB: chunked uploads, ranged reads, overwrite, usage,
limits, quota, hostile paths, and uploads a crash left behind."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from storage.engine import Engine
from storage.errors import BadRequest, NotFound, TooLarge
from storage.files import CHUNK, MAX_READ

SID = "aaaaaaaaaaaa"
OTHER = "bbbbbbbbbbbb"


@pytest.fixture
def eng(tmp_path: Path) -> Any:
    e = Engine(str(tmp_path / "db"), max_file_bytes=3 * CHUNK + 10,
               file_quota_bytes=5 * CHUNK)
    yield e
    e.close()


def call(e: Engine, op: str, sid: str = SID, **args: Any) -> Any:
    return json.loads(e.call(sid, op, json.dumps(args).encode()))


def upload(e: Engine, path: str, data: bytes, piece: int = 100_000, sid: str = SID) -> Any:
    up = call(e, "file.open", sid, path=path)["upload"]
    for i in range(0, len(data), piece):
        call(e, "file.write", sid, upload=up, data=base64.b64encode(data[i:i + piece]).decode())
    return call(e, "file.commit", sid, upload=up)


def read(e: Engine, path: str, offset: int, length: int, sid: str = SID) -> bytes:
    return base64.b64decode(call(e, "file.read", sid, path=path, offset=offset,
                                 length=length)["data"])


def test_chunked_upload_ranged_reads_and_stat(eng: Engine) -> None:
    data = os.urandom(2 * CHUNK + 1234)
    meta = upload(eng, "//x//y.bin/", data)
    assert meta["path"] == "/x/y.bin" and meta["size"] == len(data)
    # stored as chunks of CHUNK bytes, never one value
    chunks = [k for k, _ in eng.db.items() if k[:1] == b"g"]
    assert len(chunks) == 3
    st = call(eng, "file.stat", path="/x/y.bin")
    assert st["sha256"] == hashlib.sha256(data).hexdigest() and st["size"] == len(data)
    for off, n in ((0, 10), (CHUNK - 5, 10), (CHUNK, CHUNK), (2 * CHUNK, 5000), (len(data) - 1, 9),
                   (len(data), 10), (0, MAX_READ + 1)):
        assert read(eng, "/x/y.bin", off, n) == data[off:off + min(n, MAX_READ)]
    assert base64.b64decode(call(eng, "file.get", path="/x/y.bin")["data"]) == data
    with pytest.raises(BadRequest):
        call(eng, "file.read", path="/x/y.bin", offset=-1)


def test_overwrite_keeps_id_and_frees_old_chunks_and_counts_usage(eng: Engine) -> None:
    a = upload(eng, "/f", os.urandom(2 * CHUNK))
    old = call(eng, "file.stat", path="/f")
    b = upload(eng, "/f", b"tiny")
    assert b["_id"] == a["_id"] and b["size"] == 4
    assert len([k for k, _ in eng.db.items() if k[:1] == b"g"]) == 1
    with pytest.raises(NotFound, match="changed while it was read"):  # a reader of the old one
        call(eng, "file.read", path="/f", version=old["version"])
    upload(eng, "/g/h", b"12345")
    assert call(eng, "file.usage") == {"bytes": 9, "files": 2, "uploading": 0,
                                       "quota": 5 * CHUNK}
    u = call(eng, "space.usage")
    assert (u["file_bytes"], u["file_count"]) == (9, 2)
    call(eng, "file.delete", path="/f")
    assert call(eng, "file.usage")["bytes"] == 5
    assert [f["path"] for f in call(eng, "file.list", path="/")] == ["/g/h"]
    assert call(eng, "file.list", OTHER) == []  # spaces do not see each other's files
    with pytest.raises(NotFound):
        call(eng, "file.read", OTHER, path="/g/h")
    eng.call(SID, "space.drop", b"{}")
    assert call(eng, "file.list") == [] and not [k for k, _ in eng.db.items() if k[:1] in b"fgh"]


def test_size_limit_and_quota(eng: Engine) -> None:
    with pytest.raises(TooLarge, match="larger than"):  # announced size
        call(eng, "file.open", path="/big", size=3 * CHUNK + 11)
    with pytest.raises(TooLarge, match="larger than"):  # while streaming: upload dropped
        upload(eng, "/big", b"\0" * (3 * CHUNK + 11))
    assert call(eng, "file.usage")["uploading"] == 0
    assert not [k for k, _ in eng.db.items() if k[:1] in b"gh"]
    upload(eng, "/one", b"\0" * (3 * CHUNK))
    up = call(eng, "file.open", path="/two")["upload"]
    call(eng, "file.write", upload=up, data=base64.b64encode(b"\0" * CHUNK).decode())
    assert call(eng, "file.usage")["uploading"] == CHUNK
    call(eng, "file.write", upload=up, data=base64.b64encode(b"\0" * CHUNK).decode())
    with pytest.raises(TooLarge, match="quota"):  # 3 + 2 chunks = the quota; one byte more
        call(eng, "file.write", upload=up, data=base64.b64encode(b"\0").decode())
    with pytest.raises(NotFound, match="no such upload"):
        call(eng, "file.commit", upload=up)
    # replacing a file counts it once
    upload(eng, "/one", b"\0" * (3 * CHUNK))
    with pytest.raises(BadRequest, match="at most"):
        up = call(eng, "file.open", path="/x")["upload"]
        call(eng, "file.write", upload=up, data=base64.b64encode(b"\0" * (CHUNK + 1)).decode())


@pytest.mark.parametrize(("path", "says"), [
    ("/a/../b", "'..'"), ("/./a", "'.'"), ("a\\..\\b", "'..'"), ("/a/\uff0e\uff0e/b", "'..'"),
    ("/a\x00b", "NUL"), ("/a\x07b", "control"), ("/" + "x" * 300, "longer than 256"),
    ("", "non-empty"), ("/", "non-empty"), (5, "non-empty"),
])
def test_hostile_paths(eng: Engine, path: Any, says: str) -> None:
    for op in ("file.open", "file.stat", "file.read", "file.delete", "file.save"):
        with pytest.raises(BadRequest, match=says):
            call(eng, op, path=path, data="")


def test_other_upload_ids_and_spaces(eng: Engine) -> None:
    up = call(eng, "file.open", path="/a")["upload"]
    with pytest.raises(NotFound):  # another space cannot write into it
        call(eng, "file.write", OTHER, upload=up, data="")
    with pytest.raises(NotFound):
        call(eng, "file.commit", upload="nope")
    call(eng, "file.abort", upload=up)
    with pytest.raises(NotFound):
        call(eng, "file.read", path="/a")


def test_unfinished_uploads_are_reclaimed_on_start(tmp_path: Path) -> None:
    e = Engine(str(tmp_path / "db"))
    up = call(e, "file.open", path="/a")["upload"]
    for n in (CHUNK, 5):
        call(e, "file.write", upload=up, data=base64.b64encode(b"\1" * n).decode())
    upload(e, "/kept", b"kept")
    e.close()  # as if storage died mid-upload
    e = Engine(str(tmp_path / "db"))
    try:
        left = [k for k, _ in e.db.items() if k[:1] in b"gh"]
        assert len(left) == 1  # the committed file's chunk only
        assert read(e, "/kept", 0, 10) == b"kept"
    finally:
        e.close()


def test_file_asset_reads_a_blob_range(eng: Engine) -> None:
    data = os.urandom(5000)
    digest = json.loads(eng.call("", "blob.put", data))["digest"]
    r = call(eng, "file.asset", digest=digest, offset=100, length=50)
    assert base64.b64decode(r["data"]) == data[100:150] and r["size"] == 5000
    with pytest.raises(BadRequest):
        call(eng, "file.asset", digest="../x", offset=0, length=1)
