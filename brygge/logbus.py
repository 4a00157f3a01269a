"""Space logs on NATS JetStream.

Executors publish one JSON entry per console line to `logs.<space id>`; the
`LOGS` stream (file storage, bounded per subject and by age) keeps them, and
the control plane reads history and follows live entries from it. Publishing is
fire-and-forget from the executor's point of view: logging never slows down or
fails a request.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig

from brygge import natsconn
from brygge.loopthread import LoopThread

STREAM = "LOGS"


def subject(space_id: str) -> str:
    return f"logs.{space_id}"


async def ensure_stream(js: Any, max_age_s: int, max_per_subject: int,
                        replicas: int = 1) -> None:
    cfg = StreamConfig(name=STREAM, subjects=["logs.>"], storage=StorageType.FILE,
                       retention=RetentionPolicy.LIMITS, discard=DiscardPolicy.OLD,
                       max_age=float(max_age_s), max_msgs_per_subject=max_per_subject, num_replicas=replicas)
    try:
        await js.add_stream(cfg)
    except Exception:
        await js.update_stream(cfg)


class LogPublisher:
    """Publishes from any thread through one asyncio loop running in a daemon thread.

    Entries are batched: each space's entries of the last `flush_s` go out as one
    message holding a JSON array, so a busy app costs one JetStream write (and one
    fsync) per flush instead of one per console line."""

    def __init__(self, url: str, flush_s: float = 0.05) -> None:
        self.url = url
        self.flush_s = flush_s
        self.dropped = 0
        self._nc: Any = None
        self._pending: dict[str, list[bytes]] = {}
        self._lock = threading.Lock()
        self._bridge = LoopThread("log-publisher")
        self._bridge.start(self._connect)
        self._bridge.ready.wait(10)

    async def _connect(self) -> None:
        try:
            self._nc = await natsconn.connect(self.url)
        except Exception:
            self._nc = None
        self._flush_task = asyncio.get_running_loop().create_task(self._flusher())

    async def _flusher(self) -> None:
        while True:
            await asyncio.sleep(self.flush_s)
            with self._lock:
                batch, self._pending = self._pending, {}
            for space_id, items in batch.items():
                try:
                    await self._nc.publish(subject(space_id), b"[" + b",".join(items) + b"]")
                except Exception:
                    self.dropped += len(items)

    def publish(self, space_id: str, entries: list[dict[str, Any]]) -> None:
        if self._nc is None or not entries:
            self.dropped += len(entries)
            return
        payloads = [json.dumps(e, ensure_ascii=False).encode() for e in entries]
        with self._lock:
            self._pending.setdefault(space_id, []).extend(payloads)


def entries_of(data: bytes) -> list[bytes]:
    """The JSON entries one LOGS message holds (a batch array, or one entry)."""
    if data[:1] == b"[":
        return [json.dumps(e, ensure_ascii=False).encode() for e in json.loads(data)]
    return [data]
