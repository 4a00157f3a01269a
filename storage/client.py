"""Clients of the storage service: blocking (executor threads) and asyncio
(router, control plane). Both raise StorageError subclasses named after the
service's error names, so callers map them to HTTP codes in one place."""

from __future__ import annotations

import json
from typing import Any

import grpc
import grpc.aio

from proto import brygge_pb2 as pb
from proto import brygge_pb2_grpc as pbg
from storage.engine import _ERRORS, StorageError
from storage.wire import WireChannel, WireError, wire_path

CHANNEL_OPTIONS = [("grpc.max_receive_message_length", 1 << 30),
                   ("grpc.max_send_message_length", 1 << 30),
                   ("grpc.initial_reconnect_backoff_ms", 50),
                   ("grpc.max_reconnect_backoff_ms", 1000)]


def raise_for(reply: pb.StorageReply) -> bytes:
    if reply.error:
        raise _ERRORS.get(reply.error_name, StorageError)(reply.error)
    return reply.payload


class StorageClient:
    """Blocking calls (executor threads). `wire=True` uses storage/wire.py's framed
    socket next to the gRPC one: same messages, a fraction of the CPU per call."""

    def __init__(self, target: str, wire: bool = False) -> None:
        self.wire = WireChannel(wire_path(target)) if wire else None
        self.channel = None if wire else grpc.insecure_channel(target, options=CHANNEL_OPTIONS)
        self.stub = pbg.StorageStub(self.channel) if self.channel is not None else None

    def raw(self, space: str, op: str, payload: bytes, timeout: float = 30) -> pb.StorageReply:
        call = pb.StorageCall(space=space, op=op, payload=payload)
        if self.wire is not None:
            try:
                return self.wire.call(call, timeout)
            except WireError as e:
                return pb.StorageReply(error=str(e), error_name="Unavailable")
        assert self.stub is not None
        return self.stub.Call(call, timeout=timeout, wait_for_ready=True)

    def call(self, space: str, op: str, args: Any = None) -> Any:
        data = raise_for(self.raw(space, op, json.dumps(args or {}).encode()))
        return json.loads(data)

    def blob_get(self, digest: str) -> bytes:
        return raise_for(self.raw("", "blob.get", digest.encode()))

    def blob_put(self, data: bytes) -> str:
        return json.loads(raise_for(self.raw("", "blob.put", data)))["digest"]

    def close(self) -> None:
        if self.wire is not None:
            self.wire.close()
        if self.channel is not None:
            self.channel.close()


class AsyncStorageClient:
    def __init__(self, target: str) -> None:
        self.channel = grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS)
        self.stub = pbg.StorageStub(self.channel)

    async def call(self, space: str, op: str, args: Any = None, timeout: float = 30) -> Any:
        reply = await self.stub.Call(pb.StorageCall(space=space, op=op,
                                                    payload=json.dumps(args or {}).encode()),
                                     timeout=timeout, wait_for_ready=True)
        return json.loads(raise_for(reply))

    async def blob_put(self, data: bytes) -> str:
        reply = await self.stub.Call(pb.StorageCall(op="blob.put", payload=data), timeout=30,
                                     wait_for_ready=True)
        return json.loads(raise_for(reply))["digest"]

    async def blob_get(self, digest: str) -> bytes:
        reply = await self.stub.Call(pb.StorageCall(op="blob.get", payload=digest.encode()),
                                     timeout=30, wait_for_ready=True)
        return raise_for(reply)

    async def close(self) -> None:
        await self.channel.close()


class LocalStorageClient:
    """The in-process transport: the same calls as AsyncStorageClient, served by
    an Engine opened in this process (CLI commands reading a stopped node's data
    dir, tests, single-process tools)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    async def call(self, space: str, op: str, args: Any = None, timeout: float = 30) -> Any:
        return json.loads(self.engine.call(space, op, json.dumps(args or {}).encode()))

    async def blob_put(self, data: bytes) -> str:
        return json.loads(self.engine.call("", "blob.put", data))["digest"]

    async def blob_get(self, digest: str) -> bytes:
        return self.engine.call("", "blob.get", digest.encode())

    async def close(self) -> None:
        self.engine.close()
