"""What the router needs of an executor: the contract the ingress is handed by whoever
composes its process (router/server.py), so that it knows a contract, not the sandbox.

Two implementations: sandbox/local.py's InProcessExecutor (the default transport) and
router/executor_client.py's GrpcExecutors (the Executor service over gRPC).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol

from proto import brygge_pb2 as pb

# Gives the next piece of a request body that follows the invocation (None at its end).
BodyPull = Callable[[], Awaitable[bytes | None]]


class Executor(Protocol):
    def invoke(self, inv: pb.Invocation, pull: BodyPull | None = None
               ) -> AsyncIterator[pb.InvokeOut]:
        """Run one invocation: its response head, body chunks and end, as they come.
        `pull` gives the rest of a body that follows (inv.http.body_follows)."""
        ...


# Builds the executor on the event loop that will use it (grpc.aio channels and the
# in-process executor's outboxes belong to the loop they are made in: uvicorn's).
ExecutorFactory = Callable[[], Executor]
