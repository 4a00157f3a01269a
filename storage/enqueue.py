"""Enqueue-from-query, one implementation for the app (`conn.enqueueFromQuery`,
sandbox/jobs.py) and the admin (`coho query --enqueue`, control_plane/api/queues.py):
every document of the query's pages becomes a job of one topic, published as JetStream
atomic batches (ADR-50: Nats-Batch-Id / -Sequence / -Commit; the JOBS stream has
allow_atomic) of up to `queue_publish_batch` jobs. One acknowledgement and one fsync per
batch instead of per job (with `sync_interval: always` the server fsyncs each message it
stores: ~2,300 jobs/s on this machine; batches of 500 ~20,000). A batch is stored whole
or not at all, so the count a caller gets back is exact when a later batch fails.

A job made from a document carries the document's `_id` in `Brygge-Source-Id`: the worker's
`req.body._id`, as the official local server gives it (apps update the source document by
it), even when the caller's projection leaves `_id` out of the payload."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from storage import queues as q


class EnqueueError(Exception):
    """A job or a batch the queue does not take (too large, refused, unconfirmed)."""


class PayloadTooLarge(EnqueueError):
    """A job larger than NATS's max_payload: the caller's data, not the queue, is at fault."""


class OverQuota(EnqueueError):
    """The project's jobs_queued quota has no room for the next batch (storage/quota.py)."""


class EnqueueStopped(Exception):
    """A batch failed after `count` jobs were queued (in whole batches before it);
    `cause` is the batch's EnqueueError."""

    def __init__(self, count: int, cause: EnqueueError) -> None:
        super().__init__(str(cause))
        self.count = count
        self.cause = cause


async def queued_jobs(js: Any, sids: list[str]) -> int:
    """Jobs waiting or running in the spaces `sids` (a project's): worker subjects and
    one-off `runAt` schedules of the JOBS stream, counted by JetStream per subject."""
    n = 0
    for sid in sids:
        for subjects in (f"jobs.{sid}.w.>", f"sched.{sid}.at.>"):
            info = await js.stream_info(q.JOBS_STREAM, subjects_filter=subjects)
            n += sum((info.state.subjects or {}).values())
    return n


def check_size(js: Any, data: bytes, extra: int = 0) -> None:
    # NATS refuses messages above its max_payload (1 MiB by default); the fixed headers
    # of a job take well under 2 KiB, `extra` is the size of the variable ones
    limit = int(getattr(js._nc, "max_payload", 0) or 1024 * 1024) - 2048 - extra
    if len(data) > limit:
        raise PayloadTooLarge(f"a job payload of {len(data)} bytes is larger than the queue "
                           f"accepts ({limit} bytes); store the data and enqueue its id")


async def publish_atomic(js: Any, subject: str, msgs: list[tuple[bytes, dict[str, str]]]
                         ) -> None:
    """One JetStream atomic batch: only the commit carries a reply subject; the server
    answers it once the whole batch is stored, or with an error and none of it."""
    nc = js._nc  # nats-py has no batch API yet; the headers are the protocol
    for data, h in msgs:  # before any of the batch goes out
        check_size(js, data, len(h.get(q.H_SOURCE_ID, "")))
    bid = uuid.uuid4().hex
    last = len(msgs) - 1
    try:
        for n, (data, h) in enumerate(msgs):
            h = {**h, q.H_BATCH_ID: bid, q.H_BATCH_SEQ: str(n + 1)}
            if n < last:
                await nc.publish(subject, data, headers=h)
                continue
            h[q.H_BATCH_COMMIT] = "1"
            resp = await nc.request(subject, data, timeout=30, headers=h)
        answer = json.loads(resp.data or b"{}")
    except Exception as e:  # a closed connection, a timeout (NATS restarting): the
        # server drops an uncommitted batch; a lost commit ack leaves it unknown
        raise EnqueueError(f"the queue did not confirm a batch of {len(msgs)} jobs "
                           f"({type(e).__name__})") from None
    if answer.get("error") or answer.get("count") != len(msgs):
        err = answer.get("error") or {}
        raise EnqueueError(f"the queue refused a batch of {len(msgs)} jobs: "
                           f"{err.get('description') or answer}")


def projection_keeping_id(options: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """getMany options whose projection keeps `_id` (the source id of each job), and
    whether the payloads must drop it again (the caller's projection left it out)."""
    hints = options.get("hints")
    if not isinstance(hints, dict):
        return options, False
    for key in ("$fields", "fields", "projection"):  # the one storage/datastore.py reads
        fields = hints.get(key)
        if fields is None:
            continue
        if not isinstance(fields, dict) or fields.get("_id", 1) not in (0, False):
            return options, False
        kept = {k: v for k, v in fields.items() if k != "_id"}
        return {**options, "hints": {**hints, key: kept}}, True
    return options, False


async def enqueue_pages(js: Any, sid: str, topic: str, pages: AsyncIterator[list[Any]],
                        headers: Callable[[str], dict[str, str]], batch_size: int,
                        drop_id: bool = False, room: int | None = None) -> dict[str, Any]:
    """Every document `pages` yields as a job of `topic` in space `sid`; `headers(job_id)`
    gives a job's headers (the caller's job header format and options); `drop_id`: the
    payload is the document without its `_id` (projection_keeping_id). Returns
    {count, jobId: the batch id every job carries in Brygge-Batch}; EnqueueStopped when
    a batch fails (errors of `pages` or `headers` pass through as they are), also when
    the next batch would take the jobs past `room` (the project's jobs_queued quota:
    cause OverQuota)."""
    batch = str(uuid.uuid4())
    subject = q.worker_subject(sid, topic)
    size = max(1, int(batch_size))
    count = 0
    async for docs in pages:
        for i in range(0, len(docs), size):
            msgs = []
            for d in docs[i:i + size]:
                h = headers(str(uuid.uuid4()))
                h[q.H_BATCH] = batch
                if isinstance(d, dict) and "_id" in d:
                    h[q.H_SOURCE_ID] = q.source_id_header(d["_id"])
                    if drop_id:
                        d = {k: v for k, v in d.items() if k != "_id"}
                msgs.append((json.dumps(d).encode(), h))
            if room is not None and count + len(msgs) > room:
                raise EnqueueStopped(count, OverQuota(
                    f"the jobs_queued quota has room for {room - count} more jobs, not "
                    f"{len(msgs)}"))
            try:
                await publish_atomic(js, subject, msgs)
            except EnqueueError as e:
                raise EnqueueStopped(count, e) from None
            count += len(msgs)
    return {"count": count, "jobId": batch}
