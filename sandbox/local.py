"""The in-process transport of the Executor service: the router calls it
directly instead of over gRPC when `BRYGGE_EXECUTOR_TRANSPORT=inprocess`.

Same code as the executor process (sandbox/executor.py's `Executor`), minus the
gRPC hop, its serialisation and two thread hand-offs: the invocation waits for an
instance of its space without a thread (sandbox/sched.py), runs on a runner thread,
and its output reaches the router's event loop through a bounded Outbox
(sandbox/outbox.py: a client that stops reading makes the guest's writes wait).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from brygge.logbus import LogPublisher
from brygge.settings import Settings
from proto import brygge_pb2 as pb
from sandbox.executor import Executor
from sandbox.jobs import JobPublisher
from storage.client import StorageClient


class InProcessExecutor:
    def __init__(self, settings: Settings, storage_target: str, nats_url: str) -> None:
        logs = LogPublisher(nats_url) if nats_url else None
        storage = StorageClient(storage_target, wire=settings.storage_transport == "wire")
        publisher = JobPublisher(nats_url, settings) if nats_url else None  # app enqueues
        self.executor = Executor(settings, storage, logs, publisher)

    def invoke(self, inv: pb.Invocation,
               pull: Callable[[], Awaitable[bytes | None]] | None = None
               ) -> AsyncIterator[pb.InvokeOut]:
        """`pull` gives the rest of a body that follows (inv.http.body_follows)."""
        return self.executor.invoke(inv, pull)
