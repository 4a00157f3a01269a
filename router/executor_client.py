"""The router's client of the Executor service over gRPC (executor_transport=grpc):
one bidirectional stream per invocation to the executor placed for its space."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc.aio

from brygge import placement
from brygge.executor_api import BodyPull
from proto import brygge_pb2 as pb
from proto import brygge_pb2_grpc as pbg
from router.body import BodyError
from storage.client import CHANNEL_OPTIONS


class GrpcExecutors:
    def __init__(self, targets: list[str]) -> None:
        self.targets = targets
        self.stubs = {t: pbg.ExecutorStub(grpc.aio.insecure_channel(t, options=CHANNEL_OPTIONS))
                      for t in targets}

    def invoke(self, inv: pb.Invocation, pull: BodyPull | None = None
               ) -> AsyncIterator[pb.InvokeOut]:
        async def requests() -> AsyncIterator[pb.InvokeIn]:
            yield pb.InvokeIn(start=inv)
            if pull is None:
                return
            try:
                while (chunk := await pull()) is not None:
                    yield pb.InvokeIn(body_chunk=chunk)
                yield pb.InvokeIn(body_end=True)
            except BodyError as e:
                yield pb.InvokeIn(body_error=str(e))

        stub = self.stubs[placement.pick(inv.space_id, self.targets)]
        return stub.Invoke(requests(), timeout=inv.deadline_s + 10, wait_for_ready=True)
