"""The executor process: the executor core (sandbox/executor.py) served over gRPC
(sandbox/grpc_service.py), with the dispatcher of queued jobs and cron runs.

    python -m sandbox.server --socket PATH --storage unix:PATH --nats URL
"""

from __future__ import annotations

import argparse
import asyncio
import logging

from brygge.logbus import LogPublisher
from brygge.settings import Settings
from sandbox import jobs
from sandbox.executor import Executor
from sandbox.grpc_service import serve_grpc
from storage.client import StorageClient


def serve(socket_path: str, storage_target: str, nats_url: str, settings: Settings) -> None:
    storage = StorageClient(storage_target, settings.storage_transport == "wire")
    logs = LogPublisher(nats_url) if nats_url else None
    publisher = jobs.JobPublisher(nats_url, settings) if nats_url else None
    executor = Executor(settings, storage, logs, publisher)
    if nats_url:  # background work (queues, cron) runs here, off the HTTP path
        from sandbox.dispatcher import Dispatcher
        Dispatcher(executor, settings, storage_target, nats_url).start()
    asyncio.run(serve_grpc(executor, socket_path, settings))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--storage", required=True)
    ap.add_argument("--nats", default="")
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s executor %(levelname)s %(message)s")
    serve(a.socket, a.storage, a.nats, Settings.from_env())


if __name__ == "__main__":
    main()
