"""The router process.

    python -m router.server --storage unix:PATH --executor unix:PATH --nats URL --admin-url URL
"""

from __future__ import annotations

import argparse
import logging
import socket

import uvicorn

from brygge.executor_api import Executor, ExecutorFactory
from brygge.settings import Settings
from router import http_protocol
from router.app import Router
from router.executor_client import GrpcExecutors


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--storage", required=True)
    ap.add_argument("--executor", action="append", default=[])
    ap.add_argument("--nats", default="")
    ap.add_argument("--admin-url", required=True)
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s router %(levelname)s %(message)s")
    s = Settings.from_env()
    router = Router(s, a.storage, a.nats, a.admin_url,
                    executor_factory(s, a.storage, a.executor, a.nats))
    config = uvicorn.Config(router, log_level="warning", access_log=False, lifespan="on",
                            # httptools, answering unparseable requests and long URLs in
                            # the platform's JSON shape (router/http_protocol.py)
                            http=http_protocol.protocol_class(s.max_url_bytes), loop="uvloop",
                            proxy_headers=False,  # X-Forwarded-* are ours (storage/admission.py)
                            limit_concurrency=None, h11_max_incomplete_event_size=64 * 1024,
                            timeout_keep_alive=int(s.keep_alive_s))
    uvicorn.Server(config).run(sockets=[listen_socket(s.host, s.http_port)])


def executor_factory(s: Settings, storage_target: str, executor_targets: list[str],
                     nats_url: str) -> ExecutorFactory:
    """The executor this router process invokes apps on: the sandbox in this very process
    (executor_transport=inprocess) or the executor processes over gRPC."""

    def make() -> Executor:
        if s.executor_transport == "inprocess":
            from sandbox.local import InProcessExecutor  # the gRPC transport never loads it
            return InProcessExecutor(s, storage_target, nats_url)
        return GrpcExecutors(executor_targets)

    return make


def listen_socket(host: str, port: int) -> socket.socket:
    """The HTTP listening socket, shared by every router process of the node
    (SO_REUSEPORT: the kernel spreads connections over them)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


if __name__ == "__main__":
    main()
