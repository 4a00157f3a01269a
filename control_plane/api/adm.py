"""The official CLI's `_A_D_M_*` endpoints (spec §12.3). The router forwards
`/<space>/_A_D_M_<op>` to `/_adm/{project}/{space}/<op>` with the query string
untouched, so the CLI's raw JSON in `q=`/`h=` and its malformed
`?keyspace=ks?ttl=undefined` arrive as the CLI wrote them and are parsed here.

Every handler answers a precise 4xx JSON `{"error": ...}` on bad input; the CLI treats
any status > 201 as failure."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from brygge import jsonout, strictjson
from control_plane.api import queues
from control_plane.api.auth import ADMIN
from control_plane.api.bodies import read_body
from control_plane.api.control import ControlPlane
from control_plane.api.errors import ApiError
from control_plane.api.json_response import JSONResponse
from storage.errors import QuotaExceeded, StorageError

Handler = Callable[[Any, str, str, Request], Awaitable[Response]]
MAX_BODY = 64 * 1024 * 1024  # a restore chunk: the CLI sends about 5000 documents


def raw_params(request: Request, also_split: str = "") -> dict[str, str]:
    """Query parameters split on `&` (and `also_split`), percent-decoded but with `+`
    kept: the CLI does not encode `+`, `{`, `:` or `,` in its JSON."""
    qs = request.scope.get("query_string", b"").decode("latin-1")
    for sep in also_split:
        qs = qs.replace(sep, "&")
    out: dict[str, str] = {}
    for part in qs.split("&"):
        if part:
            k, _, v = part.partition("=")
            out.setdefault(unquote(k), unquote(v))
    return out


def json_param(params: dict[str, str], name: str, default: Any) -> Any:
    raw = params.get(name, "")
    if raw == "":
        return default
    try:
        value = strictjson.loads(raw)
    except ValueError as e:
        raise ApiError(400, f"query parameter {name} is not valid JSON: {e}") from None
    if not isinstance(value, dict):
        raise ApiError(400, f"query parameter {name} must be a JSON object")
    return value


def json_header(request: Request, name: str) -> Any:
    raw = request.headers.get(name)
    if raw is None:
        return None
    try:
        return strictjson.loads(raw)
    except ValueError as e:
        raise ApiError(400, f"header {name} is not valid JSON: {e}") from None


async def json_body(request: Request, what: str) -> Any:
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        raise ApiError(413, f"the body is larger than {MAX_BODY} bytes")
    body = await request.body()
    try:
        return strictjson.loads(body)
    except ValueError as e:
        raise ApiError(400, f"expected a JSON body {what}: {e}") from None


async def space_id(cp: Any, project: str, space: str) -> str:
    return str((await cp.catalog.space(project, space))["id"])


async def collection_names(cp: Any, sid: str) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in await cp.storage.call(sid, "db.collections", {})}


async def require_collection(cp: Any, sid: str, space: str, coll: str) -> None:
    if coll not in await collection_names(cp, sid):
        raise ApiError(404, f"no collection {coll!r} in space {space!r}")


async def json_array(cp: Any, sid: str, page: dict[str, Any]) -> AsyncIterator[bytes]:
    """db.getMany results, from a first page on, streamed as one JSON array. The first
    page is read before the response starts, so a bad query still answers 400."""
    sep = b""
    yield b"["
    while True:
        for d in page["docs"]:
            yield sep + jsonout.dumps_bytes(d)
            sep = b",\n"
        if not page.get("cursor"):
            break
        page = await cp.storage.call(sid, "db.getMany", {"cursor": page["cursor"]})
    yield b"]\n"


# -- deployments ----------------------------------------------------------------------------
async def undeploy_or_rollback(cp: Any, project: str, space: str, request: Request) -> Response:
    """DELETE _A_D_M_deploy: with `x-undeploy: yes` the space has no code afterwards;
    without it the newest deployment is dropped and the previous one becomes active."""
    sp = await cp.catalog.space(project, space)
    if request.headers.get("x-undeploy", "").lower() == "yes":
        await cp.catalog.undeploy(sp)
        await cp.publish_space_changed(sp["id"])
        await cp.sync_schedules(sp, None)  # its cron jobs stop
        return JSONResponse({"undeployed": True, "space": space})
    try:
        newest, prev = await cp.catalog.rollback(sp)
    except LookupError:
        raise ApiError(409, f"space {space!r} has no previous deployment to roll back to") \
            from None
    await cp.publish_space_changed(sp["id"])
    await cp.sync_schedules(sp, list((prev.get("manifest") or {}).get("jobs") or []))
    return JSONResponse({"rollback": True, "active": prev["seq"], "removed": newest["seq"]})


def history_docs(history: list[dict[str, Any]], space: dict[str, Any]) -> list[dict[str, Any]]:
    """Newest first; `active` marks the one serving. The CLI labels the first entry
    "(active)", so a space that was undeployed gets a first entry saying so."""
    docs = [{"_id": d["_id"], "seq": d["seq"], "date": d["date"], "digest": d["digest"],
             "headers": d.get("headers") or {}, "active": False} for d in history]
    if docs and not space.get("deployment"):
        when = space.get("undeployed_at") or "-"
        return [{"_id": "-", "seq": None, "date": when, "digest": None, "active": False,
                 "headers": {"x-userfullname": "(undeployed: no code runs)", "x-date": when,
                             "x-githash": "-", "x-gitbranch": "-"}}, *docs]
    for d in docs:
        if d["digest"] == space.get("deployment"):
            d["active"] = True
            break
    return docs


# -- query ---------------------------------------------------------------------------------
async def query(cp: Any, project: str, space: str, request: Request, coll: str) -> Response:
    params = raw_params(request)
    q = json_param(params, "q", {})
    h = json_param(params, "h", {})
    opts = json_header(request, "x-options") or {}
    if not isinstance(opts, dict):
        raise ApiError(400, "header x-options must be a JSON object")
    sp = await cp.catalog.space(project, space)
    sid = sp["id"]
    if coll == "_hooks":
        return JSONResponse(history_docs(await cp.catalog.deployments(sid), sp))
    if coll == "_dbmetadata":
        cols = await cp.storage.call(sid, "db.collections", {})
        return JSONResponse([{"collections": [
            [c["name"], {"name": c["name"], "created": c.get("created"),
                         "indexes": c.get("indexes") or {}, "count": c.get("count"),
                         "bytes": c.get("bytes")}] for c in cols]}])
    await require_collection(cp, sid, space, coll)
    base = {"collection": coll, "query": q}
    if opts.get("enqueue"):  # coho query --enqueue <topic>: each document becomes a job
        find = {**base, "options": {k: v for k, v in opts.items() if k not in ("enqueue",
                                                                              "hints")}}

        async def pages() -> Any:
            cursor = None
            while True:
                r = await cp.storage.call(sid, "db.getMany", {**find, "cursor": cursor})
                yield r.get("docs") or []
                cursor = r.get("cursor")
                if not cursor:
                    return

        return JSONResponse(await queues.enqueue_documents(cp, sid, opts["enqueue"], pages()))
    if h.get("count") or h.get("$onlycount"):
        return JSONResponse([await cp.storage.call(sid, "db.count", base)])
    if "x-deletebyquery" in request.headers:
        return JSONResponse(await cp.storage.call(sid, "db.removeMany", base))
    for header, op, arg in (("x-updatebyquery", "db.updateMany", "update"),
                            ("x-replacebyquery", "db.replaceMany", "doc")):
        if header in request.headers:
            change = json_header(request, header)
            if not isinstance(change, dict):
                raise ApiError(400, f"header {header} must be a JSON object")
            if op == "db.updateMany" and not any(k.startswith("$") for k in change):
                change = {"$set": change}  # the CLI's --update '{...}' patches fields
            return JSONResponse(await cp.storage.call(sid, op, {**base, arg: change}))
    hints = {**h, **(opts.get("hints") or {})}
    options = {k: v for k, v in opts.items() if k != "hints"}
    args = {**base, "options": {**options, "hints": hints}}
    first = await cp.storage.call(sid, "db.getMany", args)
    return StreamingResponse(json_array(cp, sid, first), media_type="application/json")


async def export(cp: Any, project: str, space: str, request: Request, coll: str) -> Response:
    sid = await space_id(cp, project, space)
    await require_collection(cp, sid, space, coll)
    first = await cp.storage.call(sid, "db.getMany", {"collection": coll, "query": {}})
    return StreamingResponse(json_array(cp, sid, first), media_type="application/json")


async def restore(cp: Any, project: str, space: str, request: Request, coll: str) -> Response:
    docs = await json_body(request, "[{...}, ...] (an array of documents)")
    if not isinstance(docs, list) or not all(isinstance(d, dict) for d in docs):
        raise ApiError(400, "expected a JSON array of documents (objects)")
    if not coll or coll.startswith("_"):
        raise ApiError(400, f"cannot import into collection {coll!r}")
    sid = await space_id(cp, project, space)
    if not docs:
        return JSONResponse({"count": 0}, status_code=201)
    done = await cp.storage.call(sid, "db.insertMany", {"collection": coll, "docs": docs})
    return JSONResponse({"count": len(done)}, status_code=201)


# -- indexes ---------------------------------------------------------------------------------
async def index_body(request: Request) -> tuple[str, list[str]]:
    body = await json_body(request, '{"collection": "...", "index": ["field", ...]}')
    coll = body.get("collection") if isinstance(body, dict) else None
    fields = body.get("index") if isinstance(body, dict) else None
    fields = [fields] if isinstance(fields, str) else fields
    if not isinstance(coll, str) or not coll or not isinstance(fields, list) or not fields \
            or not all(isinstance(f, str) and f for f in fields):
        raise ApiError(400, 'expected a JSON body {"collection": "...", "index": ["field", ...]}')
    return coll, fields


async def create_index(cp: Any, project: str, space: str, request: Request) -> Response:
    coll, fields = await index_body(request)
    sid = await space_id(cp, project, space)
    res = await cp.storage.call(sid, "db.createIndex", {"collection": coll, "fields": fields},
                                timeout=3600)
    # The CLI JSON.parses every network chunk, and proxies may merge chunks: so one
    # object, which carries the count it prints ("Finished creating index for N objects").
    return JSONResponse({"field": fields[0], "count": res["count"], "finished": True,
                         "indexes": res["indexes"]})


async def remove_index(cp: Any, project: str, space: str, request: Request) -> Response:
    coll, fields = await index_body(request)
    sid = await space_id(cp, project, space)
    await require_collection(cp, sid, space, coll)
    return JSONResponse(await cp.storage.call(sid, "db.removeIndex",
                                              {"collection": coll, "fields": fields}))


# -- schemas (`brygge add-schema`/`remove-schema`; the newer coho's add-schema) ------------
async def schema_set(cp: Any, project: str, space: str, request: Request, coll: str) -> Response:
    doc = await json_body(request, "(a JSON Schema object)")
    if not isinstance(doc, dict):
        raise ApiError(400, "expected a JSON Schema object as the body")
    if not coll or coll.startswith("_"):
        raise ApiError(400, f"cannot set a schema on collection {coll!r}")
    sid = await space_id(cp, project, space)
    return JSONResponse(await cp.storage.call(sid, "db.setSchema",
                                              {"collection": coll, "schema": doc}))


async def schema_get(cp: Any, project: str, space: str, request: Request, coll: str) -> Response:
    sid = await space_id(cp, project, space)
    sch = await cp.storage.call(sid, "db.getSchema", {"collection": coll})
    if sch is None:
        raise ApiError(404, f"collection {coll!r} in space {space!r} has no schema")
    return JSONResponse({"collection": coll, "schema": sch})


async def schema_remove(cp: Any, project: str, space: str, request: Request,
                        coll: str) -> Response:
    sid = await space_id(cp, project, space)
    await require_collection(cp, sid, space, coll)
    return JSONResponse(await cp.storage.call(sid, "db.removeSchema", {"collection": coll}))


# -- key-value -------------------------------------------------------------------------------
def kv_scope(params: dict[str, str]) -> dict[str, Any]:
    ks = params.get("keyspace", "")
    return {"keyspace": ks} if ks and ks != "undefined" else {}


async def keys_get(cp: Any, project: str, space: str, request: Request) -> Response:
    params = raw_params(request, "?")
    key = params.get("key", "*")
    sid = await space_id(cp, project, space)
    scope = kv_scope(params)
    if key.endswith("*"):
        items = await cp.storage.call(sid, "kv.getAll", {**scope, "prefix": key[:-1]})
        return JSONResponse([{"key": i["key"], "value": i["val"]} for i in items])
    if not key:
        raise ApiError(400, "query parameter key is required")
    value = await cp.storage.call(sid, "kv.get", {**scope, "key": key})
    if value is None:
        raise ApiError(404, f"no key {key!r}")
    return JSONResponse({"key": key, "value": value})


async def keys_set(cp: Any, project: str, space: str, request: Request) -> Response:
    params = raw_params(request, "?")  # `?keyspace=ks?ttl=undefined` is the CLI's
    body = await json_body(request, '{"key": "...", "value": "..."}')
    if not isinstance(body, dict) or not isinstance(body.get("key"), str) or not body["key"] \
            or body.get("value") is None:
        raise ApiError(400, 'expected a JSON body {"key": "...", "value": "..."}')
    args = {**kv_scope(params), "key": body["key"], "value": body["value"]}
    ttl = params.get("ttl", "")
    if ttl not in ("", "undefined", "null", "0"):
        try:
            args["ttl"] = int(float(ttl))
        except ValueError:
            raise ApiError(400, f"ttl must be milliseconds, not {ttl!r}") from None
    sid = await space_id(cp, project, space)
    value = await cp.storage.call(sid, "kv.set", args)
    return JSONResponse({"key": body["key"], "value": value})


async def keys_del(cp: Any, project: str, space: str, request: Request) -> Response:
    params = raw_params(request, "?")
    body = await json_body(request, '{"key": "..."}')
    if not isinstance(body, dict) or not isinstance(body.get("key"), str) or not body["key"]:
        raise ApiError(400, 'expected a JSON body {"key": "..."}')
    sid = await space_id(cp, project, space)
    gone = await cp.storage.call(sid, "kv.del", {**kv_scope(params), "key": body["key"]})
    if gone is None:
        raise ApiError(404, f"no key {body['key']!r}")
    return JSONResponse({"key": body["key"]})


# -- usage -----------------------------------------------------------------------------------
async def usage(cp: Any, project: str, space: str, request: Request) -> Response:
    """One object per space of the project (the CLI prints them all)."""
    out = []
    for sp in await cp.catalog.spaces(project):
        u = await cp.storage.call(sp["id"], "space.usage", {})
        out.append({"_id": sp["name"], "api": u.get("api", 0),
                    "codehook_invocation": u.get("codehook_invocation", 0),
                    "datastore_objects": u.get("objects", 0),
                    "datastore_size": u.get("bytes", 0),
                    "codehook_time": round(u.get("codehook_time", 0)),
                    "file_count": u.get("file_count", 0), "file_size": u.get("file_bytes", 0)})
    return JSONResponse(out)


def router(cp: ControlPlane) -> APIRouter:
    """The routes; each checks the admin token first (401/403 JSON)."""
    r = APIRouter(dependencies=ADMIN)

    @r.post("/_adm/{project}/{space}/deploy")
    async def adm_deploy(project: str, space: str, request: Request) -> JSONResponse:
        body = await read_body(request, cp.s.max_deploy_bytes)
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
        return JSONResponse(result, status_code=201)  # the CLI prints `error` of a refusal

    @r.get("/_adm/{project}/{space}/logs")
    async def adm_logs(project: str, space: str, tail: str = "100",
                       filter: str = "") -> Response:
        """`coho log [-f]`: Server-Sent Events — `log` per history entry, newest first
        (the CLI unshifts them), then `logend`, then `logrt` per live batch and `ping`
        as keep-alive. `filter` keeps one context (routehooks, jobhooks, ...)."""
        sp = await cp.catalog.space(project, space)
        n = int(tail) if tail.isdigit() else 100
        return StreamingResponse(cp.log_events(sp["id"], n, filter),
                                 media_type="text/event-stream",
                                 headers={"cache-control": "no-cache", "x-accel-buffering": "no"})

    async def guarded(fn: Callable[..., Awaitable[Response]], project: str, space: str,
                      request: Request, *extra: str) -> Response:
        try:
            return await fn(cp, project, space, request, *extra)
        except QuotaExceeded:
            raise  # 507/429 with the quota's figures (errors.py)
        except StorageError as e:
            status = {"NotFound": 404, "Conflict": 409}.get(getattr(e, "name", ""), 400)
            raise ApiError(status, str(e)) from None

    prefix = "/_adm/{project}/{space}"
    routes: list[tuple[str, str, Callable[..., Awaitable[Response]]]] = [
        ("DELETE", "/deploy", undeploy_or_rollback),
        ("GET", "/query/{coll}", query),
        ("GET", "/export/{coll}", export),
        ("POST", "/restore/{coll}", restore),
        ("POST", "/indexes", create_index),
        ("DELETE", "/indexes", remove_index),
        ("POST", "/schema/{coll}", schema_set),
        ("GET", "/schema/{coll}", schema_get),
        ("DELETE", "/schema/{coll}", schema_remove),
        ("GET", "/keys", keys_get),
        ("POST", "/keys", keys_set),
        ("DELETE", "/keys", keys_del),
        ("GET", "/usage", usage),
    ]

    def endpoint(fn: Callable[..., Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            p = request.path_params
            extra = (p["coll"],) if "coll" in p else ()
            return await guarded(fn, p["project"], p["space"], request, *extra)
        return handle

    for method, path, fn in routes:
        r.add_api_route(prefix + path, endpoint(fn), methods=[method])

    @r.api_route(prefix + "/{op:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    async def adm_other(project: str, space: str, op: str, request: Request) -> Response:
        raise ApiError(404, f"unknown admin operation _A_D_M_{op} ({request.method})")

    return r
