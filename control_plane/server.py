"""The control plane's admin API (FastAPI).

    python -m control_plane.server --port 8081 --storage unix:PATH --executor unix:PATH ...

Routes:
    GET  /health
    GET  /v1/projects/{p}                               project info: spaces, URLs, tokens
    POST /v1/projects/{p}/spaces/{s}/deployments        deploy an artifact (brygge deploy)
    GET  /v1/projects/{p}/spaces/{s}/deployments        deployment history, newest first
    GET  /v1/projects/{p}/spaces/{s}/logs?tail=&follow= space log as JSON Lines
    GET  /v1/projects/{p}/spaces/{s}/jobs               cron jobs: next tick, last run
    POST /v1/projects/{p}/spaces/{s}/jobs/run           {cron}: run a cron job now
    PUT  /v1/projects/{p}/spaces/{s}/timezone           {timezone}: cron time zone (DELETE: default)
    GET  /v1/projects/{p}/spaces/{s}/workflows          workflow instances (workflowdata)
    *    /_adm/{p}/{s}/{op}                             the official CLI's _A_D_M_ endpoints,
                                                        forwarded here by the router
Every route except /health needs an admin token of the project, sent as
`x-admintoken` or `Authorization: Bearer`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import grpc.aio
import nats
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from nats.js.api import ConsumerConfig, DeliverPolicy

from brygge import __version__, cohotoken, envcrypt, events, logbus, natsconn, placement, strictjson
from brygge.clock import iso
from brygge.settings import Settings
from control_plane import (
    adm,
    backup_admin,
    env_migration,
    event_docs,
    files_admin,
    graphql,
    queues_admin,
    schedules,
    spaces_admin,
)
from proto import brygge_pb2 as pb
from proto import brygge_pb2_grpc as pbg
from storage import queues
from storage.catalog import Catalog, CatalogError
from storage.client import CHANNEL_OPTIONS, AsyncStorageClient
from storage.engine import StorageError

log = logging.getLogger("brygge.control")


ADMISSION_FIELDS = ("jwks_url", "jwt_iss", "jwt_aud", "allowed_hosts", "cors_origins",
                    "rate_limit")


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


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
        self.catalog = Catalog(self.storage)
        self.executors = {t: pbg.ExecutorStub(grpc.aio.insecure_channel(t, options=CHANNEL_OPTIONS))
                          for t in self.executor_targets}
        try:  # v1 env values re-sealed bound to their space, once (before serving)
            n = await env_migration.migrate(self.catalog, self.s.data_path)
            if n:
                log.info("re-sealed the encrypted env values of %d space(s) (format v2)", n)
        except Exception as e:  # not marked done: the next start tries again
            log.warning("re-sealing encrypted env values failed: %s", e)
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

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self.nc is not None:
            await self.nc.close()

    async def publish_space_changed(self, space_id: str) -> None:
        if self.nc is not None:
            await self.nc.publish(events.space_changed(space_id), b"{}")
            await self.nc.flush()

    # -- auth ------------------------------------------------------------------------------
    async def require_admin(self, request: Request, project: str) -> None:
        token = request.headers.get("x-admintoken", "")
        auth = request.headers.get("authorization", "")
        if not token and auth.lower().startswith("bearer "):
            token = auth[7:].strip()
            token = cohotoken.unwrap(token) or token  # the official CLI's stored login
        if not token:
            raise ApiError(401, "admin token required: send x-admintoken")
        rec = await self.catalog.admin_token(token)
        if rec is None:
            raise ApiError(401, "wrong admin token")
        if rec["project"] != project:
            raise ApiError(403, f"this admin token is not valid for project {project!r}")

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
        dep = await self.catalog.record_deployment(space, digest, headers, manifest,
                                                   reply.startup_error)
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
        await self.catalog.project(project)
        spaces = []
        for sp in await self.catalog.spaces(project):
            toks = await self.catalog.tokens(project, sp["name"])
            spaces.append({"name": sp["name"], "url": self.space_url(project, sp["name"]),
                           "tokens": [{"token": t["token"], "access": t["access"],
                                       "description": t["description"]} for t in toks],
                           "deployment": sp.get("deployment"),
                           "deployed_at": sp.get("deployed_at")})
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


async def _of_context(entries: AsyncIterator[bytes], context: str, tail: int
                      ) -> AsyncIterator[bytes]:
    """Log entries of one context (routehooks, queuehooks, jobhooks, startup): the last
    `tail` of the history, then live ones."""
    history: list[bytes] = []
    live = False
    async for line in entries:
        if line == END_OF_HISTORY:
            live = True
            for h in history[-tail:] if tail > 0 else []:
                yield h
            continue
        try:
            ok = json.loads(line).get("context") == context
        except ValueError:
            ok = False
        if ok:
            if live:
                yield line
            else:
                history.append(line)
    if not live:
        for h in history[-tail:] if tail > 0 else []:
            yield h


def create_app(cp: ControlPlane) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await cp.start()
        yield
        await cp.stop()

    # The interactive docs and the schema describe every admin route; they are served
    # to nobody but a developer's own node (dev_mode) until there are user logins.
    docs = cp.s.dev_mode
    app = FastAPI(title="Brygge admin API", version=__version__, lifespan=lifespan,
                  openapi_url="/openapi.json" if docs else None,
                  docs_url="/docs" if docs else None, redoc_url="/redoc" if docs else None,
                  swagger_ui_oauth2_redirect_url="/docs/oauth2-redirect" if docs else None)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=exc.status)

    @app.exception_handler(CatalogError)
    async def catalog_error(request: Request, exc: CatalogError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=exc.status)

    @app.exception_handler(StorageError)
    async def storage_error(request: Request, exc: StorageError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=400)

    @app.exception_handler(grpc.aio.AioRpcError)
    async def rpc_error(request: Request, exc: grpc.aio.AioRpcError) -> JSONResponse:
        return JSONResponse({"error": f"a platform component is unavailable: {exc.code().name}"},
                            status_code=503)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "component": "control-plane", "version": __version__}

    @app.get("/v1/projects/{project}")
    async def project_info(project: str, request: Request) -> dict[str, Any]:
        await cp.require_admin(request, project)
        return await cp.info(project)

    async def read_body(request: Request) -> bytes:
        size = int(request.headers.get("content-length") or 0)
        if size > cp.s.max_deploy_bytes:
            raise ApiError(413, f"deployment is larger than {cp.s.max_deploy_bytes} bytes")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > cp.s.max_deploy_bytes:
                raise ApiError(413, f"deployment is larger than {cp.s.max_deploy_bytes} bytes")
        return body

    @app.post("/v1/projects/{project}/spaces/{space}/deployments", status_code=201)
    async def deploy(project: str, space: str, request: Request) -> dict[str, Any]:
        await cp.require_admin(request, project)
        body = await read_body(request)
        try:
            art = json.loads(body)
        except ValueError as e:
            raise ApiError(400, f"the deployment is not valid JSON: {e}") from None
        if not isinstance(art, dict) or art.get("kind") not in ("source", "bundle"):
            raise ApiError(400, "the deployment must be {kind: 'source', entry, files} "
                                "or {kind: 'bundle', bundle}")
        headers = {"x-date": request.headers.get("x-date", ""), "x-client": "brygge"}
        if art.get("assets") is not None:
            body = await store_assets(art)
        return await cp.deploy(project, space, body, headers)

    async def store_assets(art: dict[str, Any]) -> bytes:
        """`assets: {path: base64}` of a source upload (control_plane/deploy.py: binary
        files for app.static) -> each a content-addressed blob, the artifact keeping
        {digest, size}. Only contents are accepted, never a digest, so an upload cannot
        name a blob (e.g. another space's artifact) it did not send."""
        assets = art["assets"]
        if art.get("kind") != "source" or not isinstance(assets, dict):
            raise ApiError(400, "assets must be an object {path: base64 content} of a source "
                                "deployment")
        stored = {}
        for path, b64 in assets.items():
            if not isinstance(b64, str) or not path or "\0" in path \
                    or ".." in path.split("/") or path.startswith("/"):
                raise ApiError(400, f"asset {path!r}: a relative path and its base64 content")
            try:
                data = base64.b64decode(b64, validate=True)
            except ValueError:
                raise ApiError(400, f"asset {path!r}: the content is not base64") from None
            stored[path] = {"digest": await cp.storage.blob_put(data), "size": len(data)}
        return json.dumps({**art, "assets": stored}).encode()

    @app.get("/v1/projects/{project}/spaces/{space}/deployments")
    async def history(project: str, space: str, request: Request) -> list[dict[str, Any]]:
        await cp.require_admin(request, project)
        sp = await cp.catalog.space(project, space)
        out, active = [], sp.get("deployment")
        for d in await cp.catalog.deployments(sp["id"]):  # newest first
            serving = bool(active) and d.get("digest") == active
            active = None if serving else active  # one entry is the active one
            out.append({**d, "active": serving})
        return out

    @app.put("/v1/projects/{project}/spaces/{space}/env/{key}")
    async def set_env(project: str, space: str, key: str, request: Request) -> dict[str, Any]:
        await cp.require_admin(request, project)
        try:
            body = strictjson.loads(await request.body() or b"{}")
        except ValueError as e:
            raise ApiError(400, f"expected a JSON body {{\"value\": \"...\"}}: {e}") from None
        if not isinstance(body, dict) or not isinstance(body.get("value"), str):
            raise ApiError(400, 'expected a JSON body {"value": "<string>"}')
        encrypted = bool(body.get("encrypted"))
        value = envcrypt.seal(cp.s.data_path, project, space, key, body["value"]) \
            if encrypted else body["value"]  # sealed at rest; opened only for process.env
        sp = await cp.catalog.set_env(project, space, key, value, encrypted=encrypted)
        await cp.publish_space_changed(sp["id"])
        return {"key": key, "encrypted": True} if encrypted else \
            {"key": key, "value": body["value"]}

    @app.delete("/v1/projects/{project}/spaces/{space}/env/{key}")
    async def remove_env(project: str, space: str, key: str, request: Request) -> dict[str, Any]:
        await cp.require_admin(request, project)
        sp = await cp.catalog.set_env(project, space, key, None)
        await cp.publish_space_changed(sp["id"])
        return {"key": key}

    # -- admission settings of a space: JWKS, allowed hosts, CORS, rate limit -------------
    async def json_body(request: Request) -> Any:
        try:
            return strictjson.loads(await request.body() or b"null")
        except ValueError as e:
            raise ApiError(400, f"the body is not valid JSON: {e}") from None

    async def set_admission(project: str, space: str, kind: str, value: Any) -> dict[str, Any]:
        sp = await cp.catalog.set_admission(project, space, kind, value)
        await cp.publish_space_changed(sp["id"])
        return {k: sp.get(k) for k in ADMISSION_FIELDS}

    @app.put("/v1/projects/{project}/spaces/{space}/jwks")
    async def set_jwks(project: str, space: str, request: Request) -> dict[str, Any]:
        await cp.require_admin(request, project)
        body = await json_body(request)  # an empty body must not clear the setting
        return await set_admission(project, space, "jwks", body if body is not None else {})

    @app.put("/v1/projects/{project}/spaces/{space}/whitelist")
    async def add_host(project: str, space: str, request: Request) -> dict[str, Any]:
        await cp.require_admin(request, project)
        body = await json_body(request)
        return await set_admission(project, space, "whitelist-add",
                                   body.get("ip") if isinstance(body, dict) else None)

    @app.delete("/v1/projects/{project}/spaces/{space}/whitelist")
    async def remove_host(project: str, space: str, request: Request, ip: str = ""
                          ) -> dict[str, Any]:
        await cp.require_admin(request, project)
        return await set_admission(project, space, "whitelist-remove", ip or None)

    @app.put("/v1/projects/{project}/spaces/{space}/cors")
    async def set_cors(project: str, space: str, request: Request) -> dict[str, Any]:
        await cp.require_admin(request, project)
        body = await json_body(request)
        return await set_admission(project, space, "cors", body.get("origins")
                                   if isinstance(body, dict) else [])

    @app.put("/v1/projects/{project}/spaces/{space}/ratelimit")
    async def set_ratelimit(project: str, space: str, request: Request) -> dict[str, Any]:
        await cp.require_admin(request, project)
        body = await json_body(request)
        return await set_admission(project, space, "ratelimit", body if body is not None else [])

    def clearer(kind: str) -> Callable[..., Awaitable[dict[str, Any]]]:
        async def clear(project: str, space: str, request: Request) -> dict[str, Any]:
            await cp.require_admin(request, project)
            return await set_admission(project, space, kind, None)
        return clear

    for _kind in ("jwks", "cors", "ratelimit"):
        app.delete(f"/v1/projects/{{project}}/spaces/{{space}}/{_kind}")(clearer(_kind))

    @app.get("/v1/projects/{project}/spaces/{space}/jobs")
    async def jobs(project: str, space: str, request: Request) -> list[dict[str, Any]]:
        await cp.require_admin(request, project)
        return await cp.jobs(project, space)

    @app.post("/v1/projects/{project}/spaces/{space}/jobs/run", status_code=202)
    async def run_job(project: str, space: str, request: Request) -> dict[str, Any]:
        await cp.require_admin(request, project)
        body = await json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("cron"), str):
            raise ApiError(400, 'expected a JSON body {"cron": "<the job\'s cron expression>"}')
        return await cp.run_job(project, space, body["cron"])

    async def set_timezone(project: str, space: str, tz: str | None) -> dict[str, Any]:
        sp = await cp.catalog.set_cron_timezone(project, space, tz)
        await cp.sync_schedules(sp, await cp.active_jobs(sp) if sp.get("deployment") else None)
        return {"timezone": cp.space_timezone(sp)}

    @app.put("/v1/projects/{project}/spaces/{space}/timezone")
    async def put_timezone(project: str, space: str, request: Request) -> dict[str, Any]:
        await cp.require_admin(request, project)
        body = await json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("timezone"), str):
            raise ApiError(400, 'expected a JSON body {"timezone": "Europe/Oslo"}')
        return await set_timezone(project, space, body["timezone"])

    @app.delete("/v1/projects/{project}/spaces/{space}/timezone")
    async def delete_timezone(project: str, space: str, request: Request) -> dict[str, Any]:
        await cp.require_admin(request, project)
        return await set_timezone(project, space, None)

    @app.get("/v1/projects/{project}/spaces/{space}/workflows")
    async def workflows(project: str, space: str, request: Request,
                        collection: str = "workflowdata") -> list[dict[str, Any]]:
        await cp.require_admin(request, project)
        return await cp.workflows(project, space, collection)

    @app.get("/v1/projects/{project}/spaces/{space}/logs")
    async def logs(project: str, space: str, request: Request, tail: int = 100,
                   follow: bool = False, context: str = "") -> StreamingResponse:
        await cp.require_admin(request, project)
        sp = await cp.catalog.space(project, space)
        if context:  # brygge logs --context: only the lines of that kind, the last `tail`
            entries = _of_context(cp.log_entries(sp["id"], 10**9, follow, end_marker=True),
                                  context, tail)
        else:
            entries = cp.log_entries(sp["id"], tail, follow)
        return StreamingResponse(entries, media_type="application/x-ndjson")

    # -- the official CLI's endpoints (spec §12.3), forwarded by the router ---------------
    @app.post("/_adm/{project}/{space}/deploy")
    async def adm_deploy(project: str, space: str, request: Request) -> JSONResponse:
        try:
            await cp.require_admin(request, project)
            body = await read_body(request)
            try:
                payload = json.loads(body)
                bundle = payload["bundle"]
                if not isinstance(bundle, str):
                    raise TypeError
            except (ValueError, KeyError, TypeError):
                raise ApiError(400, "expected a JSON body {\"bundle\": \"<bundle text>\"}") \
                    from None
            headers = {k: v for k, v in request.headers.items()
                       if k.startswith("x-") and k != "x-admintoken"}
            art = json.dumps({"kind": "bundle", "bundle": bundle}).encode()
            result = await cp.deploy(project, space, art, headers)
            return JSONResponse(result, status_code=201)
        except (ApiError, CatalogError) as e:
            # The CLI prints `error` in red and ignores the status.
            return JSONResponse({"error": str(e)}, status_code=getattr(e, "status", 400))

    @app.get("/_adm/{project}/{space}/logs")
    async def adm_logs(project: str, space: str, request: Request, tail: str = "100",
                       filter: str = "") -> Response:
        """`coho log [-f]`: Server-Sent Events — `log` per history entry, newest first
        (the CLI unshifts them), then `logend`, then `logrt` per live batch and `ping`
        as keep-alive. `filter` keeps one context (routehooks, jobhooks, ...)."""
        try:
            await cp.require_admin(request, project)
            sp = await cp.catalog.space(project, space)
        except (ApiError, CatalogError) as e:
            return JSONResponse({"error": str(e)}, status_code=getattr(e, "status", 400))
        n = int(tail) if tail.isdigit() else 100
        return StreamingResponse(cp.log_events(sp["id"], n, filter),
                                 media_type="text/event-stream",
                                 headers={"cache-control": "no-cache", "x-accel-buffering": "no"})

    adm.register(app, cp)  # the other _A_D_M_ endpoints (control_plane/adm.py)
    queues_admin.register(app, cp)  # queue status, dead letters (control_plane/queues_admin.py)
    files_admin.register(app, cp)  # blob storage: upload, download, list, delete
    spaces_admin.register(app, cp)  # spaces, API tokens, admin tokens
    backup_admin.register(app, cp)  # backup and restore of a space
    graphql.register(app, cp)  # POST /graphql: coho's admin GraphQL API

    return app


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--storage", required=True)
    ap.add_argument("--executor", action="append", default=[])
    ap.add_argument("--nats", default="")
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s control %(levelname)s %(message)s")
    s = Settings.from_env()
    cp = ControlPlane(s, a.storage, a.executor, a.nats)
    uvicorn.run(create_app(cp), host=s.host, port=s.admin_port, log_level="warning",
                access_log=False, timeout_keep_alive=int(s.keep_alive_s))


if __name__ == "__main__":
    main()
