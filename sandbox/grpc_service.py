"""The executor process's gRPC server, on asyncio: an Invoke stream holds no thread
while its invocation waits for an instance of its space (sandbox/sched.py) or for
the router to take more of its response (sandbox/outbox.py; gRPC's flow control
carries the router's backpressure here). Validate evaluates apps: on a small pool
of its own threads, never on the event loop."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from concurrent import futures
from typing import Any

import grpc
import grpc.aio

from brygge import __version__
from brygge.settings import Settings
from proto import brygge_pb2 as pb
from proto import brygge_pb2_grpc as pbg
from sandbox.body import BodyReadError
from sandbox.executor import Executor


class ExecutorService(pbg.ExecutorServicer):
    def __init__(self, executor: Executor, validators: futures.ThreadPoolExecutor) -> None:
        self.ex = executor
        self.validators = validators

    async def Invoke(self, request_iterator: Any, context: grpc.aio.ServicerContext
                     ) -> AsyncIterator[pb.InvokeOut]:
        first = await context.read()
        if first is grpc.aio.EOF or not first.HasField("start"):
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "first message must be start")
        inv = first.start

        async def pull() -> bytes | None:
            """The next piece of the request body (InvokeIn after `start`)."""
            m = await context.read()
            if m is grpc.aio.EOF:
                raise BodyReadError("the request body broke off")
            part = m.WhichOneof("part")
            if part == "body_chunk":
                return bytes(m.body_chunk)
            if part == "body_error":
                raise BodyReadError(m.body_error)
            return None  # body_end

        async for out in self.ex.invoke(inv, pull if inv.http.body_follows else None):
            yield out

    async def Validate(self, request: pb.ValidateRequest, context: grpc.aio.ServicerContext
                       ) -> pb.ValidateReply:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.validators, self.ex.validate, request)

    async def Health(self, request: pb.HealthRequest, context: grpc.aio.ServicerContext
                     ) -> pb.HealthReply:
        return pb.HealthReply(component="executor", pid=os.getpid(), version=__version__)


async def serve_grpc(executor: Executor, socket_path: str, settings: Settings) -> None:
    server = grpc.aio.server(options=[("grpc.max_receive_message_length", 1 << 30),
                                      ("grpc.max_send_message_length", 1 << 30)])
    validators = futures.ThreadPoolExecutor(max_workers=max(2, settings.executor_threads // 4),
                                            thread_name_prefix="validate")
    pbg.add_ExecutorServicer_to_server(ExecutorService(executor, validators), server)
    if os.path.exists(socket_path):
        os.unlink(socket_path)
    server.add_insecure_port(f"unix:{socket_path}")
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("executor ready", flush=True)
    await stop.wait()
    await server.stop(grace=1)
