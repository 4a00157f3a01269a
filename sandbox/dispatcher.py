"""Runs queued jobs and cron runs: one dispatcher per executor process.

It learns each space's workers and cron jobs from the active deployment's manifest
(the catalog, refreshed at start, on `brygge.events.space.*` and every
`dispatch_refresh_s`), keeps one durable pull consumer per (space, topic) and per
(space, cron job) on the JOBS stream (storage/queues.py), and pulls them round robin
in small batches, so a space that floods its queues takes turns with the others
instead of starving them. Consumers are shared by every dispatcher of a cluster:
`max_ack_pending = workers` bounds a topic's concurrency cluster-wide.

The jobs of one topic fetched in one turn run as one invocation (Executor.run_jobs:
one after the other in one instance, each with its own budgets, outcome and log lines)
while the topic's jobs are short (`job_batch_max_ms`); a batch of N counts as N of the
topic's workers and of the process's in-flight jobs. Slower topics get one invocation
per job, run concurrently.

A job that throws, answers with status >= 500 or outlives its timeout is NAKed with
exponential backoff (retryDelay * 2^(attempt-1)) while attempts <= retries; then it
is published to DEAD with its last error (deduplicated by job id) and acknowledged.
Cron runs are not retried; their outcome is recorded for `brygge jobs`. A cron job's
runs never overlap, and ticks that fired during a run coalesce into one run after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from concurrent import futures
from datetime import UTC, datetime
from typing import Any

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from brygge import events, natsconn
from brygge.clock import now_iso
from brygge.loopthread import LoopThread
from storage import queues as q
from storage.catalog import Catalog
from storage.client import AsyncStorageClient
from storage.queues import cronrun_key

log = logging.getLogger("brygge.dispatcher")


def _tick_next(h: dict[str, str]) -> str:
    """Which tick a cron firing runs, as the time of the tick after it: NATS stamps it
    on what it fires; a catch-up run carries the same for its tick; '' for a run by hand."""
    return h.get("Nats-Schedule-Next") or (h.get(q.H_CRON_NEXT, "") if h.get(q.H_CRON_TICK)
                                           else "")


def _epoch(text: str) -> float | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def backoff_s(attempt: int, first_ms: float, cap_s: float) -> float:
    """Delay before attempt+1: first_ms, doubled per attempt, capped."""
    return min(cap_s, first_ms / 1000 * (2 ** max(0, attempt - 1)))


class Dispatcher:
    def __init__(self, executor: Any, settings: Any, storage_target: str, nats_url: str) -> None:
        self.ex = executor
        self.s = settings
        self.storage_target = storage_target
        self.nats_url = nats_url
        self.pool = futures.ThreadPoolExecutor(max_workers=settings.dispatch_max_in_flight,
                                               thread_name_prefix="job")
        self.slots: asyncio.Semaphore | None = None  # FIFO: fair turns (made in the loop)
        self.subs: dict[str, dict[str, Any]] = {}  # consumer name -> {sub, sid, kind, ...}
        self.bridge = LoopThread("dispatcher")
        self.loop = self.bridge.loop
        self.changed = asyncio.Event()
        self.tasks: set[asyncio.Task[Any]] = set()  # kept referenced until done

    def start(self) -> None:
        self.bridge.start(self._main)  # _main never returns: its tasks do the work

    async def _main(self) -> None:
        self.nc = await natsconn.connect(self.nats_url)
        self.js = self.nc.jetstream()
        self.slots = asyncio.Semaphore(self.s.dispatch_max_in_flight)
        await q.ensure_streams(self.js, self.s)
        self.storage = AsyncStorageClient(self.storage_target)
        self.catalog = Catalog(self.storage)

        async def on_change(msg: Any) -> None:
            self.changed.set()

        await self.nc.subscribe(f"{events.SPACE_CHANGED}.*", cb=on_change)
        self.tasks.add(asyncio.create_task(self._refresher()))
        await asyncio.Event().wait()  # consumer tasks do the work

    # -- what to consume ----------------------------------------------------------------
    async def _refresher(self) -> None:
        while True:
            try:
                await self._refresh()
            except Exception as e:  # storage or NATS restarting: next round
                log.warning("dispatcher refresh failed: %s", e)
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), self.s.dispatch_refresh_s)

    async def _refresh(self) -> None:
        want: dict[str, dict[str, Any]] = {}
        for sp in await self.catalog.all_spaces():
            digest = sp.get("deployment")
            if not digest or sp.get("suspended"):
                continue  # a suspended project's jobs wait in the stream for its resume
            dep = next((d for d in await self.catalog.deployments(sp["id"])
                        if d.get("digest") == digest), None)
            man = (dep or {}).get("manifest") or {}
            opts = man.get("workerOptions") or {}
            base = {"sid": sp["id"], "digest": digest, "env": sp.get("env") or {}}
            for topic in man.get("workers") or []:
                o = opts.get(topic) or {}
                workers = max(1, min(int(o.get("workers") or 1), 1000))
                timeout = float(o.get("timeout") or 0) / 1000 or self.s.queue_timeout_s
                want[q.consumer_name(sp["id"], "w", topic)] = {
                    **base, "kind": "worker", "name": topic, "workers": workers,
                    "timeout": timeout, "subject": q.worker_subject(sp["id"], topic)}
            for cron in man.get("jobs") or []:
                want[q.consumer_name(sp["id"], "c", cron)] = {
                    **base, "kind": "cron", "name": cron, "workers": 1,
                    "timeout": self.s.queue_timeout_s, "subject": q.cron_subject(sp["id"], cron)}
        for name in [n for n in self.subs if n not in want]:
            with contextlib.suppress(Exception):
                gone = self.subs.pop(name)
                gone["task"].cancel()
                await gone["sub"].unsubscribe()
        for name, w in want.items():
            cur = self.subs.get(name)
            if cur and all(cur[k] == w[k] for k in ("digest", "env", "workers", "timeout")):
                continue
            if cur is None:
                cfg = ConsumerConfig(durable_name=name, filter_subject=w["subject"],
                                     ack_policy=AckPolicy.EXPLICIT,
                                     deliver_policy=DeliverPolicy.ALL,
                                     max_ack_pending=w["workers"], max_deliver=-1,
                                     ack_wait=w["timeout"] + self.s.queue_ack_grace_s)
                try:
                    await self.js.add_consumer(q.JOBS_STREAM, cfg)
                except Exception:
                    await self.js.update_consumer(q.JOBS_STREAM, cfg)
                w["sub"] = await self.js.pull_subscribe_bind(name, q.JOBS_STREAM)
            else:
                if cur["workers"] != w["workers"] or cur["timeout"] != w["timeout"]:
                    cfg = ConsumerConfig(durable_name=name, filter_subject=w["subject"],
                                         ack_policy=AckPolicy.EXPLICIT,
                                         max_ack_pending=w["workers"], max_deliver=-1,
                                         ack_wait=w["timeout"] + self.s.queue_ack_grace_s)
                    await self.js.update_consumer(q.JOBS_STREAM, cfg)
                # the same dict in place: running jobs hold it and count down on it
                cur.update({k: w[k] for k in ("digest", "env", "workers", "timeout")})
                cur["room"].set()  # more workers may mean room now
                continue
            w["running"] = 0
            w["avg_ms"] = 0.0  # recent mean run time of one job (batching decision)
            w["room"] = asyncio.Event()
            self.subs[name] = w
            w["task"] = asyncio.create_task(self._consume(name))

    # -- pulling ---------------------------------------------------------------------------
    async def _consume(self, name: str) -> None:
        """One topic (or cron job): long-poll for as many jobs as it has room for. Each
        consumer has its own task, so idle topics cost nothing; the process-wide
        in-flight bound is a FIFO semaphore, so busy topics take turns."""
        while (w := self.subs.get(name)) is not None:
            room = w["workers"] - w["running"]
            if room <= 0:
                w["room"].clear()
                await w["room"].wait()
                continue
            try:
                msgs = await w["sub"].fetch(min(room, self.s.dispatch_batch),
                                            timeout=self.s.dispatch_poll_s)
            except (TimeoutError, nats.errors.TimeoutError):
                continue
            except asyncio.CancelledError:
                raise
            except Exception as e:  # NATS restarting: try again shortly
                log.warning("fetch from %s failed: %s", name, e)
                await asyncio.sleep(0.5)
                continue
            batch: list[Any] = []
            for m in msgs:
                if w["kind"] == "cron" and m.metadata.num_pending > 0:
                    # Runs of a cron job never overlap (workers = 1); ticks that fired
                    # while one ran wait behind it. Only the latest of them runs, so a
                    # job slower than its interval does not pile up a backlog.
                    with contextlib.suppress(Exception):
                        await m.ack()
                    continue
                if w["kind"] == "cron" and await self._tick_ran(w, m):
                    continue
                assert self.slots is not None
                if batch and (self.slots.locked() or self.s.job_batch_max_ms <= 0
                              or w["avg_ms"] > self.s.job_batch_max_ms):
                    # Slow jobs run one per invocation, concurrently; and jobs already
                    # holding slots never wait for more (no topic starves another).
                    self._start(w, batch)
                    batch = []
                await self.slots.acquire()
                w["running"] += 1
                batch.append(m)
            if batch:
                self._start(w, batch)

    async def _tick_ran(self, w: dict[str, Any], m: Any) -> bool:
        """A firing of a tick that already ran is acked and skipped. It happens when
        the control plane made up for a tick that NATS then fired late (a JOBS leader
        elected after the tick fell): both carry that tick's `next`. Runs of one cron
        job are serialized cluster-wide (max_ack_pending 1) and each run's record is
        written before its ack, so the record is current when the next firing comes."""
        key = _tick_next(m.headers or {})
        if not key:
            return False  # `brygge job run`: always runs
        try:
            rec = await self.storage.call("", "sys.get", {"key": cronrun_key(w["sid"], w["name"])})
        except Exception:
            return False  # storage restarting: run it (at least once)
        last = _epoch(rec.get("tickNext", "")) if isinstance(rec, dict) else None
        this = _epoch(key)
        if last is None or this is None or this > last:
            return False  # unreadable marks never suppress a run
        log.info("cron job %r of space %s: the tick before %s already ran; skipped",
                 w["name"], w["sid"], key)
        with contextlib.suppress(Exception):
            await m.ack()
        return True

    def _start(self, w: dict[str, Any], batch: list[Any]) -> None:
        """Run fetched jobs of one topic as one invocation in a pool thread; each counts
        as one of the topic's workers and one of the process's in-flight jobs."""
        fut = self.loop.run_in_executor(self.pool, self._run_batch, w, batch)
        fut.add_done_callback(lambda f, w=w, batch=batch: self._done(f, w, batch))
        if len(batch) > 1:
            # The batch's jobs are acked together at its end, which may be later than
            # one job's ack_wait (its timeout + grace): tell JetStream they are still
            # being worked on, so none is redelivered while this dispatcher lives.
            self.loop.call_later(self.s.queue_ack_grace_s / 2, self._working, batch, fut)

    def _working(self, batch: list[Any], fut: Any) -> None:
        if fut.done():
            return

        async def progress() -> None:
            for m in batch:
                with contextlib.suppress(Exception):
                    await m.in_progress()

        task = self.loop.create_task(progress())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        self.loop.call_later(self.s.queue_ack_grace_s / 2, self._working, batch, fut)

    def _job(self, w: dict[str, Any], m: Any) -> tuple[Any, str, str, float, Any]:
        h = m.headers or {}
        try:
            payload = json.loads(m.data) if m.data else None
        except ValueError:
            payload = m.data.decode("utf-8", "replace")
        if w["kind"] == "cron":
            # A cron run's job id is its stream sequence: the same after a redelivery,
            # different for every firing; NATS stamps each firing with the time of the
            # schedule's next tick, which tells the ticks apart (req.body.next).
            payload = {"next": h.get("Nats-Schedule-Next") or h.get(q.H_CRON_NEXT, "")}
        timeout = w["timeout"]
        if h.get(q.H_TIMEOUT_MS):
            timeout = max(0.1, int(h[q.H_TIMEOUT_MS]) / 1000)
        return (payload, h.get(q.H_JOB_ID) or f"cron-{m.metadata.sequence.stream}",
                h.get(q.H_ENQUEUED, ""), timeout,
                q.source_id(h) if w["kind"] != "cron" else None)

    def _run_batch(self, w: dict[str, Any], batch: list[Any]) -> list[str]:
        env = json.dumps(w["env"], sort_keys=True) if w["env"] else ""
        t0 = time.perf_counter()
        errors = self.ex.run_jobs(w["sid"], w["digest"], env, w["kind"], w["name"],
                                  [self._job(w, m) for m in batch])
        # How long this topic's jobs take: short ones are batched, long ones run apart.
        ms = (time.perf_counter() - t0) * 1000 / len(batch)
        w["avg_ms"] = 0.7 * w["avg_ms"] + 0.3 * ms
        return errors

    def _done(self, fut: Any, w: dict[str, Any], batch: list[Any]) -> None:
        assert self.slots is not None
        for _ in batch:
            self.slots.release()
        try:
            errors = fut.result()
        except Exception as e:
            errors = [f"internal error: {e}"] * len(batch)
        task = self.loop.create_task(self._settle_all(w, batch, errors))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _settle_all(self, w: dict[str, Any], batch: list[Any], errors: list[str]) -> None:
        for m, error in zip(batch, errors, strict=True):
            await self._settle(w, m, error)

    async def _settle(self, w: dict[str, Any], m: Any, error: str) -> None:
        try:
            h = m.headers or {}
            if w["kind"] == "cron":
                # recorded before the ack: the catch-up (schedules.catch_up) and the next
                # firing (_tick_ran) see either the run waiting in the stream or its record
                with contextlib.suppress(Exception):
                    key = cronrun_key(w["sid"], w["name"])
                    tick_next = _tick_next(h)
                    if not tick_next:  # a run by hand: keep the last tick's mark
                        rec = await self.storage.call("", "sys.get", {"key": key})
                        tick_next = rec.get("tickNext", "") if isinstance(rec, dict) else ""
                    await self.storage.call("", "sys.put", {"key": key, "value": {
                        "at": now_iso(), "ok": not error, "error": error,
                        "tickNext": tick_next}})
                await m.ack()
                return
            if not error:
                await m.ack()
                return
            attempt = m.metadata.num_delivered
            retries = int(h.get(q.H_RETRIES, self.s.queue_retries))
            if attempt <= retries:
                first = float(h.get(q.H_RETRY_DELAY_MS, self.s.queue_retry_delay_ms))
                await m.nak(delay=backoff_s(attempt, first, self.s.queue_max_backoff_s))
                return
            job_id = h.get(q.H_JOB_ID, "")
            kept = {k: v for k, v in h.items() if not k.startswith("Nats-")}
            dead = {**kept, q.H_ERROR: error[:2000], q.H_ATTEMPTS: str(attempt),
                    q.H_DIED: datetime.now(UTC).isoformat(timespec="seconds"),
                    q.H_MSG_ID: f"dead:{job_id}:{m.metadata.sequence.stream}"}
            await self.js.publish(q.dead_subject(w["sid"], w["name"]), m.data, headers=dead)
            await m.ack()
        except Exception as e:  # NATS restarting: redelivery after ack_wait covers it
            log.warning("settling a job of %s failed: %s", w["name"], e)
        finally:
            w["running"] -= 1
            w["room"].set()  # the topic's consumer may take its next job now
