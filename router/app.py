"""The data-plane router: a raw ASGI app that admits a request to a space and
streams it through an executor.

Per request: resolve project (Host) and space (first path segment), check the
credential, enforce the body limit, then one bidirectional gRPC stream to the
executor chosen for the space; response head and body chunks are forwarded as
they arrive. `/<space>/_A_D_M_*` goes to the control plane instead.

Resolutions (space records, tokens) are cached briefly and dropped at once when
the control plane announces a change on NATS.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import secrets
import time
import traceback
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import grpc.aio
import httpx

from brygge import events, jsonsafe, natsconn, placement
from brygge.settings import Settings
from proto import brygge_pb2 as pb
from proto import brygge_pb2_grpc as pbg
from router import admin_proxy, compress
from router.body import BodyError, RequestBody, parsed_as_json
from router.errors import Reject, send_json
from router.errors import rid as _rid
from router.jwt_auth import JwksCache, JwtError, looks_like_jwt
from router.meter import Meter
from router.realtime import Realtime
from sandbox import internal
from storage import admission
from storage.catalog import Catalog
from storage.client import CHANNEL_OPTIONS, AsyncStorageClient

log = logging.getLogger("brygge.router")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

CHUNK = 64 * 1024
CLAIMS_HEADER = "x-jwt-claims"  # verified JWT claims, JSON, as the app sees them
CACHE_TTL_S = 5.0
_HOP_HEADERS = {b"connection", b"keep-alive", b"transfer-encoding", b"upgrade",
                b"proxy-connection", b"te", b"trailer", b"content-length"}


class TTLCache:
    def __init__(self) -> None:
        self.data: dict[Any, tuple[float, Any]] = {}

    def get(self, key: Any) -> Any:
        hit = self.data.get(key)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        return None

    def put(self, key: Any, value: Any) -> None:
        if len(self.data) > 100_000:
            self.data.clear()
        self.data[key] = (time.monotonic() + CACHE_TTL_S, value)

    def clear(self) -> None:
        self.data.clear()


_MISSING = {"missing": True}


class Router:
    def __init__(self, settings: Settings, storage_target: str, executor_targets: list[str],
                 nats_url: str, admin_url: str) -> None:
        self.s = settings
        self.storage_target = storage_target
        self.executor_targets = executor_targets
        self.nats_url = nats_url
        self.admin_url = admin_url.rstrip("/")
        self.http: httpx.AsyncClient | None = None
        self.cache = TTLCache()
        self.local: Any = None  # the in-process executor, when configured
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
        self.meter = Meter(self.storage, self.s.meter_flush_s)
        self.meter.start()
        self.catalog = Catalog(self.storage)
        self.executors = {t: pbg.ExecutorStub(grpc.aio.insecure_channel(t, options=CHANNEL_OPTIONS))
                          for t in self.executor_targets}
        self.http = admin_client(self.s)
        if self.s.executor_transport == "inprocess":
            from sandbox.local import InProcessExecutor
            self.local = InProcessExecutor(self.s, self.storage_target, self.nats_url)
        if self.nats_url:
            self.nc = await natsconn.connect(self.nats_url)
        self.realtime = Realtime(self.s, self.storage, self.nc)
        if self.nc is not None:

            async def on_change(msg: Any) -> None:
                self.cache.clear()

            await self.nc.subscribe(f"{events.SPACE_CHANGED}.*", cb=on_change)
        print(f"router ready {os.getpid()}", flush=True)  # the supervisor waits for it

    async def shutdown(self) -> None:
        await self.meter.stop()
        if self.http:
            await self.http.aclose()
        if self.nc is not None:
            await self.nc.close()

    # -- resolution -------------------------------------------------------------------------
    def project_of(self, host: str) -> str:
        """`<project>.api.<anything>` names a project (the official CLI sends
        `<project>.api.codehooks.local.io`); any other host is the default project."""
        host = host.split(":", 1)[0].lower()
        i = host.find(".api.")
        if i > 0:
            return host[:i]
        return self.s.default_project

    async def space(self, project: str, name: str) -> dict[str, Any] | None:
        key = ("space", project, name)
        rec = self.cache.get(key)
        if rec is None:
            rec = await self.catalog.find_space(project, name) or _MISSING
            self.cache.put(key, rec)
        return None if rec is _MISSING or rec.get("missing") else rec

    async def token(self, token: str) -> dict[str, Any] | None:
        key = ("token", token)
        rec = self.cache.get(key)
        if rec is None:
            rec = await self.catalog.token(token) or _MISSING
            self.cache.put(key, rec)
        return None if rec.get("missing") else rec

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
        request_id = secrets.token_hex(8)
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
                await self.realtime.serve(tracked, receive, *hand_off, request_id)
        except Reject as r:
            # CORS headers too, so that a browser app can read why it was refused
            await send_json(send, r.status, {"error": str(r), "requestId": request_id},
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
        project = self.project_of(host)
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        query = scope.get("query_string", b"").decode("latin-1")
        if len(raw_path) + len(query) > self.s.max_url_bytes:
            raise Reject(414, f"URL is longer than {self.s.max_url_bytes} bytes")
        if sum(len(k) + len(v) for k, v in scope["headers"]) > self.s.max_header_bytes:
            raise Reject(431, f"request headers exceed {self.s.max_header_bytes} bytes")
        parts = raw_path.split("/", 2)
        space_name = parts[1] if len(parts) > 1 else ""
        api_path = "/" + (parts[2] if len(parts) > 2 else "")
        if not space_name:
            raise Reject(404, "no space in the URL: use /<space>/<route>, e.g. /dev/hello")
        if api_path.startswith("/_A_D_M_"):  # router/admin_proxy.py: checked, then forwarded
            assert self.http is not None
            await admin_proxy.forward(self.s, self.http, self.admin_url, self.catalog, scope,
                                      receive, send, headers, project, space_name,
                                      api_path[8:], query)
            return
        space = await self.space(project, space_name)
        if space is None:
            raise Reject(404, f"no space {space_name!r} in project {project!r}")
        if not space.get("deployment"):
            raise Reject(404, f"no app is deployed to space {space_name!r}; "
                              "deploy one with `brygge deploy`")
        method = scope["method"]
        self.meter.api(space["id"])
        if await self.admit(scope, send, headers, space, method, ip):
            return  # a CORS preflight, answered here
        authed, auth_error = await self.check_credential(headers, space, method)

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
            hostname=_hostname(host), ip=ip, authed=authed,
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
            if self.local is not None:
                hand_off = await self.stream_invocation(
                    self.local.invoke(inv, reader.next_chunk if more else None), inv, send,
                    scope.get("brygge.cors"), gzip, sse)
                return self._sse_args(hand_off, space, api_path, headers)

            async def requests() -> AsyncIterator[pb.InvokeIn]:
                yield pb.InvokeIn(start=inv)
                if not more:
                    return
                try:
                    while (chunk := await reader.next_chunk()) is not None:
                        yield pb.InvokeIn(body_chunk=chunk)
                    yield pb.InvokeIn(body_end=True)
                except BodyError as e:
                    yield pb.InvokeIn(body_error=str(e))

            stub = self.executors[placement.pick(space["id"], self.executor_targets)]
            call = stub.Invoke(requests(), timeout=inv.deadline_s + 10, wait_for_ready=True)
            hand_off = await self.stream_invocation(call, inv, send, scope.get("brygge.cors"),
                                                    gzip, sse)
            return self._sse_args(hand_off, space, api_path, headers)
        finally:
            self.meter.invocation(space["id"], (time.perf_counter() - t0) * 1000)

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

    async def admit(self, scope: Scope, send: Send, headers: dict[str, str],
                    space: dict[str, Any], method: str, ip: str) -> bool:
        """Allowed hosts, rate limit and CORS of the space (storage/admission.py).
        Raises Reject; True when the request was a CORS preflight now answered."""
        allowed = space.get("allowed_hosts")
        if allowed and not admission.in_networks(ip, admission.parse_networks(allowed)):
            raise Reject(403, f"client address {ip} is not in the allowed hosts of this space")
        limit = space.get("rate_limit")
        if limit:
            if self.s.routers > 1:  # one bucket for all the node's routers, kept by storage
                wait = (await self.storage.call(space["id"], "space.ratelimit", {
                    "rate": limit["rate"], "burst": limit["burst"]}))["wait"]
            else:  # the only router: no hop
                wait = self.limiter.take(space["id"], limit["rate"], limit["burst"])
            if wait > 0:
                raise Reject(429, f"rate limit of this space exceeded ({limit['rate']:g} "
                                  f"requests/s, burst {limit['burst']})",
                             [(b"retry-after", str(max(1, math.ceil(wait))).encode())])
        origin = headers.get("origin")
        if not origin:
            return False
        origins = space.get("cors_origins")
        if not admission.origin_allowed(origin, origins, headers["x-forwarded-host"]):
            raise Reject(403, f"origin {origin[:200]!r} is not allowed by this space's CORS "
                              "settings")
        scope["brygge.cors"] = admission.cors_headers(origin, origins)
        if method == "OPTIONS" and "access-control-request-method" in headers:
            # Preflights carry no credentials: answer them before the credential check.
            await send({"type": "http.response.start", "status": 204, "headers": [
                *admission.preflight_headers(origin, origins,
                                             headers.get("access-control-request-headers", "")),
                (b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return True
        return False

    async def check_credential(self, headers: dict[str, str], space: dict[str, Any],
                               method: str) -> tuple[bool, str]:
        """(admitted, why not). Decision 1 of DESIGN.md: a valid space token admits
        the request; otherwise the app's auth hooks decide (in the sandbox)."""
        signed = headers.pop(internal.HEADER, "")  # never shown to the app
        headers.pop(CLAIMS_HEADER, None)  # only the router may assert verified claims
        if signed and internal.verify(self.s.internal_secret, signed, space["id"]):
            return True, ""  # app.internalFetch from this very space
        tok = headers.get("x-apikey") or headers.get("x-api-key")
        bearer = ""
        auth = headers.get("authorization", "")
        if auth[:7].lower() == "bearer ":
            bearer = auth[7:].strip()
        for candidate, source in ((tok, "x-apikey"), (bearer, "Authorization: Bearer")):
            if not candidate:
                continue
            rec = await self.token(candidate)
            if rec is not None and rec["space_id"] == space["id"]:
                # OPTIONS too is refused: an app.all() handler would run for it. CORS
                # preflights never get here (admit() answers them).
                if rec["access"] != "RW" and method not in ("GET", "HEAD"):
                    raise Reject(403, "this token is read-only: it allows GET and HEAD only")
                return True, ""
            if source == "x-apikey":
                return False, "wrong API token in x-apikey"
        if bearer and space.get("jwks_url") and looks_like_jwt(bearer):
            try:
                claims = await self.jwks.verify(bearer, space["jwks_url"],
                                                space.get("jwt_iss", ""), space.get("jwt_aud", ""))
            except JwtError as e:
                if e.status != 401:
                    raise Reject(e.status, f"Unable to verify token (JWKS): {e}") from None
                return False, f"Unable to verify token (JWKS): {e}"
            # The app reads the verified claims here (set only by us: see handle()).
            headers[CLAIMS_HEADER] = json.dumps(claims, separators=(",", ":"))
            return True, ""
        if bearer:
            return False, "the Bearer token is not a token of this space"
        return False, "missing API token: send x-apikey or Authorization: Bearer"

    async def stream_invocation(self, call: AsyncIterator[pb.InvokeOut], inv: pb.Invocation,
                                send: Send, extra: list[tuple[bytes, bytes]] | None = None,
                                gzip: bool = False, sse: bool = False
                                ) -> tuple[str, list[tuple[bytes, bytes]]] | None:
        """Send the invocation's response; or, when it is a realtime hand-off (`sse`
        allowed and the head tagged x-realtime-connect), send nothing and return
        (channel, the head's headers) for router/realtime.py."""
        # The head is held until the body's second chunk or its end, so that a
        # response that fits in one chunk goes out with Content-Length rather than
        # chunked; later chunks are forwarded as they arrive (gzipped per chunk when
        # the client accepts it: router/compress.py).
        head: dict[str, Any] | None = None
        head_length: bytes | None = None  # an app's Content-Length, kept for HEAD only
        started = False
        pending: bytes | None = None
        z: compress.Gzip | None = None
        try:
            async for out in call:
                part = out.WhichOneof("part")
                if part == "head":
                    hdrs = [(h.name.encode("latin-1", "replace"),
                             h.value.encode("latin-1", "replace"))
                            for h in out.head.headers if h.name.encode() not in _HOP_HEADERS]
                    hdrs.append((b"x-request-id", inv.request_id.encode()))
                    if extra:
                        names = {k.lower() for k, _ in hdrs}
                        hdrs += [h for h in extra if h[0] not in names]  # the app's own win
                    head = {"type": "http.response.start", "status": out.head.status,
                            "headers": hdrs}
                    if inv.http.method == "HEAD":
                        head_length = next((h.value.encode() for h in out.head.headers
                                            if h.name.lower() == "content-length"
                                            and h.value.isdigit()), None)
                    channel = next((v for k, v in hdrs if k.lower() == b"x-realtime-connect"),
                                   None)
                    if channel is not None and sse and out.head.status == 200:
                        # The listener's event stream (router/realtime.py); the rest of
                        # the invocation (its `{}` body) drains apart.
                        task = asyncio.create_task(_drain(call, inv.request_id))
                        _background.add(task)
                        task.add_done_callback(_background.discard)
                        return channel.decode("latin-1"), [
                            (k, v) for k, v in hdrs if k.lower() != b"x-realtime-connect"]
                elif part == "body_chunk":
                    if pending is not None:
                        if not started and head is not None:
                            if gzip and compress.should_compress(head["status"], head["headers"]):
                                z = compress.Gzip(self.s.compress_level)
                                head["headers"] = compress.adjust_headers(head["headers"])
                            await send(head)
                            started = True
                        await send({"type": "http.response.body", "more_body": True,
                                    "body": await self.gzip(z, pending) if z else pending})
                    pending = out.body_chunk
                elif part == "end":
                    break
                elif part == "body_end":
                    # The app ended its response but may keep working: answer the
                    # client now and let the rest of the invocation drain apart.
                    task = asyncio.create_task(_drain(call, inv.request_id))
                    _background.add(task)
                    task.add_done_callback(_background.discard)
                    break
        except grpc.aio.AioRpcError:
            if not started and head is None:
                raise
            log.warning("request %s: executor stream broke mid-response", inv.request_id)
        if head is None:
            await send_json(send, 502, {"error": "the executor sent no response",
                                        "requestId": inv.request_id}, _rid(inv.request_id))
            return
        body = pending or b""
        if not started:
            if (gzip and len(body) >= self.s.compress_min_bytes
                    and compress.should_compress(head["status"], head["headers"])):
                body = await self.gzip(compress.Gzip(self.s.compress_level), body, True)
                head["headers"] = compress.adjust_headers(head["headers"])
            if head["status"] not in (204, 304):  # RFC 9110: no Content-Length on these
                # HEAD: the size the app says a GET would have (app.static/app.storage
                # answer HEAD without reading the file), else that of the body it made
                length = head_length if head_length is not None and not body else \
                    str(len(body)).encode()
                head["headers"].append((b"content-length", length))
            await send(head)
        elif z is not None:
            body = await self.gzip(z, body, True)
        await send({"type": "http.response.body", "body": body, "more_body": False})

    async def gzip(self, z: compress.Gzip, data: bytes, last: bool = False) -> bytes:
        return await compress.off_loop(z, data, last, self.s.offload_min_bytes)

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


def admin_client(s: Settings) -> httpx.AsyncClient:
    """The client proxying /_A_D_M_* calls to the control plane. Its pooled connections
    expire well before the admin API closes idle ones: with equal timeouts (httpx and
    uvicorn both default to 5 s) a call could be written into a socket the server is
    closing and fail with a 502. retries=1 re-dials a refused connect (nothing sent yet)."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(None, connect=5),
        transport=httpx.AsyncHTTPTransport(
            retries=1, limits=httpx.Limits(keepalive_expiry=s.keep_alive_s / 2)))


def _hostname(host: str) -> str:
    """The host without its port ([v6] literals keep their brackets, as Express does)."""
    if host.startswith("["):
        return host[:host.find("]") + 1] if "]" in host else host
    return host.split(":", 1)[0]


_background: set[asyncio.Task[None]] = set()  # drains kept referenced until done


async def _drain(call: AsyncIterator[pb.InvokeOut], request_id: str) -> None:
    try:
        async for _ in call:
            pass
    except grpc.aio.AioRpcError:
        log.warning("request %s: executor stream broke after the response", request_id)
