"""The executor core, transport-free: warm wasm instances of tenant code pooled per
(space, deployment), the artifact cache, deployment snapshots, and running HTTP
invocations, jobs and deployment validation on them. The gRPC service
(sandbox/grpc_service.py) and the in-process transport (sandbox/local.py) both drive
it; the process entry point is sandbox/server.py."""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent import futures
from typing import Any, Protocol

from brygge import envcrypt
from brygge.logbus import LogPublisher
from brygge.settings import Settings
from proto import brygge_pb2 as pb
from sandbox import body as body_source
from sandbox import engine, jobs
from sandbox.app import AppInstance, DeployError, Invocation, parse_artifact, prelude_snapshot
from sandbox.engine import SandboxTrap, Snapshot
from sandbox.executor_hostops import HostBackend, HostOps
from sandbox.executor_logs import ExecutorLogs
from sandbox.outbox import Outbox
from sandbox.sched import Scheduler, Slots
from storage.client import StorageClient, raise_for

log = logging.getLogger("brygge.executor")
PIECE = 256 * 1024  # response writes are handed on in pieces of at most this


class Out(Protocol):
    """Where an invocation's InvokeOut messages go: an Outbox (with backpressure), or
    anything with put() (a queue.Queue, in tests)."""

    def put(self, item: Any) -> None: ...



def _body_fields(body: bytes) -> dict[str, str]:
    """The request body for the guest: text as is; bytes that are not UTF-8 (binary
    uploads) also as base64, so `req.pipe` hands on exactly what was received."""
    try:
        return {"body": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"body": body.decode("utf-8", "replace"),
                "bodyBase64": base64.b64encode(body).decode()}


def _job_arg(payload: Any, job_id: str, enqueued: str, source_id: Any) -> dict[str, Any]:
    """One job as the runtime's runJob reads it (sandbox/js/runtime/jobs.js)."""
    j = {"payload": payload, "jobId": job_id, "enqueued": enqueued}
    if source_id is not None:
        j["sourceId"] = source_id
    return j


def _raise_fd_limit() -> None:
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
            resource.setrlimit(resource.RLIMIT_NOFILE,
                               (hard if hard != resource.RLIM_INFINITY else 1 << 20, hard))
    except (ImportError, ValueError, OSError) as e:
        log.warning("cannot raise the open-file limit: %s", e)


class SpacePool:
    """Warm instances of one deployment of one space; at most `size` exist."""

    def __init__(self, slots: Slots) -> None:
        self.idle: list[AppInstance] = []
        self.slots = slots  # its instances, handed out by sandbox/sched.py
        self.lock = threading.Lock()
        # The deployment right after evaluation: every instance but the first (and
        # each replacement of a recycled one) is restored from it, not evaluated.
        self.snapshot: Snapshot | None = None

    def retire(self) -> None:
        for inst in self.idle:
            inst.close()
        if self.snapshot is not None:
            self.snapshot.close()  # instances restored from it keep their mappings


