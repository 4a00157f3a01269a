"""A lean transport for the Storage service on one node: the same proto messages
(`StorageCall` in, `StorageReply` out), each framed by a 4-byte big-endian length,
over a Unix socket, one request at a time per connection.

Why not gRPC here: executor threads make one blocking storage call per datastore
operation, and grpcio's HTTP/2 machinery costs ~600 µs of CPU on each side per call
in Python (docs/BENCHMARKS.md, issue 5 profile) for a RocksDB get of ~30 µs. A
framed message over the same kind of socket costs two syscalls per side. gRPC
stays the transport between machines and for the asyncio clients (router
catalog, control plane), where calls are few.

The server gives each connection a thread (executor threads keep one connection
each), so a slow operation holds up only its own caller.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import socket
import struct
import threading
from collections.abc import Callable
from typing import Any

from proto import brygge_pb2 as pb

log = logging.getLogger("brygge.storage.wire")

_LEN = struct.Struct(">I")
MAX_FRAME = 1 << 30


class WireError(ConnectionError):
    """The storage process is gone or answered garbage."""


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:], n - got)
        if k == 0:
            raise WireError("storage closed the connection")
        got += k
    return bytes(buf)


def _read_frame(sock: socket.socket) -> bytes:
    (n,) = _LEN.unpack(_recv_exact(sock, 4))
    if n > MAX_FRAME:
        raise WireError(f"frame of {n} bytes is over the limit")
    return _recv_exact(sock, n)


def _send_frame(sock: socket.socket, data: bytes) -> None:
    if len(data) < 65536:
        sock.sendall(_LEN.pack(len(data)) + data)  # one syscall for the usual small call
    else:
        sock.sendall(_LEN.pack(len(data)))
        sock.sendall(data)


def wire_path(grpc_target: str) -> str:
    """The wire socket a storage process serves next to its gRPC one
    (`unix:/run/storage.sock` -> `/run/storage.wire.sock`)."""
    path = grpc_target.removeprefix("unix:")
    root, ext = os.path.splitext(path)
    return f"{root}.wire{ext or '.sock'}"


def _stale(sock: socket.socket) -> bool:
    """Whether the peer closed this idle connection (e.g. storage restarted): an idle
    connection has nothing to read, so readable means closed (or garbage)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


# -- server ---------------------------------------------------------------------------------
class WireServer:
    """Serves `handle(StorageCall) -> StorageReply` on a Unix socket."""

    def __init__(self, path: str, handle: Callable[[pb.StorageCall], pb.StorageReply]) -> None:
        self.path = path
        self.handle = handle
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        os.chmod(path, 0o600)
        self.sock.listen(256)
        self.closed = False

    def start(self) -> None:
        threading.Thread(target=self._accept, name="wire-accept", daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), name="wire-conn",
                             daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            while True:
                try:
                    req = pb.StorageCall.FromString(_read_frame(conn))
                except WireError:
                    return  # the client went away
                except Exception as e:  # a malformed frame: drop this connection only
                    log.warning("dropping a storage connection: %s", e)
                    return
                try:
                    _send_frame(conn, self.handle(req).SerializeToString())
                except OSError:
                    return

    def close(self) -> None:
        self.closed = True
        with contextlib.suppress(OSError):
            self.sock.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


# -- client ---------------------------------------------------------------------------------
class WireChannel:
    """Blocking calls from any thread; each thread keeps its own connection and
    reconnects (until `timeout`) when storage restarted."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.local = threading.local()
        self._all: set[socket.socket] = set()
        self._lock = threading.Lock()

    def _connect(self, timeout: float) -> socket.socket:
        import time
        deadline = time.monotonic() + timeout
        delay = 0.02
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.path)
                with self._lock:
                    self._all.add(s)
                return s
            except OSError as e:
                s.close()
                if time.monotonic() + delay > deadline:
                    raise WireError(f"storage is not reachable at {self.path}: {e}") from None
                time.sleep(delay)  # storage (re)starting: as gRPC's wait_for_ready does
                delay = min(delay * 2, 0.5)

    def call(self, request: pb.StorageCall, timeout: float = 30) -> pb.StorageReply:
        data = request.SerializeToString()
        for attempt in (0, 1):
            sock: Any = getattr(self.local, "sock", None)
            if sock is not None and _stale(sock):
                self._drop(sock)
                sock = None
            if sock is None:
                sock = self.local.sock = self._connect(timeout)
            sock.settimeout(timeout)
            try:
                _send_frame(sock, data)
            except OSError:
                # Nothing was processed: the connection was stale (storage restarted).
                self._drop(sock)
                if attempt:
                    raise WireError("storage connection failed") from None
                continue
            try:
                return pb.StorageReply.FromString(_read_frame(sock))
            except (OSError, WireError) as e:
                # The request may have run: never resend it (writes are not idempotent).
                self._drop(sock)
                raise WireError(f"storage call {request.op} failed: {e}") from None
        raise AssertionError("unreachable")

    def _drop(self, sock: socket.socket) -> None:
        self.local.sock = None
        with self._lock:
            self._all.discard(sock)
        with contextlib.suppress(OSError):
            sock.close()

    def close(self) -> None:
        with self._lock:
            socks, self._all = self._all, set()
        for s in socks:
            with contextlib.suppress(OSError):
                s.close()
