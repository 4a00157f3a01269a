"""The data-plane router: a raw ASGI app that admits a request to a space and
streams it through an executor.

Per request: resolve project (Host) and space (first path segment; or both from the Host
when it is a custom domain or alternative host: router/resolve.py, storage/hosts.py),
admit it (router/admit.py), check the credential (router/credentials.py), enforce the body
limit, then one invocation on the executor the process was composed with (in-process or
over gRPC: brygge/executor_api.py); response head and body chunks are forwarded as they
arrive (router/streaming.py). `/<space>/_A_D_M_*` goes to the control plane instead
(router/admin_proxy.py).

Resolutions (space records, tokens) are cached briefly and dropped at once when
the control plane announces a change on NATS.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
import traceback
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import grpc.aio
import httpx

from brygge import events, jsonsafe, natsconn
from brygge.executor_api import ExecutorFactory
from brygge.settings import Settings
from brygge.tokenseal import TokenKeys
from proto import brygge_pb2 as pb
from router import admin_proxy, compress, request_ids
from router.admit import admit
from router.body import BodyError, RequestBody, parsed_as_json
from router.credentials import check_credential
from router.errors import Reject, send_json
from router.errors import rid as _rid
from router.jwt_auth import JwksCache
from router.meter import Meter
from router.quota import RouterQuotas
from router.realtime import Realtime
from router.resolve import Resolver, hostname
from router.streaming import stream_invocation
from storage import admission, hosts
from storage.catalog import Catalog
from storage.client import AsyncStorageClient

log = logging.getLogger("brygge.router")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class Router:
    def __init__(self, settings: Settings, storage_target: str, nats_url: str, admin_url: str,
                 executor: ExecutorFactory) -> None:
        self.s = settings
        self.storage_target = storage_target
        self.nats_url = nats_url
        self.admin_url = admin_url.rstrip("/")
        self.http: httpx.AsyncClient | None = None
        self.make_executor = executor  # called in startup(), on uvicorn's loop
        self.nc: Any = None
        self.api_suffix = f".api.{settings.domain}"
        self.trusted = admission.parse_networks(settings.trusted_proxies)
        self.limiter = admission.RateLimiter()
        self.jwks = JwksCache(settings.jwks_timeout_s, settings.jwks_cache_s,
                              settings.jwks_refetch_s, settings.jwt_leeway_s)

    # -- lifecycle ----------------------------------------------------------------------
    async def startup(self) -> None:
        # grpc.aio channels belong to the event loop they are created in: uvicorn's.
        self.storage = AsyncStorageClient(self.storage_target)
        self.quotas = RouterQuotas(self.storage, self.s.routers, self.s.quota_refresh_s)
        self.meter = Meter(self.storage, self.s.meter_flush_s, self.quotas)
        self.meter.start()
        self.catalog = Catalog(self.storage, TokenKeys.of_data_dir(self.s.data_path))
        self.resolve = Resolver(self.s, self.catalog)
        self.http = admin_client(self.s)
        self.executor = self.make_executor()
        if self.nats_url:
            self.nc = await natsconn.connect(self.nats_url)
        self.realtime = Realtime(self.s, self.storage, self.nc)
        if self.nc is not None:

            async def on_change(msg: Any) -> None:
                self.resolve.cache.clear()
                self.quotas.clear()

            await self.nc.subscribe(f"{events.SPACE_CHANGED}.*", cb=on_change)
        print(f"router ready {os.getpid()}", flush=True)  # the supervisor waits for it

    async def shutdown(self) -> None:
        await self.meter.stop()
        if self.http:
            await self.http.aclose()
        if self.nc is not None:
            await self.nc.close()

    # -- ASGI entry -----------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    try:
                        await self.startup()
                        await send({"type": "lifespan.startup.complete"})
                    except Exception as e:
                        await send({"type": "lifespan.startup.failed", "message": str(e)})
                        return
                elif msg["type"] == "lifespan.shutdown":
                    await self.shutdown()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        request_id = request_ids.new()
        started = False

        async def tracked(msg: dict[str, Any]) -> None:
            nonlocal started
            started = True
            await send(msg)

        try:
            hand_off = await self.handle(scope, receive, tracked, request_id)
            if hand_off is not None:
                # An event stream: served from here, so that the frames of the request's
                # handling (its headers, protobufs, body reader) are gone while it is open.
                project = scope["brygge.project"]
                self.quotas.open_stream(project, await self.quotas.limits(project))
                try:
                    await self.realtime.serve(tracked, receive, *hand_off, request_id)
                finally:
                    self.quotas.close_stream(project)
        except Reject as r:
            # CORS headers too, so that a browser app can read why it was refused
            await send_json(send, r.status, {"error": str(r), **r.fields,
                                             "requestId": request_id},
                            [*r.headers, *scope.get("brygge.cors", []),
                             (b"x-request-id", request_id.encode())])
        except grpc.aio.AioRpcError as e:
            log.warning("request %s: executor call failed: %s", request_id, e.code().name)
            await send_json(send, 502, {"error": "the executor running this app failed "
                                                 f"({e.code().name}); try again",
                                        "requestId": request_id}, _rid(request_id))
        except httpx.HTTPError as e:  # the control plane behind /_A_D_M_* is down
            log.warning("request %s: admin API call failed: %s", request_id, e)
            if not started:
                await send_json(send, 502, {"error": "the admin API is not reachable; try "
                                                     "again", "requestId": request_id},
                                _rid(request_id))
        except Exception as e:
            # One JSON shape for every failure, never uvicorn's text/plain 500.
            log.exception("request %s failed in the router", request_id)
            if not started:
                body: dict[str, Any] = {"error": "internal router error", "requestId": request_id}
                if self.s.dev_mode:
                    body["detail"] = f"{type(e).__name__}: {e}"
                    body["stack"] = traceback.format_exc()
                await send_json(send, 500, body, _rid(request_id))

    async def handle(self, scope: Scope, receive: Receive, send: Send, request_id: str
                     ) -> tuple[Any, ...] | None:
        """Answer one request; returns the arguments of Realtime.serve when the answer
        is an event stream (served by the caller)."""
        headers: dict[str, str] = {}
        for k, v in scope["headers"]:
            name = k.decode("latin-1").lower()
            val = v.decode("latin-1")
            headers[name] = f"{headers[name]}, {val}" if name in headers else val
        client = scope.get("client") or ("", 0)
        ip, host, _ = admission.forwarded_view(client[0], headers, self.trusted,
                                               scope.get("scheme", "http"))
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        query = scope.get("query_string", b"").decode("latin-1")
        if len(raw_path) + len(query) > self.s.max_url_bytes:
            raise Reject(414, f"URL is longer than {self.s.max_url_bytes} bytes")
        if sum(len(k) + len(v) for k, v in scope["headers"]) > self.s.max_header_bytes:
            raise Reject(431, f"request headers exceed {self.s.max_header_bytes} bytes")
        bound = await self.resolve.bound(host)
        if bound is not None:
            # A custom domain or alternative host names the space: the whole path is the
            # API path (req.path too). The official CLI's admin calls are served only on
            # project URLs, never on a host a tenant's DNS points here.
            project, space_name, api_path = bound["project"], bound["space"], raw_path or "/"
            if api_path.startswith("/_A_D_M_"):
                raise Reject(404, "admin calls (_A_D_M_) are not served on custom domains "
                                  "or alternative hosts; use <project>.api.<domain>/<space>/")
        else:
            project = self.resolve.project_of(host)
            parts = raw_path.split("/", 2)
            space_name = parts[1] if len(parts) > 1 else ""
            api_path = "/" + (parts[2] if len(parts) > 2 else "")
            if not space_name:
                raise Reject(404, "no space in the URL: use /<space>/<route>, e.g. /dev/hello")
        if bound is None and api_path.startswith("/_A_D_M_"):  # router/admin_proxy.py
            assert self.http is not None
            suspended(project, await self.resolve.space(project, space_name))
            await admin_proxy.forward(self.s, self.http, self.admin_url, self.catalog, scope,
                                      receive, send, headers, project, space_name,
                                      api_path[8:], query)
            return
        space = await self.resolve.space(project, space_name)
        if space is None or (bound is not None and bound["kind"] == "alt"
                             and space.get("alt_host") != hosts.normalize(host)):
            raise Reject(404, f"no space {space_name!r} in project {project!r}")
        suspended(project, space)
        if not space.get("deployment"):
            raise Reject(404, f"no app is deployed to space {space_name!r}; "
                              "deploy one with `brygge deploy`")
        method = scope["method"]
        self.meter.api(space["id"])
        if await admit(self.s, self.storage, self.limiter, scope, send, headers, space, method, ip):
            return  # a CORS preflight, answered here
        # the project's quotas (router/quota.py), before any credential or executor work
        scope["brygge.project"] = project = space["project"]
        self.quotas.admit(project, await self.quotas.limits(project))
        authed, auth_error = await check_credential(self.s, self.resolve, self.jwks, headers,
                                                    space, method)

        reader = RequestBody(receive, self.s.max_body_bytes, self.s.max_stream_body_bytes,
                             headers.get("content-type", ""))
        try:
            reader.check_length(headers.get("content-length"))
            body, more = await reader.read_head()
        except BodyError as e:
            raise Reject(e.status, str(e)) from None
        if body and not more and parsed_as_json(headers.get("content-type", "")):
            await self.check_json_depth(body)

        original_url = raw_path + ("?" + query if query else "")
        http = pb.HttpRequest(
            method=method, path=raw_path, api_path=api_path, original_url=original_url,
            query=query, headers=[pb.Header(name=k, value=v) for k, v in headers.items()],
            hostname=hostname(host), ip=ip, authed=authed,
            auth_error=auth_error, body=body, body_follows=more)
        gzip = (method != "HEAD" and self.s.compress_min_bytes >= 0
                and compress.accepts_gzip(headers.get("accept-encoding", "")))
        env = space.get("env")
        inv = pb.Invocation(request_id=request_id, space_id=space["id"],
                            deployment=space["deployment"], deadline_s=self.s.request_timeout_s,
                            env_json=json.dumps(env, sort_keys=True) if env else "", http=http)
        t0 = time.perf_counter()

        sse = method == "GET"
        try:
            hand_off = await stream_invocation(
                self.s, self.executor.invoke(inv, reader.next_chunk if more else None), inv, send,
                scope.get("brygge.cors"), gzip, sse)
            return self._sse_args(hand_off, space, api_path, headers)
        finally:
            ms = (time.perf_counter() - t0) * 1000
            self.meter.invocation(space["id"], ms)
            self.quotas.charge(project, ms)

    @staticmethod
    def _sse_args(hand_off: tuple[str, list[tuple[bytes, bytes]]] | None, space: dict[str, Any],
                  api_path: str, headers: dict[str, str]) -> tuple[Any, ...] | None:
        """What Realtime.serve needs of this request, and nothing more."""
        if hand_off is None:
            return None
        channel, hdrs = hand_off
        listener = api_path[len(channel):].strip("/") if api_path.startswith(channel) \
            else api_path.rsplit("/", 1)[-1]
        return (str(space["id"]), channel, urllib.parse.unquote(listener),
                headers.get("last-event-id", ""), hdrs)

    async def check_json_depth(self, body: bytes) -> None:
        """A JSON body the runtime will parse: refuse nesting beyond max_json_depth here
        (the guest's JSON.parse would trap). NaN/Infinity are the guest's to refuse:
        JSON.parse does. A large body is checked on a worker thread."""
        try:
            if len(body) >= self.s.offload_min_bytes:
                await asyncio.to_thread(jsonsafe.check, body, self.s.max_json_depth, False)
            else:
                jsonsafe.check(body, self.s.max_json_depth, False)
        except jsonsafe.JsonUnsafe as e:
            raise Reject(400, f"request body: {e}") from None


def suspended(project: str, space: dict[str, Any] | None) -> None:
    """A space of a suspended project answers 403 on every route (control_plane/
    lifecycle.py mirrors the project's flag onto its space records)."""
    if space is not None and space.get("suspended"):
        raise Reject(403, f"project {project} is suspended")


def admin_client(s: Settings) -> httpx.AsyncClient:
    """The client proxying /_A_D_M_* calls to the control plane. Its pooled connections
    expire well before the admin API closes idle ones: with equal timeouts (httpx and
    uvicorn both default to 5 s) a call could be written into a socket the server is
    closing and fail with a 502. retries=1 re-dials a refused connect (nothing sent yet)."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(None, connect=5),
        transport=httpx.AsyncHTTPTransport(
            retries=1, limits=httpx.Limits(keepalive_expiry=s.keep_alive_s / 2)))
