"""Queues, cron and scheduled runs on NATS JetStream: the stream layout.

One stream, `JOBS` (file storage, work-queue retention, message schedules on), holds
every space's background work; `DEAD` keeps dead letters. Subjects:

    jobs.<sid>.w.<tok(topic)>    a job for the worker `topic` of space <sid>
    jobs.<sid>.c.<tok(cronkey)>  one run of the cron job `cronkey` (its expression)
    sched.<sid>.c.<tok(cronkey)> the cron schedule (`Nats-Schedule: <6-field cron>`,
                                 target the jobs.<sid>.c subject); NATS fires it
    sched.<sid>.at.<job id>      a one-off run (`Nats-Schedule: @at <RFC 3339>`, target
                                 the worker's jobs subject): schedule.runAt
    dead.<sid>.w.<tok(topic)>    (stream DEAD) a job that used up its retries

`tok` is the name in unpadded base64url, so any topic or cron expression fits in
one subject token (and in a consumer name) and can be read back.

The stream's leader fires schedules, so in a cluster each tick fires once without
a scheduler of our own; ticks missed while NATS was down are not fired by NATS
(see `missed_ticks` in brygge/settings.py for what Brygge does about them).

Job messages carry the payload as JSON and these headers:
"""

from __future__ import annotations

import base64
import json
from typing import Any

from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig

from brygge.clock import now_iso

JOBS_STREAM = "JOBS"
DEAD_STREAM = "DEAD"

# Headers of job messages (and of the schedule messages that produce them).
H_JOB_ID = "Brygge-Job-Id"            # uuid4 of the job (the worker's req.body.jobId)
H_TOPIC = "Brygge-Topic"              # worker topic, readable
H_CRON = "Brygge-Cron"                # cron job key (its expression), on cron runs
H_CRON_NEXT = "Brygge-Cron-Next"      # next tick (ISO) of a run not fired by NATS
H_CRON_TICK = "Brygge-Cron-Tick"      # the missed tick (ISO) a catch-up run stands for
H_BATCH_ID = "Nats-Batch-Id"          # JetStream atomic batch publish (ADR-50)
H_BATCH_SEQ = "Nats-Batch-Sequence"
H_BATCH_COMMIT = "Nats-Batch-Commit"
H_ENQUEUED = "Brygge-Enqueued"        # ISO time of the enqueue
H_RETRIES = "Brygge-Retries"          # retries after the first attempt (int)
H_RETRY_DELAY_MS = "Brygge-Retry-Delay-Ms"  # first backoff delay; doubles per attempt
H_TIMEOUT_MS = "Brygge-Timeout-Ms"    # one attempt's wall-clock budget
H_BATCH = "Brygge-Batch"              # enqueueFromQuery's batch job id
H_SOURCE_ID = "Brygge-Source-Id"      # a query job's source document _id (JSON): body._id
H_ERROR = "Brygge-Error"              # on dead letters: the last attempt's error
H_ATTEMPTS = "Brygge-Attempts"        # on dead letters: how many attempts ran
H_DIED = "Brygge-Died"                # on dead letters: ISO time
H_MSG_ID = "Nats-Msg-Id"              # idempotency key: duplicates within the window drop
H_SCHEDULE = "Nats-Schedule"
H_SCHEDULE_TARGET = "Nats-Schedule-Target"


# The job message's wire format: the app path (sandbox/jobs.py) and the admin path
# (control_plane/api/queues.py) both build it here.
class QueueError(Exception):
    """An enqueue that cannot be done (bad options, NATS unreachable)."""


def job_headers(topic: str, job_id: str, options: dict[str, Any]) -> dict[str, str]:
    """The job message's headers from enqueue options {retries, retryDelay, timeout,
    idempotencyKey} (others, e.g. workers, are the worker's business)."""
    h = {H_JOB_ID: job_id, H_TOPIC: topic, H_ENQUEUED: now_iso()}
    for key, header in (("retries", H_RETRIES), ("retryDelay", H_RETRY_DELAY_MS),
                        ("timeout", H_TIMEOUT_MS)):
        v = options.get(key)
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 or v > 10**9:
            raise QueueError(f"enqueue option {key} must be a number >= 0, not {v!r}")
        h[header] = str(int(v))
    return h


def source_id_header(doc_id: Any) -> str:
    """The source document's _id as a header value: JSON with every non-ASCII and control
    character escaped, so no _id can end the header line or add a header."""
    return json.dumps(doc_id)


def source_id(headers: dict[str, str] | None) -> Any:
    """The _id a query job was made from (its worker's req.body._id), or None."""
    raw = (headers or {}).get(H_SOURCE_ID)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def tok(name: str) -> str:
    """A topic or cron key as one subject token: unpadded base64url of its UTF-8."""
    return base64.urlsafe_b64encode(name.encode("utf-8")).decode().rstrip("=")


def cronrun_key(sid: str, expr: str) -> str:
    """System key of a cron job's last run: the executor's dispatcher and the control plane
    both read it, so it lives below both."""
    return f"cronrun/{sid}/{tok(expr)}"


def untok(token: str) -> str:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("utf-8")


def worker_subject(sid: str, topic: str) -> str:
    return f"jobs.{sid}.w.{tok(topic)}"


def cron_subject(sid: str, cronkey: str) -> str:
    return f"jobs.{sid}.c.{tok(cronkey)}"


def cron_schedule_subject(sid: str, cronkey: str) -> str:
    return f"sched.{sid}.c.{tok(cronkey)}"


def at_schedule_subject(sid: str, job_id: str) -> str:
    return f"sched.{sid}.at.{job_id}"


def dead_subject(sid: str, topic: str) -> str:
    return f"dead.{sid}.w.{tok(topic)}"


def consumer_name(sid: str, kind: str, name: str) -> str:
    """Durable consumer of one worker topic (kind "w") or cron job ("c") of a space;
    shared by every dispatcher of the cluster, so `workers` bounds concurrency
    cluster-wide (max_ack_pending)."""
    return f"{kind}_{sid}_{tok(name)}"


def six_field_cron(expr: str) -> str:
    """codehooks crons have 5 fields or 6 (leading seconds); NATS schedules take 6."""
    fields = expr.split()
    return " ".join(["0", *fields]) if len(fields) == 5 else " ".join(fields)


async def ensure_streams(js: Any, settings: Any) -> None:
    """Create (or bring up to date) the JOBS and DEAD streams; idempotent, so every
    process that publishes or consumes jobs calls it at start."""
    jobs = StreamConfig(name=JOBS_STREAM, subjects=["jobs.>", "sched.>"],
                        storage=StorageType.FILE, retention=RetentionPolicy.WORK_QUEUE,
                        duplicate_window=float(settings.queue_dedupe_window_s),
                        allow_msg_schedules=True, allow_atomic=True,
                        num_replicas=settings.nats_replicas)
    dead = StreamConfig(name=DEAD_STREAM, subjects=["dead.>"], storage=StorageType.FILE,
                        retention=RetentionPolicy.LIMITS, discard=DiscardPolicy.OLD,
                        max_age=float(settings.dead_letter_max_age_s),
                        num_replicas=settings.nats_replicas)
    for cfg in (jobs, dead):
        try:
            await js.add_stream(cfg)
        except Exception:
            await js.update_stream(cfg)
