"""The framed-socket transport of the Storage service (storage/wire.py): calls from
many threads, large frames, reconnects after a storage restart, garbage from a
client, and a storage that is gone."""

from __future__ import annotations

import socket
import struct
import threading
from pathlib import Path
from typing import Any

import pytest

from proto import brygge_pb2 as pb
from storage.client import StorageClient
from storage.engine import Engine
from storage.errors import NotFound, StorageError
from storage.server import StorageService
from storage.wire import WireChannel, WireError, WireServer, wire_path

SID = "wiretest0001"


@pytest.fixture
def served(tmp_path: Path) -> Any:
    engine = Engine(str(tmp_path / "db"))
    sock = tmp_path / "storage.sock"
    server = WireServer(wire_path(str(sock)), StorageService(engine).reply)
    server.start()
    yield f"unix:{sock}", engine, server
    server.close()
    engine.close()


def test_wire_path() -> None:
    assert wire_path("unix:/run/b/storage.sock") == "/run/b/storage.wire.sock"
    assert wire_path("/run/b/storage") == "/run/b/storage.wire.sock"


def test_calls_from_many_threads(served: Any) -> None:
    target, _, _ = served
    client = StorageClient(target, wire=True)
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for i in range(50):
                doc = client.call(SID, "db.insertOne", {"collection": "c",
                                                        "doc": {"_id": f"{t}-{i}", "t": t}})
                assert client.call(SID, "db.getOne", {"collection": "c",
                                                      "query": doc["_id"]})["t"] == t
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert client.call(SID, "db.count", {"collection": "c", "query": {}}) == {"count": 400}
    with pytest.raises(NotFound):  # storage errors keep their names
        client.call(SID, "db.getOne", {"collection": "c", "query": "nope"})
    client.close()


def test_large_frames(served: Any) -> None:
    target, _, _ = served
    client = StorageClient(target, wire=True)
    blob = bytes(range(256)) * 8000  # 2 MB: frames over 64 KiB are sent in two writes
    digest = client.blob_put(blob)
    assert client.blob_get(digest) == blob


def test_reconnects_after_a_storage_restart(served: Any, tmp_path: Path) -> None:
    target, engine, server = served
    client = StorageClient(target, wire=True)
    assert client.call(SID, "kv.set", {"key": "k", "value": "v"}) is not None
    server.close()  # the idle connection's peer is gone
    again = WireServer(wire_path(target.removeprefix("unix:")), StorageService(engine).reply)
    again.start()
    try:
        assert client.call(SID, "kv.get", {"key": "k"}) == "v"
    finally:
        again.close()


def test_storage_gone_is_an_error_not_a_hang(tmp_path: Path) -> None:
    chan = WireChannel(str(tmp_path / "nothing.wire.sock"))
    with pytest.raises(WireError, match="not reachable"):
        chan.call(pb.StorageCall(space=SID, op="kv.get", payload=b"{}"), timeout=0.3)
    client = StorageClient(f"unix:{tmp_path / 'nothing.sock'}", wire=True)
    client.wire.call = lambda req, timeout=30: chan.call(req, 0.3)  # type: ignore[union-attr]
    with pytest.raises(StorageError, match="not reachable"):
        client.call(SID, "kv.get", {"key": "k"})


@pytest.mark.parametrize("garbage", [
    struct.pack(">I", 5) + b"\xff\xff\xff\xff\xff",  # not a StorageCall
    struct.pack(">I", 2**31),  # over the frame limit
    b"\x00\x00",  # a cut-off header, then the client leaves
])
def test_garbage_drops_only_that_connection(served: Any, garbage: bytes) -> None:
    target, _, _ = served
    path = wire_path(target.removeprefix("unix:"))
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(path)
        s.sendall(garbage)
        s.shutdown(socket.SHUT_WR)
        s.settimeout(5)
        assert s.recv(100) == b""  # closed by the server, no reply
    client = StorageClient(target, wire=True)
    assert client.call(SID, "kv.set", {"key": "after", "value": 1}) is not None
