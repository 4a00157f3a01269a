"""The storage service process: serves proto Storage over gRPC on a Unix socket, and
the same calls framed on a second socket for executor threads (storage/wire.py).

    python -m storage.server --socket PATH --db PATH
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
from concurrent import futures

import grpc

from brygge.settings import Settings
from proto import brygge_pb2 as pb
from proto import brygge_pb2_grpc as pbg
from storage.engine import Engine, StorageError
from storage.wire import WireServer, wire_path

log = logging.getLogger("brygge.storage")


class StorageService(pbg.StorageServicer):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def Call(self, request: pb.StorageCall, context: grpc.ServicerContext) -> pb.StorageReply:
        return self.reply(request)

    def reply(self, request: pb.StorageCall) -> pb.StorageReply:
        try:
            return pb.StorageReply(payload=self.engine.call(request.space, request.op,
                                                            request.payload))
        except StorageError as e:
            return pb.StorageReply(error=str(e), error_name=e.name)
        except Exception as e:  # a bug must not kill the process; the caller gets a 500
            log.exception("storage op %s failed", request.op)
            return pb.StorageReply(error=f"internal storage error: {e}", error_name="Internal")


def serve(socket_path: str, db_path: str, settings: Settings) -> None:
    from storage import query
    query.REGEX_TIMEOUT_S = settings.regex_timeout_s
    engine = Engine(db_path, sync=settings.storage_sync, page_size=settings.page_size,
                    max_doc_bytes=settings.max_doc_bytes, sort_limit=settings.sort_limit_docs,
                    max_file_bytes=settings.max_file_bytes,
                    file_quota_bytes=settings.space_file_quota_bytes,
                    max_doc_depth=settings.max_doc_depth,
                    max_blob_bytes=settings.max_blob_bytes, plans=settings.plans,
                    default_plan=settings.default_plan)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32),
                         options=[("grpc.max_receive_message_length", 1 << 30),
                                  ("grpc.max_send_message_length", 1 << 30)])
    service = StorageService(engine)
    pbg.add_StorageServicer_to_server(service, server)
    if os.path.exists(socket_path):
        os.unlink(socket_path)
    # The same service on the lean framed socket (storage/wire.py) for executor threads.
    wire = WireServer(wire_path(socket_path), service.reply)
    wire.start()
    server.add_insecure_port(f"unix:{socket_path}")
    server.start()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print("storage ready", flush=True)

    def reclaim() -> None:  # expired key-value entries are removed in the background
        while not stop.wait(settings.kv_reclaim_interval_s):
            try:
                while engine.kv.reclaim_expired() >= 10_000:
                    pass
            except Exception:
                log.exception("reclaiming expired keys failed")

    threading.Thread(target=reclaim, name="kv-reclaim", daemon=True).start()
    stop.wait()
    wire.close()
    server.stop(grace=2).wait()
    engine.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--db", required=True)
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s storage %(levelname)s %(message)s")
    serve(a.socket, a.db, Settings.from_env())


if __name__ == "__main__":
    main()
