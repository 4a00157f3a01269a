"""The in-process transport of the Executor service: the router calls it
directly instead of over gRPC when `BRYGGE_EXECUTOR_TRANSPORT=inprocess`.

Same code as the executor process (sandbox/server.py's `Executor`), minus the
gRPC hop, its serialisation and two thread hand-offs; the invocation runs on a
worker thread and its output reaches the event loop through `call_soon_threadsafe`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from brygge.logbus import LogPublisher
from brygge.settings import Settings
from proto import brygge_pb2 as pb
from sandbox import body
from sandbox.jobs import JobPublisher
from sandbox.server import Executor
from storage.client import StorageClient


class _LoopQueue:
    """The `put` side of a queue.Queue, feeding an asyncio.Queue from a thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop, q: asyncio.Queue[Any]) -> None:
        self.loop, self.q = loop, q

    def put(self, item: Any) -> None:
        self.loop.call_soon_threadsafe(self.q.put_nowait, item)


class InProcessExecutor:
    def __init__(self, settings: Settings, storage_target: str, nats_url: str) -> None:
        logs = LogPublisher(nats_url) if nats_url else None
        storage = StorageClient(storage_target, wire=settings.storage_transport == "wire")
        publisher = JobPublisher(nats_url, settings) if nats_url else None  # app enqueues
        self.executor = Executor(settings, storage, logs, publisher)

    async def invoke(self, inv: pb.Invocation,
                     pull: Callable[[], Awaitable[bytes | None]] | None = None
                     ) -> AsyncIterator[pb.InvokeOut]:
        """`pull` gives the rest of a body that follows (inv.http.body_follows)."""
        q: asyncio.Queue[pb.InvokeOut | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        source = body.from_loop(inv.http.body, loop, pull) if pull is not None else None
        self.executor.runner.submit(self.executor._run_http, inv, inv.http.body,
                                    _LoopQueue(loop, q), source)
        while (item := await q.get()) is not None:
            yield item