class Executor:
    def __init__(self, settings: Settings, storage: StorageClient,
                 logs: LogPublisher | None, job_publisher: jobs.JobPublisher | None = None
                 ) -> None:
        self.s = settings
        self.storage = storage
        self.logs = ExecutorLogs(logs, settings.log_line_bytes)
        self.jobs = job_publisher
        self.pools: dict[tuple[str, str], SpacePool] = {}  # (space, digest + env)
        self.pools_lock = threading.Lock()
        self.artifacts: OrderedDict[str, dict[str, Any]] = OrderedDict()
        # The host ops of side "executor" (sandbox/hostops.py): storage, NATS, outbound.
        self.backend = HostBackend(settings, storage, job_publisher)
        # Snapshots of deployments Validate evaluated, for the pool their first request
        # creates: the first request after a deploy restores instead of evaluating.
        self.prepared: OrderedDict[tuple[str, str], Snapshot] = OrderedDict()
        # compile the guest once per cache dir, not once per process
        engine.configure(settings.wasm_cache_dir or settings.data_path / "wasm-cache")
        envcrypt.configure(settings.data_path)  # node key that opens sealed env values
        engine.ensure_thread_stack_size()  # the threads below run guest code
        _raise_fd_limit()  # each deployment snapshot keeps a file descriptor (a memfd)
        self.runner = futures.ThreadPoolExecutor(max_workers=settings.executor_threads,
                                                 thread_name_prefix="invoke")
        self.sched = Scheduler(self.runner, settings.executor_threads,
                               settings.space_max_running, settings.space_max_waiting)
        self.runner.submit(prelude_snapshot)  # compile + runtime snapshot before traffic

    # -- artifacts and instances ------------------------------------------------------
    def _artifact(self, digest: str) -> dict[str, Any]:
        art = self.artifacts.get(digest)
        if art is None:
            art = parse_artifact(self.storage.blob_get(digest))
            self.artifacts[digest] = art
            while len(self.artifacts) > 256:
                self.artifacts.popitem(last=False)
        return art

    def _open_env(self, space_id: str, env_json: str) -> str:
        """Sealed values the space's catalog record lists as encrypted, opened for
        process.env (brygge/envcrypt.py); the record is read only when one looks sealed."""
        return envcrypt.open_env_json(env_json, space_id, envcrypt.record_reader(
            lambda key: self.storage.call("", "sys.get", {"key": key})))

    def _host_ops(self, space_id: str) -> HostOps:
        return self.backend.for_space(space_id)

    def _new_instance(self, space_id: str, digest: str, env_json: str = "",
                      pool: SpacePool | None = None) -> AppInstance:
        snap = pool.snapshot if pool is not None else None
        app = AppInstance(self._artifact(digest), self._host_ops(space_id),
                          env_json=env_json if snap else self._open_env(space_id, env_json),
                          memory_mb=self.s.memory_limit_mb, stack_kb=self.s.stack_limit_kb,
                          epoch_ms=self.s.cpu_epoch_ms, max_host_calls=self.s.max_host_calls,
                          snapshot=snap, max_outbound_requests=self.s.max_outbound_requests,
                          max_reentry=self.s.max_guest_reentry)
        if pool is not None and snap is None:
            self._keep_snapshot(pool, app)
        return app

    @staticmethod
    def _keep_snapshot(pool: SpacePool, app: AppInstance) -> None:
        """Freeze a freshly evaluated instance (before it serves) for its pool."""
        try:
            snap: Snapshot | None = app.snapshot()
        except (OSError, SandboxTrap) as e:
            log.warning("no snapshot of this deployment (%s); instances evaluate it", e)
            return
        with pool.lock:
            if pool.snapshot is None:
                pool.snapshot, snap = snap, None
        if snap is not None:
            snap.close()  # another thread's first instance won

    def _pool(self, space_id: str, digest: str, env_json: str = "") -> SpacePool:
        """(Called on the router's event loop, in-process: no instance work here.)"""
        key = (space_id, digest + env_json)  # new code or new env: fresh instances
        with self.pools_lock:
            pool = self.pools.get(key)
            if pool is None:
                # A new deployment of the space retires the old one's instances.
                old = [self.pools.pop(k) for k in [k for k in self.pools if k[0] == space_id]]
                if old:
                    threading.Thread(target=lambda: [p.retire() for p in old],
                                     name="retire", daemon=True).start()
                pool = self.pools[key] = SpacePool(
                    self.sched.slots(space_id, self.s.instances_per_space))
                pool.snapshot = self.prepared.pop(key, None)
            return pool

    # -- invocation ---------------------------------------------------------------------
    async def invoke(self, inv: pb.Invocation,
                     pull: Callable[[], Awaitable[bytes | None]] | None = None
                     ) -> AsyncIterator[pb.InvokeOut]:
        """Run an HTTP invocation for a consumer on the running event loop: the
        router's (in-process) or the gRPC server's. `pull` gives the rest of a body
        that follows (inv.http.body_follows)."""
        loop = asyncio.get_running_loop()
        out = Outbox(loop, self.s.stream_buffer_bytes)
        source = body_source.from_loop(inv.http.body, loop, pull) if pull is not None else None
        self.start_http(inv, out, source)
        try:
            while (item := await out.get()) is not None:
                yield item
        finally:
            out.close()  # the consumer went away: the guest's writes go nowhere, at once

    def start_http(self, inv: pb.Invocation, out: Out,
                   source: body_source.BodySource | None = None) -> None:
        """Queue the invocation for an instance of its space; it takes a runner thread
        only once it holds one (sandbox/sched.py). Never blocks."""
        pool = self._pool(inv.space_id, inv.deployment, inv.env_json)
        self.sched.submit(pool.slots,
                          functools.partial(self._run_http, inv, inv.http.body, out, source,
                                            pool),
                          functools.partial(self._refuse, inv, out),
                          inv.deadline_s or self.s.request_timeout_s)

    @staticmethod
    def _refuse(inv: pb.Invocation, out: Out, status: int, message: str) -> None:
        """The answer to an invocation that never got an instance."""
        out.put(pb.InvokeOut(head=pb.ResponseHead(status=status, headers=[
            pb.Header(name="content-type", value="application/json; charset=utf-8"),
            pb.Header(name="retry-after", value="1")])))
        out.put(pb.InvokeOut(body_chunk=json.dumps(
            {"error": message, "requestId": inv.request_id}).encode()))
        out.put(pb.InvokeOut(end=pb.InvokeEnd(error=message)))
        out.put(None)

    def _run_http(self, inv: pb.Invocation, body: bytes, out: Out,
                  source: body_source.BodySource | None = None,
                  held: SpacePool | None = None) -> None:
        """Run the invocation on this thread (holding an instance of `held`, else
        waiting for one), its output into `out`."""
        t0 = time.perf_counter()
        state = {"head": False, "bytes": 0}
        box = out if isinstance(out, Outbox) else None  # with backpressure

        def later(item: pb.InvokeOut, n: int = 0) -> None:
            """Hand on with the next message (sandbox/outbox.py: one loop wake-up for a
            response's head, body and end)."""
            if box is None:
                out.put(item)
            else:
                box.put(item, n, wake=False)

        def emit(kind: str, data: Any) -> bool:
            """True when it had to wait for the client (the caller re-arms budgets)."""
            waited = False
            if kind == "head":
                state["head"] = True
                later(pb.InvokeOut(head=pb.ResponseHead(
                    status=int(data["status"]),
                    headers=[pb.Header(name=k, value=v) for k, v in data["headers"]])))
                return False
            state["bytes"] += len(data)
            if state["bytes"] > self.s.max_response_bytes:
                raise SandboxTrap("response size limit exceeded")
            if box is None:
                if data:
                    out.put(pb.InvokeOut(body_chunk=data))
            else:
                for i in range(0, len(data), PIECE):
                    piece = data[i:i + PIECE]  # the whole of a small write, not a copy
                    # waits while the client is not reading, up to the deadline
                    waited = box.reserve(len(piece), invocation.deadline) or waited
                    # a write streams now; the response's last piece goes with its end
                    box.put(pb.InvokeOut(body_chunk=piece), len(piece), wake=kind != "end")
            if kind == "end":
                # wakes the loop: the app may go on working after it answered
                out.put(pb.InvokeOut(body_end=True))
            return waited

        invocation = Invocation(emit=emit)
        h = inv.http
        error = ""
        try:
            req = {
                "id": inv.request_id, "method": h.method, "path": h.path,
                "apiPath": h.api_path, "originalUrl": h.original_url, "query": h.query,
                "headers": {x.name: x.value for x in h.headers}, "hostname": h.hostname,
                "ip": h.ip, "authed": h.authed, "authError": h.auth_error,
                **({"body": "", "streamed": True} if source else _body_fields(body)),
            }
            invocation.body = source
            if self.s.dev_mode:
                req["dev"] = True  # error responses carry the app's stack
            deadline = inv.deadline_s or self.s.request_timeout_s
            self._run_in_space(inv.space_id, inv.deployment, inv.env_json, "__brygge_invoke",
                               json.dumps(req), invocation, deadline, held)
            error = invocation.error
            if error and not invocation.ended:
                self._error_response(emit, state, 500, error, inv.request_id)
        except SandboxTrap as e:
            error = str(e)
            invocation.logs.append(("error", f"invocation stopped: {e}", time.time() * 1000))
            self._error_response(emit, state, 500, f"invocation stopped: {e}", inv.request_id)
        except DeployError as e:
            error = str(e)
            self._error_response(emit, state, 500, f"the deployed app failed to load: {e}",
                                 inv.request_id)
        except Exception as e:
            log.exception("invocation %s failed", inv.request_id)
            error = f"internal error: {e}"
            self._error_response(emit, state, 500, "internal executor error" + (
                f": {type(e).__name__}: {e}" if self.s.dev_mode else ""), inv.request_id)
        finally:
            later(pb.InvokeOut(end=pb.InvokeEnd(
                error=error, host_calls=invocation.host_calls,
                duration_ms=(time.perf_counter() - t0) * 1000)))
            out.put(None)  # wakes the loop: everything held back goes with it
            self.logs.publish(inv, invocation)

    def _run_in_space(self, space_id: str, digest: str, env_json: str, entry: str, arg: str,
                      invocation: Invocation, deadline_s: float,
                      held: SpacePool | None = None) -> None:
        """Run `entry(arg)` on a warm instance of the space, then give the instance
        back, or drop it when it must not be reused. With `held`, the scheduler gave
        this thread an instance of that pool (and takes it back after); otherwise wait
        at most deadline_s for one here."""
        pool = held or self._pool(space_id, digest, env_json)
        if held is None and not self.sched.acquire(pool.slots, deadline_s):
            raise SandboxTrap("all instances of this space are busy")
        try:
            with pool.lock:
                app = pool.idle.pop() if pool.idle else None
            if app is None:
                app = self._new_instance(space_id, digest, env_json, pool)
            try:
                app.run(entry, arg, invocation, deadline_s, self.s.cpu_limit_s)
            finally:
                # Out of memory in JS (or a heap grown to the cap, e.g. by a promise
                # chain that failed in a detached job): never reuse that heap.
                if not app.dead and (invocation.recycle or app.inst.at_memory_cap()):
                    app.close()
                if not app.dead:
                    with pool.lock:
                        pool.idle.append(app)
        finally:
            if held is None:
                self.sched.release(pool.slots)

    def run_job(self, space_id: str, digest: str, env_json: str, kind: str, name: str,
                payload: Any, job_id: str, enqueued: str, timeout_s: float,
                source_id: Any = None) -> str:
        """Run one worker job (kind "worker", name = topic) or cron run (kind "cron",
        name = expression) in the space's instances; "" when it succeeded, else why not.
        `source_id`: the _id of the document a query job was made from (req.body._id)."""
        invocation = Invocation(emit=lambda kind_, data: None)
        error = ""
        try:
            arg = json.dumps({"kind": kind, "name": name,
                              **_job_arg(payload, job_id, enqueued, source_id)})
            self._run_in_space(space_id, digest, env_json, "__brygge_invoke_job", arg,
                               invocation, timeout_s)
            error = invocation.error
        except SandboxTrap as e:
            error = f"stopped: {e}"
            invocation.logs.append(("error", f"{kind} {name} stopped: {e}", time.time() * 1000))
        except DeployError as e:
            error = f"the deployed app failed to load: {e}"
        except Exception as e:
            log.exception("job %s failed", job_id)
            error = f"internal error: {e}"
        finally:
            self.logs.publish_jobs(space_id, kind, name, [(job_id, invocation.logs)])
        return error

    def run_jobs(self, space_id: str, digest: str, env_json: str, kind: str, name: str,
                 jobs: list[tuple[Any, str, str, float, Any]]) -> list[str]:
        """Run jobs (payload, job id, enqueued, timeout_s, source id) of one worker or
        cron job as one invocation, one after the other, each with its own budgets; one
        outcome per job as run_job gives it. A job that outlives its timeout or CPU budget fails
        alone; after any other stop of the instance (or a heap that ran out of memory)
        the jobs without an outcome run one by one, so a poisoned job fails only itself."""
        if len(jobs) == 1:
            return [self.run_job(space_id, digest, env_json, kind, name, *jobs[0])]
        errors: list[str] = []
        logs: list[tuple[str, list[tuple[str, str, float]]]] = []

        def on_job(payload: str) -> float | None:
            if len(errors) >= len(jobs):
                return None
            r = json.loads(payload)
            errors.append(str(r.get("error") or ""))
            logs.append((jobs[len(errors) - 1][1], [
                (e[0], e[1], e[2] if len(e) > 2 else time.time() * 1000)
                for e in r.get("logs") or ()]))
            return jobs[len(errors)][3] if len(errors) < len(jobs) else None

        invocation = Invocation(emit=lambda kind_, data: None, on_job=on_job)
        try:
            arg = json.dumps({"kind": kind, "name": name, "jobs": [
                _job_arg(p, i, e, src) for p, i, e, _, src in jobs]})
            self._run_in_space(space_id, digest, env_json, "__brygge_invoke_jobs", arg,
                               invocation, jobs[0][3])
            if invocation.error and len(errors) < len(jobs):
                # The running job never finished (e.g. nothing left to wait for).
                errors.append(invocation.error)
                logs.append((jobs[len(errors) - 1][1], invocation.logs))
            elif invocation.logs:  # after the last job (work it left running)
                logs.append((jobs[max(0, len(errors) - 1)][1], invocation.logs))
        except SandboxTrap as e:
            if len(errors) < len(jobs) and str(e) in ("wall-clock deadline exceeded",
                                                      "CPU time limit exceeded"):
                job_id = jobs[len(errors)][1]  # its own budget ran out: it fails alone
                errors.append(f"stopped: {e}")
                logs.append((job_id, [*invocation.logs, (
                    "error", f"{kind} {name} stopped: {e}", time.time() * 1000)]))
        except Exception as e:  # DeployError too: each job then reports it
            if not isinstance(e, DeployError):
                log.warning("a batch of %d jobs of %s failed (%s); running them one by one",
                            len(jobs), name, e)
        finally:
            self.logs.publish_jobs(space_id, kind, name, logs)
        for job in jobs[len(errors):]:
            errors.append(self.run_job(space_id, digest, env_json, kind, name, *job))
        return errors

    @staticmethod
    def _error_response(emit: Any, state: dict[str, Any], status: int, message: str,
                        request_id: str) -> None:
        if state["head"]:
            return  # the response is already under way; the stream just ends
        emit("head", {"status": status,
                      "headers": [["content-type", "application/json; charset=utf-8"]]})
        emit("chunk", json.dumps({"error": message, "requestId": request_id}).encode())

    # -- deployment validation -----------------------------------------------------------
    def validate(self, request: pb.ValidateRequest) -> pb.ValidateReply:
        try:
            art = parse_artifact(raise_for(self.storage.raw("", "blob.get",
                                                            request.deployment.encode())))
            app = AppInstance(art, self._host_ops(request.space_id),
                              env_json=self._open_env(request.space_id, request.env_json),
                              memory_mb=self.s.memory_limit_mb, stack_kb=self.s.stack_limit_kb,
                              epoch_ms=self.s.cpu_epoch_ms, max_host_calls=self.s.max_host_calls,
                              max_outbound_requests=self.s.max_outbound_requests,
                              max_reentry=self.s.max_guest_reentry)
        except DeployError as e:
            return pb.ValidateReply(ok=False, error=str(e))
        self._prepare(request.space_id, request.deployment + request.env_json, app)
        startup_error = ""
        try:
            if request.run_startup and app.manifest.get("startup"):
                inv = Invocation(emit=lambda *_: None)
                try:
                    app.run("__brygge_startup", "", inv, self.s.request_timeout_s)
                    startup_error = inv.error
                except SandboxTrap as e:
                    startup_error = str(e)
                self.logs.publish(pb.Invocation(space_id=request.space_id,
                                                 request_id="startup"), inv, "startup")
        finally:
            app.close()
        return pb.ValidateReply(ok=True, manifest=json.dumps(app.manifest),
                                startup_error=startup_error, eval_ms=app.eval_ms)

    def _prepare(self, space_id: str, key: str, app: AppInstance) -> None:
        """Keep the just-validated app's snapshot (before its startup hook runs, as
        request instances never run it) for the first request of the deployment."""
        try:
            snap = app.snapshot()
        except (OSError, SandboxTrap) as e:
            log.warning("no snapshot of deployment %s: %s", key[:16], e)
            return
        with self.pools_lock:
            old = self.prepared.pop((space_id, key), None)
            self.prepared[(space_id, key)] = snap
            while len(self.prepared) > 64:
                self.prepared.popitem(last=False)[1].close()
        if old is not None:
            old.close()
