"""Enqueueing jobs from invocation threads (host ops `queue.enqueue` and
`queue.enqueueFromQuery`) onto the JOBS stream (layout: storage/queues.py).

One asyncio loop in a daemon thread owns the NATS connection; invocation threads
block on `enqueue` until JetStream acknowledged the message, i.e. fsynced it
(`sync_interval: always`), so an enqueue the app saw succeed is never lost.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

from brygge import natsconn
from brygge.loopthread import LoopThread
from storage import queues as q
from storage import realtime as rt
from storage.enqueue import (
    EnqueueError,
    EnqueueStopped,
    OverQuota,
    check_size,
    enqueue_pages,
    queued_jobs,
)
from storage.queues import QueueError, job_headers


def run_at(options: dict[str, Any]) -> datetime | None:
    """A future time from options.runAt (ISO string), else None (run now)."""
    v = options.get("runAt")
    if v in (None, ""):
        return None
    try:
        when = datetime.fromisoformat(str(v).replace("Z", "+00:00"))
    except ValueError:
        raise QueueError(f"runAt {v!r} is not an ISO date") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when if when > datetime.now(UTC) else None


class JobPublisher:
    def __init__(self, url: str, settings: Any) -> None:
        self.url = url
        self.settings = settings
        self._js: Any = None
        self._error = ""
        self._bridge = LoopThread("job-publisher")
        self._bridge.start(self._connect)

    async def _connect(self) -> None:
        try:
            nc = await natsconn.connect(self.url)
            self._js = nc.jetstream()
            await q.ensure_streams(self._js, self.settings)
            await rt.ensure_stream(self._js, self.settings)
        except Exception as e:
            self._error = str(e)

    def _submit(self, coro: Any, timeout: float | None = 30) -> Any:
        self._bridge.ready.wait(15)
        if self._js is None:
            coro.close()
            raise QueueError(f"queues are not reachable: {self._error or 'not connected'}")
        return self._bridge.submit(coro).result(timeout)

    async def _publish(self, sid: str, topic: str, payload: Any,
                       options: dict[str, Any], job_id: str) -> None:
        headers = job_headers(topic, job_id, options)
        key = options.get("idempotencyKey")
        if key not in (None, ""):
            headers[q.H_MSG_ID] = f"{sid}:{topic}:{key}"
        data = json.dumps(payload).encode()
        self._check_size(data)
        when = run_at(options)
        if when is None:
            await self._js.publish(q.worker_subject(sid, topic), data, headers=headers)
        else:  # NATS fires it into the worker's subject at that time (durable)
            headers[q.H_SCHEDULE] = "@at " + when.strftime("%Y-%m-%dT%H:%M:%SZ")
            headers[q.H_SCHEDULE_TARGET] = q.worker_subject(sid, topic)
            await self._js.publish(q.at_schedule_subject(sid, job_id), data, headers=headers)

    def _check_size(self, data: bytes) -> None:
        try:
            check_size(self._js, data)
        except EnqueueError as e:
            raise QueueError(str(e)) from None

    def enqueue(self, sid: str, topic: str, payload: Any, options: dict[str, Any]
                ) -> dict[str, Any]:
        check_topic(topic)
        job_id = str(uuid.uuid4())
        self._submit(self._publish(sid, topic, payload, options or {}, job_id))
        return {"_id": job_id, "jobId": job_id, "topic": topic}

    def count_queued(self, sids: list[str]) -> int:
        """Jobs queued in these spaces (the jobs_queued quota, sandbox/job_quota.py)."""
        return int(self._submit(queued_jobs(self._js, sids)))

    def enqueue_many(self, sid: str, topic: str, pages: Callable[[], Any],
                     options: dict[str, Any], drop_id: bool = False,
                     room: int | None = None) -> dict[str, Any]:
        """Every payload `pages()` yields (lists of documents), as atomic batches
        (storage/enqueue.py; `drop_id` and `room` there). `pages` reads storage with
        blocking calls: each page is fetched in a worker thread, off the publisher's
        loop. EnqueueStopped (cause OverQuota) when `room` runs out."""
        check_topic(topic)
        opts = options or {}

        async def pages_off_loop() -> AsyncIterator[list[Any]]:
            it = iter(pages())
            while (docs := await asyncio.to_thread(next, it, None)) is not None:
                yield docs

        async def go() -> dict[str, Any]:
            return await enqueue_pages(self._js, sid, topic, pages_off_loop(),
                                       lambda job_id: job_headers(topic, job_id, opts),
                                       self.settings.queue_publish_batch, drop_id, room)
        try:  # no overall timeout: each batch's commit waits at most 30 s
            return dict(self._submit(go(), timeout=None))
        except EnqueueStopped as e:
            if isinstance(e.cause, OverQuota):
                raise
            raise QueueError(f"enqueueFromQuery stopped after {e.count} jobs: {e}") from None

    def publish_event(self, sid: str, channel: str, body: bytes) -> int:
        """realtime.publishEvent: one event on the space's channel (storage/realtime.py);
        returns its stream sequence, the event's id."""
        async def go() -> int:
            ack = await self._js.publish(rt.subject(sid, channel), body, stream=rt.STREAM)
            return int(ack.seq)
        return int(self._submit(go()))


def check_topic(topic: Any) -> None:
    if not isinstance(topic, str) or not topic or len(topic) > 200:
        raise QueueError("a queue topic must be a non-empty string of at most 200 characters")
