"""Queue administration (issue 6): status per topic, dead letters, re-drive, purge,
and the official CLI's `query --enqueue`. Reads and writes the JOBS/DEAD streams of
storage/queues.py through the control plane's JetStream context.

    GET  /v1/projects/{p}/spaces/{s}/queues         [{topic, queued, inFlight, dead, workers, timeout}]
    GET  /v1/projects/{p}/spaces/{s}/queues/dead    [{jobId, topic, attempts, error, died, payload, seq}]
    POST /v1/projects/{p}/spaces/{s}/queues/retry   {topic} | {all: true}   -> {retried}
    POST /v1/projects/{p}/spaces/{s}/queues/purge   {topic | all, dead}     -> {purged}
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request

from brygge import strictjson
from control_plane.api.auth import ADMIN
from control_plane.api.errors import ApiError
from control_plane.api.json_response import JSONResponse
from storage import queues as q
from storage import quota
from storage.enqueue import EnqueueStopped, OverQuota, PayloadTooLarge, enqueue_pages, queued_jobs
from storage.queues import job_headers

MAX_DEAD_LIST = 1000


def _js(cp: Any) -> Any:
    if cp.js is None:
        raise ApiError(503, "queues are not available: the control plane has no NATS")
    return cp.js


async def _subject_counts(js: Any, stream: str, prefix: str) -> dict[str, int]:
    """Messages per subject under `prefix` (JetStream's subjects_filter)."""
    info = await js.stream_info(stream, subjects_filter=prefix + ">")
    return dict(info.state.subjects or {})


async def _manifest(cp: Any, sp: dict[str, Any]) -> dict[str, Any]:
    if not sp.get("deployment"):
        return {}
    dep = next((d for d in await cp.catalog.deployments(sp["id"])
                if d.get("digest") == sp["deployment"]), None)
    return (dep or {}).get("manifest") or {}


async def status(cp: Any, sp: dict[str, Any]) -> list[dict[str, Any]]:
    js = _js(cp)
    sid = sp["id"]
    man = await _manifest(cp, sp)
    opts = man.get("workerOptions") or {}
    queued = await _subject_counts(js, q.JOBS_STREAM, f"jobs.{sid}.w.")
    dead = await _subject_counts(js, q.DEAD_STREAM, f"dead.{sid}.w.")
    topics = set(man.get("workers") or [])
    topics |= {q.untok(s.rsplit(".", 1)[1]) for s in (*queued, *dead)}
    out = []
    for topic in sorted(topics):
        in_flight = 0
        try:
            ci = await js.consumer_info(q.JOBS_STREAM, q.consumer_name(sid, "w", topic))
            in_flight = ci.num_ack_pending or 0
        except Exception:
            pass  # no worker has consumed this topic yet
        o = opts.get(topic) or {}
        total = queued.get(q.worker_subject(sid, topic), 0)
        out.append({"topic": topic, "queued": max(0, total - in_flight), "inFlight": in_flight,
                    "dead": dead.get(q.dead_subject(sid, topic), 0),
                    "workers": o.get("workers", 1) if topic in (man.get("workers") or [])
                    else 0, "timeout": o.get("timeout") or None})
    return out


def dead_row(m: Any) -> dict[str, Any]:
    """A dead letter as the admin API lists it; `sourceId` is the document a query job
    was made from (None for a plain enqueue)."""
    h = m.headers or {}
    try:
        payload = json.loads(m.data) if m.data else None
    except ValueError:
        payload = m.data.decode("utf-8", "replace")
    return {"jobId": h.get(q.H_JOB_ID, ""), "topic": h.get(q.H_TOPIC, ""),
            "attempts": int(h.get(q.H_ATTEMPTS, "0") or 0), "error": h.get(q.H_ERROR, ""),
            "died": h.get(q.H_DIED, ""), "payload": payload, "sourceId": q.source_id(h)}


async def dead_letters(cp: Any, sp: dict[str, Any], topic: str | None = None
                       ) -> AsyncIterator[dict[str, Any]]:
    js = _js(cp)
    subject = q.dead_subject(sp["id"], topic) if topic else f"dead.{sp['id']}.w.>"
    sub = await js.pull_subscribe(subject, stream=q.DEAD_STREAM)
    try:
        seen = 0
        while seen < MAX_DEAD_LIST:
            try:
                msgs = await sub.fetch(100, timeout=0.3)
            except Exception:
                return
            for m in msgs:
                seen += 1
                yield {**dead_row(m), "seq": m.metadata.sequence.stream,
                       "batch": (m.headers or {}).get(q.H_BATCH)}
                await m.ack()
    finally:
        await sub.unsubscribe()


async def retry(cp: Any, sp: dict[str, Any], topic: str | None) -> int:
    js = _js(cp)
    n = 0
    async for d in dead_letters(cp, sp, topic):
        h = job_headers(d["topic"], d["jobId"] or str(uuid.uuid4()), {})
        if d["sourceId"] is not None:  # a query job stays one: req.body._id is its source's
            h[q.H_SOURCE_ID] = q.source_id_header(d["sourceId"])
            if d["batch"]:
                h[q.H_BATCH] = d["batch"]
        await js.publish(q.worker_subject(sp["id"], d["topic"]),
                         json.dumps(d["payload"]).encode(), headers=h)
        await js.delete_msg(q.DEAD_STREAM, d["seq"])
        n += 1
    return n


async def purge(cp: Any, sp: dict[str, Any], topic: str | None, dead: bool) -> int:
    js = _js(cp)
    sid = sp["id"]
    if dead:
        subject = q.dead_subject(sid, topic) if topic else f"dead.{sid}.w.>"
        stream = q.DEAD_STREAM
    else:
        subject = q.worker_subject(sid, topic) if topic else f"jobs.{sid}.w.>"
        stream = q.JOBS_STREAM
    info = await js.stream_info(stream, subjects_filter=subject)
    before = sum((info.state.subjects or {}).values())
    await js.purge_stream(stream, subject=subject)
    return before


async def enqueue_documents(cp: Any, sid: str, topic: str, docs: AsyncIterator[list[Any]]
                            ) -> dict[str, Any]:
    """`coho query --enqueue <topic>`: every matching document becomes a job."""
    js = _js(cp)
    if not isinstance(topic, str) or not topic or len(topic) > 200:
        raise ApiError(400, "x-options.enqueue must name a topic (a non-empty string)")
    st = await cp.storage.call(sid, "quota.get", {})  # the project's jobs_queued quota
    limit = (st.get("limits") or {}).get("jobs_queued") or 0
    used = await queued_jobs(js, st.get("spaces") or [sid]) if limit else 0
    if limit and used >= limit:
        raise quota.exceeded("jobs_queued", used, limit, st["project"])
    try:
        return await enqueue_pages(js, sid, topic, docs,
                                   lambda job_id: job_headers(topic, job_id, {}),
                                   cp.s.queue_publish_batch, room=limit - used if limit else None)
    except EnqueueStopped as e:  # the jobs of the batches before it stay queued
        if isinstance(e.cause, OverQuota):
            raise quota.exceeded("jobs_queued", used + e.count, limit, st["project"],
                                 f"; {e.count} jobs were queued before the quota was "
                                 "reached") from None
        status = 413 if isinstance(e.cause, PayloadTooLarge) else 503
        raise ApiError(status, f"enqueue stopped after {e.count} jobs: {e}") from None


def router(cp: Any) -> APIRouter:
    r = APIRouter(dependencies=ADMIN)
    prefix = "/v1/projects/{project}/spaces/{space}/queues"

    async def guarded(request: Request, project: str, space: str, fn: Any) -> Any:
        sp = await cp.catalog.space(project, space)
        return JSONResponse(await fn(sp))

    async def body(request: Request) -> dict[str, Any]:
        try:
            b = strictjson.loads(await request.body())
        except ValueError as e:
            raise ApiError(400, f"the body must be JSON, e.g. {{\"topic\": \"emails\"}}: {e}") \
                from None
        if not isinstance(b, dict):
            raise ApiError(400, "the body must be a JSON object")
        return b

    @r.get(prefix)
    async def get_status(project: str, space: str, request: Request) -> Any:
        return await guarded(request, project, space, lambda sp: status(cp, sp))

    @r.get(prefix + "/dead")
    async def get_dead(project: str, space: str, request: Request) -> Any:
        async def go(sp: dict[str, Any]) -> list[dict[str, Any]]:
            # listing must not consume: read with an ephemeral consumer, ack nothing
            out = []
            js = _js(cp)
            sub = await js.subscribe(f"dead.{sp['id']}.w.>", stream=q.DEAD_STREAM,
                                     ordered_consumer=True)
            try:
                info = await js.stream_info(q.DEAD_STREAM, subjects_filter=f"dead.{sp['id']}.w.>")
                want = min(sum((info.state.subjects or {}).values()), MAX_DEAD_LIST)
                while len(out) < want:
                    out.append(dead_row(await sub.next_msg(timeout=2)))
            finally:
                await sub.unsubscribe()
            return out
        return await guarded(request, project, space, go)

    @r.post(prefix + "/retry")
    async def post_retry(project: str, space: str, request: Request) -> Any:
        async def go(sp: dict[str, Any]) -> dict[str, int]:
            b = await body(request)
            return {"retried": await retry(cp, sp, None if b.get("all") else _topic(b))}
        return await guarded(request, project, space, go)

    @r.post(prefix + "/purge")
    async def post_purge(project: str, space: str, request: Request) -> Any:
        async def go(sp: dict[str, Any]) -> dict[str, int]:
            b = await body(request)
            return {"purged": await purge(cp, sp, None if b.get("all") else _topic(b),
                                          bool(b.get("dead")))}
        return await guarded(request, project, space, go)

    return r


def _topic(b: dict[str, Any]) -> str:
    t = b.get("topic")
    if not isinstance(t, str) or not t:
        raise ApiError(400, "name a topic ({\"topic\": \"emails\"}) or {\"all\": true}")
    return t
