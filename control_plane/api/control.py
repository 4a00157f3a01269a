"""What the admin routers share: the control plane's connections (storage, executors,
NATS), its background work (env re-sealing, cron catch-up, event-document sweep) and
the operations several routes call (deploy, schedules, project info, the log stream)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import grpc.aio
import nats
from nats.js.api import ConsumerConfig, DeliverPolicy

from brygge import events, logbus, natsconn, placement
from brygge.clock import iso
from brygge.settings import Settings
from brygge.tokenseal import TokenKeys
from control_plane import (
    alt_hosts,
    deploy_quota,
    env_migration,
    event_docs,
    lifecycle,
    schedules,
)
from control_plane.api.errors import ApiError
from control_plane.audit.log import AuditLog
from control_plane.identity import migrate
from control_plane.identity.service import Identity
from proto import brygge_pb2 as pb
from proto import brygge_pb2_grpc as pbg
from storage import hosts, queues
from storage.catalog import Catalog
from storage.client import CHANNEL_OPTIONS, AsyncStorageClient

log = logging.getLogger("brygge.control")


# a space's admission settings (storage/admission.py), shown by `brygge info`
ADMISSION = ("jwks_url", "jwt_iss", "jwt_aud", "allowed_hosts", "cors_origins", "rate_limit")


class ControlPlane:
    def __init__(self, settings: Settings, storage_target: str, executor_targets: list[str],
                 nats_url: str) -> None:
        self.s = settings
        self.storage_target = storage_target
        self.executor_targets = executor_targets
        self.nats_url = nats_url
        self.nc: Any = None
        self.js: Any = None
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        # grpc.aio channels belong to the event loop they are created in: uvicorn's.
        self.storage = AsyncStorageClient(self.storage_target)
        self.catalog = Catalog(self.storage, TokenKeys.of_data_dir(self.s.data_path),
                               alt_host_domain=hosts.alt_domain(self.s))
        self.identity = Identity(self.storage, self.s)  # users, sessions, tokens (issue 18)
        await migrate.at_start(self.identity.records, self.s)
        self.audit = AuditLog(self.storage)
        self._spawn(self.audit.run_writer())
        self._spawn(self.sweep_audit())
        self.executors = {t: pbg.ExecutorStub(grpc.aio.insecure_channel(t, options=CHANNEL_OPTIONS))
                          for t in self.executor_targets}
        try:  # v1 env values re-sealed bound to their space, once (before serving)
            n = await env_migration.migrate(self.catalog, self.s.data_path)
            if n:
                log.info("re-sealed the encrypted env values of %d space(s) (format v2)", n)
        except Exception as e:  # not marked done: the next start tries again
            log.warning("re-sealing encrypted env values failed: %s", e)
        try:  # space tokens of the clear format re-keyed and sealed (idempotent)
            n = await self.catalog.space_tokens.migrate_clear()
            if n:
                log.info("sealed %d space API token(s) stored in clear", n)
        except Exception as e:  # the next start tries again
            log.warning("sealing space API tokens failed: %s", e)
        self._spawn(self.sweep_event_docs())
        if self.nats_url:
            self.nc = await natsconn.connect(self.nats_url,
                                               reconnected_cb=self._nats_reconnected)
            self.js = self.nc.jetstream()
            await logbus.ensure_stream(self.js, self.s.log_retention_s, self.s.log_max_per_space,
                                       self.s.nats_replicas)
            await queues.ensure_streams(self.js, self.s)
            self._spawn(self.cron_catch_up(resync=True))

            async def on_leader(msg: Any) -> None:
                # On a NATS cluster the stream's leader fires the schedules; while a new
                # one is elected no tick fires (missed_ticks applies, as after a restart).
                self._spawn(self.cron_catch_up(resync=False))

            await self.nc.subscribe(
                f"$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.{queues.JOBS_STREAM}", cb=on_leader)
        try:  # every space's alternative host, below the current domain (alt_hosts.py)
            for sid in await alt_hosts.ensure(self.catalog, self.catalog.alt_host_domain):
                await self.publish_space_changed(sid)
        except Exception as e:  # storage restarting: the next start tries again
            log.warning("giving spaces their alternative hosts failed: %s", e)
        self._spawn(self.finish_removals())

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _nats_reconnected(self) -> None:
        # NATS does not fire the ticks that fell while it was down (missed_ticks).
        self._spawn(self.cron_catch_up(resync=False))

    async def cron_catch_up(self, resync: bool) -> None:
        """At start (resync: rewrite every deployed space's schedules too) and after a
        NATS reconnect: run each cron job once whose latest tick was missed. Retried
        while JetStream is not ready yet (a restarted server recovers its streams)."""
        delay = 0.2
        for _ in range(30):
            try:
                if not resync:
                    await queues.ensure_streams(self.js, self.s)
                n = await schedules.catch_up(self.js, self.catalog, self.s, resync=resync)
                if n:
                    log.info("cron catch-up: %d run(s) for missed ticks", n)
                return
            except Exception as e:
                log.warning("cron catch-up failed (retrying): %s", e)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5)

    async def finish_removals(self) -> None:
        """Space and project removals a crash or an outage interrupted (lifecycle.py)."""
        try:
            n = await lifecycle.finish_pending(self)
            if n:
                log.info("finished %d interrupted space removal(s)", n)
        except Exception as e:  # the next removal call or start tries again
            log.warning("finishing interrupted space removals failed: %s", e)

    async def sweep_event_docs(self) -> None:
        """Every realtime_event_sweep_s: drop event documents past their TTL
        (control_plane/event_docs.py). Several control planes may sweep at once: a
        removal is idempotent."""
        while self.s.realtime_event_docs_ttl_s > 0:
            await asyncio.sleep(self.s.realtime_event_sweep_s)
            try:
                n = await event_docs.sweep(self.storage, await self.catalog.all_spaces(),
                                           self.s.realtime_event_docs_ttl_s)
                if n:
                    log.info("removed %d realtime event document(s) older than %.0f s", n,
                             self.s.realtime_event_docs_ttl_s)
            except Exception as e:  # storage restarting: next round
                log.warning("sweeping realtime event documents failed: %s", e)

    async def sweep_audit(self) -> None:
        """Every audit_sweep_s (the first time at start): drop audit entries older than
        audit_retention_days (0 keeps them). Idempotent, like the event-document sweep."""
        while self.s.audit_retention_days > 0:
            try:
                cutoff = time.time_ns() - int(self.s.audit_retention_days * 86400e9)
                n = await self.audit.sweep(cutoff)
                if n:
                    log.info("removed %d audit entries older than %g days", n,
                             self.s.audit_retention_days)
            except Exception as e:  # storage restarting: next round
                log.warning("sweeping the audit log failed: %s", e)
            await asyncio.sleep(self.s.audit_sweep_s)

    async def stop(self) -> None:
        audit = getattr(self, "audit", None)
        try:  # what was recorded is stored before the control plane goes
            if audit is not None:
                await asyncio.wait_for(audit.flush(), 5)
        except Exception as e:
            log.warning("audit log: %d entries not stored at stop: %s", audit.pending, e)
        for task in list(self._tasks):
            task.cancel()
        if self.nc is not None:
            await self.nc.close()

    async def publish_space_changed(self, space_id: str) -> None:
        if self.nc is not None:
            await self.nc.publish(events.space_changed(space_id), b"{}")
            await self.nc.flush()

    # -- deployments ----------------------------------------------------------------------
    async def deploy(self, project: str, space_name: str, artifact: bytes,
                     headers: dict[str, str]) -> dict[str, Any]:
        if len(artifact) > self.s.max_deploy_bytes:
            raise ApiError(413, f"deployment is larger than {self.s.max_deploy_bytes} bytes")
        space = await self.catalog.space(project, space_name)
        digest = await self.storage.blob_put(artifact)
        target = placement.pick(space["id"], self.executor_targets)
        reply = await self.executors[target].Validate(
            pb.ValidateRequest(space_id=space["id"], deployment=digest, run_startup=True,
                               env_json=json.dumps(space["env"], sort_keys=True)
                               if space.get("env") else ""),
            timeout=self.s.request_timeout_s + 10, wait_for_ready=True)
        if not reply.ok:
            raise ApiError(400, f"deployment refused: {reply.error}")
        manifest = json.loads(reply.manifest)
        jobs = list(manifest.get("jobs") or [])
        try:  # a bad cron expression refuses the deploy; the live deployment stays
            schedules.validate_jobs(jobs, self.space_timezone(space))
        except ValueError as e:
            raise ApiError(400, str(e)) from None
        prune = await deploy_quota.to_prune(self.catalog, space)  # deployments_kept
        dep = await self.catalog.record_deployment(space, digest, headers, manifest,
                                                   reply.startup_error, prune)
        await self.publish_space_changed(space["id"])
        await self.sync_schedules(space, jobs)
        return {"ok": True, "project": project, "space": space_name, "deployment": dep["seq"],
                "digest": digest, "manifest": manifest, "startup_error": reply.startup_error,
                "eval_ms": round(reply.eval_ms, 1)}

    # -- cron schedules (control_plane/schedules.py) ----------------------------------------
    def space_timezone(self, space: dict[str, Any]) -> str:
        return str(space.get("cron_timezone") or self.s.cron_timezone)

    async def sync_schedules(self, space: dict[str, Any], jobs: list[str] | None) -> None:
        """Make NATS fire the cron jobs `jobs` of the space (None: undeployed, none).
        The deployment is already active: a failure here answers 503 and is repaired
        when the control plane restarts (it resyncs every space)."""
        if self.js is None:
            return
        try:
            if jobs is None:
                await schedules.clear_space(self.js, space["id"])
            else:
                await schedules.sync_space(self.js, space["id"], jobs,
                                           self.space_timezone(space))
        except Exception as e:
            log.exception("cron schedules of space %s not synced", space["id"])
            raise ApiError(503, f"the deployment is active but its cron schedules could not "
                                f"be written to NATS: {e}") from None

    async def active_jobs(self, space: dict[str, Any]) -> list[str]:
        return schedules.active_jobs(space, await self.catalog.deployments(space["id"]))

    async def jobs(self, project: str, space_name: str) -> list[dict[str, Any]]:
        space = await self.catalog.space(project, space_name)
        tz = self.space_timezone(space)
        now = datetime.now(UTC)
        out = []
        for expr in await self.active_jobs(space):
            nxt = schedules.parse(expr, tz).next_after(now)
            rec = await self.storage.call("", "sys.get",
                                          {"key": queues.cronrun_key(space["id"], expr)})
            rec = rec if isinstance(rec, dict) else {}
            outcome = "-" if not rec else "ok" if rec.get("ok") else \
                f"error: {rec.get('error') or 'failed'}"
            out.append({"cron": expr, "next": iso(nxt, "seconds") if nxt else "-",
                        "timezone": tz, "lastRun": rec.get("at") or "-",
                        "lastOutcome": outcome})
        return out

    async def run_job(self, project: str, space_name: str, expr: str) -> dict[str, Any]:
        space = await self.catalog.space(project, space_name)
        jobs = await self.active_jobs(space)
        if expr not in jobs:
            known = ", ".join(repr(j) for j in jobs) or "none"
            raise ApiError(404, f"space {space_name!r} has no cron job {expr!r} "
                                f"(its jobs: {known})")
        if self.js is None:
            raise ApiError(503, "this control plane has no NATS connection")
        await schedules.run_now(self.js, space["id"], expr,
                                tz=space.get("cron_timezone") or self.s.cron_timezone)
        return {"cron": expr, "queued": True}

    async def workflows(self, project: str, space_name: str, collection: str = "workflowdata"
                        ) -> list[dict[str, Any]]:
        sid = (await self.catalog.space(project, space_name))["id"]
        names = {c["name"] for c in await self.storage.call(sid, "db.collections", {})}
        if collection not in names:
            return []
        out = []
        page = await self.storage.call(sid, "db.getMany", {"collection": collection,
                                                            "query": {}})
        while True:
            for d in page["docs"]:
                err = d.get("lastError")
                if isinstance(err, dict):
                    err = err.get("message") or json.dumps(err)
                status = d.get("status") or ("completed" if d.get("nextStep") is None
                                             else "failed" if err else "running")
                out.append({"workflowName": d.get("workflowName"), "_id": d.get("_id"),
                            "nextStep": d.get("nextStep"), "status": status,
                            "lastError": err, "createdAt": d.get("createdAt"),
                            "updatedAt": d.get("updatedAt")})
            if not page.get("cursor"):
                return out
            page = await self.storage.call(sid, "db.getMany", {"cursor": page["cursor"]})

    # -- info ------------------------------------------------------------------------------------
    def space_url(self, project: str, space: str) -> str:
        host = self.s.host if self.s.host not in ("0.0.0.0", "::") else "localhost"
        if project == self.s.default_project:
            return f"http://{host}:{self.s.http_port}/{space}"
        return f"http://{project}.api.{self.s.domain}:{self.s.http_port}/{space}"

    async def info(self, project: str) -> dict[str, Any]:
        """A project's spaces as `brygge info` shows them (the caller masks tokens)."""
        await self.catalog.project(project)
        spaces = []
        domains = await self.catalog.hosts(project)
        for sp in await self.catalog.spaces(project):
            toks = await self.catalog.tokens(project, sp["name"])
            alt = sp.get("alt_host")
            sealed = set(sp.get("env_encrypted") or [])
            spaces.append({"name": sp["name"], "url": self.space_url(project, sp["name"]),
                           "alt_host": alt, "alt_url": hosts.host_url(self.s, alt) if alt
                           else None,
                           "domains": sorted(d["host"] for d in domains
                                             if d["space"] == sp["name"]
                                             and d["kind"] == "custom"),
                           "tokens": [{"token": t["token"], "access": t["access"],
                                       "description": t["description"]} for t in toks
                                      if t["token"]],
                           "deployment": sp.get("deployment"),
                           "deployed_at": sp.get("deployed_at"),
                           # names only (`brygge info` remotely): values are secrets.read's
                           "env": sorted(k + ("=(encrypted)" if k in sealed else "")
                                         for k in (sp.get("env") or {})),
                           **{k: sp[k] for k in ADMISSION if sp.get(k)}})
        return {"project": project, "spaces": spaces}

    # -- logs ------------------------------------------------------------------------------------
    async def log_entries(self, space_id: str, tail: int, follow: bool,
                          end_marker: bool = False) -> AsyncIterator[bytes]:
        """History (the last `tail` entries, oldest first), then live entries if `follow`."""
        subject = logbus.subject(space_id)
        info = await self.js.stream_info(logbus.STREAM, subjects_filter=subject)
        count = (info.state.subjects or {}).get(subject, 0)  # messages, each a batch
        history: list[bytes] = []
        if count:
            sub = await self.js.subscribe(subject, ordered_consumer=True,
                                          config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL))
            try:
                for _ in range(count):
                    try:
                        msg = await sub.next_msg(timeout=2)
                    except nats.errors.TimeoutError:
                        break
                    history.extend(logbus.entries_of(msg.data))
            finally:
                await sub.unsubscribe()
        for data in history[-tail:] if tail > 0 else []:
            yield data + b"\n"
        if end_marker:
            yield END_OF_HISTORY
        if not follow:
            return
        sub = await self.js.subscribe(subject, ordered_consumer=True,
                                      config=ConsumerConfig(deliver_policy=DeliverPolicy.NEW))
        try:
            while True:
                try:
                    msg = await sub.next_msg(timeout=15)
                    for entry in logbus.entries_of(msg.data):
                        yield entry + b"\n"
                except nats.errors.TimeoutError:
                    yield b"\n"  # keep-alive through proxies
        finally:
            await sub.unsubscribe()


    async def log_events(self, space_id: str, tail: int, context: str) -> AsyncIterator[bytes]:
        """The space log as the official CLI's SSE stream (spec §12.3 `_A_D_M_logs`)."""
        def keep(entry: bytes) -> bool:
            return not context or json.loads(entry).get("context") == context

        history: list[bytes] = []
        live = False
        async for line in self.log_entries(space_id, 1_000_000 if context else tail, True,
                                           end_marker=True):
            if not live:
                if line is END_OF_HISTORY:
                    for entry in reversed(history[-tail:] if tail > 0 else []):
                        yield b"event: log\ndata: " + entry + b"\n\n"
                    yield b"event: logend\ndata: {}\n\n"
                    live = True
                elif keep(line.rstrip(b"\n")):
                    history.append(line.rstrip(b"\n"))
            elif line == b"\n":
                yield b"event: ping\ndata: {}\n\n"
            elif keep(line.rstrip(b"\n")):
                yield b"event: logrt\ndata: " + line.rstrip(b"\n") + b"\n\n"


END_OF_HISTORY = b"\x00end-of-history"
