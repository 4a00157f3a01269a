"""`/<space>/_A_D_M_<op>`: the official CLI's admin calls, forwarded to the control plane.

The router's port is public; the admin API is not. So the router forwards only the
operations of ADMIN_OPS, to a URL it builds from checked parts, never from the
request's path as sent (an HTTP client removes `..` segments from a URL, which once let
`_A_D_M_../../../v1/...` reach any admin route). In order, before the control plane
sees anything:
1. the path: no dot segment (raw or percent-encoded, at any depth of encoding), no
   encoded slash or backslash, no backslash or NUL, no empty segment (400);
2. project (from Host) and space are catalog names; `<op>` is allow-listed, with one
   collection segment for the ops that take one (404 otherwise);
3. the credential and its access rule in the project (401/403), asked of the control
   plane (POST /v1/auth/check) before a byte of the body is read;
4. the JSON the control plane parses with Python's json (which accepts NaN and
   Infinity and raises RecursionError on deep nesting): the `q`/`h` parameters, the
   x-options/x-updatebyquery/x-replacebyquery headers and the body (400,
   brygge/jsonsafe.py). The body is streamed through that check to the control plane,
   chunk by chunk, up to max_deploy_bytes; a refused chunk is never forwarded, so the
   control plane never receives a whole body that was refused.
The control plane checks the forwarded request again (it also serves `brygge` directly).
The client's address goes along as the one X-Forwarded-For (the router's view of it,
trusted_proxies applied), never the client's own claim: the audit log records it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import unquote

import httpx

from brygge import jsonsafe
from brygge.settings import Settings
from router.body import BodyError, RequestBody
from router.errors import Reject
from storage.catalog import NAME_RE, Catalog

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

# The operations the control plane serves under /_adm/{project}/{space}/ (control_plane/
# adm.py, server.py) -> whether the op takes one collection segment (`query/<coll>`).
ADMIN_OPS: dict[str, bool] = {
    "deploy": False, "logs": False, "indexes": False, "keys": False, "usage": False,
    "query": True, "export": True, "restore": True, "schema": True,
}
JSON_PARAMS = ("q", "h")  # query parameters adm.py parses as JSON
JSON_HEADERS = ("x-options", "x-updatebyquery", "x-replacebyquery")
_PCHAR = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})+")  # RFC 3986 pchar
_HOP = {b"connection", b"keep-alive", b"transfer-encoding", b"upgrade", b"proxy-connection",
        b"te", b"trailer", b"content-length"}
_NOT_FORWARDED = _HOP | {b"host", b"expect"}  # httpx frames the body itself
_DROPPED = _NOT_FORWARDED | {b"x-forwarded-for", b"x-real-ip"}  # replaced: see forward


def path_problem(raw_path: str) -> str | None:
    """Why `raw_path` may not be forwarded, or None. Decoded up to three times, so that
    `%252e%252e` is seen for the `..` it becomes after two decodings."""
    s = raw_path
    for _ in range(4):
        if "\\" in s or "\x00" in s:
            return "backslashes and NUL are not allowed in the path"
        low = s.lower()
        if "%2f" in low or "%5c" in low:
            return "encoded slashes are not allowed in the path"
        # `_A_D_M_..` is a dot segment too: the op is appended after the prefix is cut
        segments = s.split("/")[1:]
        if any(seg.removeprefix("_A_D_M_") in (".", "..") for seg in segments):
            return "'.' and '..' segments are not allowed in the path"
        if "" in segments:
            return "empty segments ('//') are not allowed in the path"
        decoded = unquote(s)
        if decoded == s:
            return None
        s = decoded
    return "the path is percent-encoded too many times"


def target_path(project: str, space: str, op: str, method: str) -> str:
    """The control plane's path for `/<space>/_A_D_M_<op>`, or Reject."""
    if not (NAME_RE.fullmatch(project) and NAME_RE.fullmatch(space)):
        raise Reject(404, f"no space {space[:100]!r} in project {project[:100]!r}")
    name, _, coll = op.partition("/")
    takes_coll = ADMIN_OPS.get(name)
    if takes_coll is None or bool(coll) != takes_coll or "/" in coll:
        raise Reject(404, f"unknown admin operation _A_D_M_{op[:100]} ({method})")
    if coll and not _PCHAR.fullmatch(coll):
        raise Reject(400, "the collection in the path has characters that must be "
                          "percent-encoded")
    return f"/_adm/{project}/{space}/{name}" + (f"/{coll}" if coll else "")


async def check_admin(http: httpx.AsyncClient, admin_url: str, headers: dict[str, str],
                      project: str, op: str, method: str) -> None:
    """The request's credential may run `op` in `project`, as the control plane decides
    it (control_plane/api/auth_routes.py, POST /v1/auth/check: the same authentication
    and access rule the forwarded request meets), or Reject with its 401/403."""
    name, _, coll = op.partition("/")
    send = {k: headers[k] for k in ("x-admintoken", "authorization") if k in headers}
    try:
        r = await http.post(f"{admin_url}/v1/auth/check", headers=send,
                            params={"method": method, "project": project,
                                    "op": name + ("/{coll}" if coll else "")})
    except httpx.HTTPError as e:
        raise Reject(503, f"the admin API is unavailable: {type(e).__name__}") from None
    if r.status_code == 204:
        return
    try:
        why = str(r.json()["error"])
    except (ValueError, KeyError, TypeError):
        why = f"the admin API answered {r.status_code}"
    raise Reject(r.status_code if 400 <= r.status_code < 500 else 502, why)


def check_json_inputs(query: str, headers: dict[str, str], max_depth: int) -> None:
    """The JSON in the query and headers that adm.py parses (small: within the URL and
    header limits, so checked inline)."""
    params: dict[str, str] = {}
    for part in query.split("&"):  # as adm.raw_params splits it
        k, _, v = part.partition("=")
        params.setdefault(unquote(k), v)
    named = [(f"query parameter {n}", unquote(params[n])) for n in JSON_PARAMS if n in params]
    named += [(f"header {n}", headers[n]) for n in JSON_HEADERS if n in headers]
    for what, text in named:
        try:
            jsonsafe.check(text.encode("utf-8", "surrogatepass"), max_depth)
        except jsonsafe.JsonUnsafe as e:
            raise Reject(400, f"{what}: {e}") from None


async def forward(s: Settings, http: httpx.AsyncClient, admin_url: str, catalog: Catalog,
                  scope: dict[str, Any], receive: Receive, send: Send, headers: dict[str, str],
                  project: str, space: str, op: str, query: str) -> None:
    raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
    why = path_problem(raw_path)
    if why:
        raise Reject(400, why)
    method = scope["method"]
    path = target_path(project, space, op, method)
    await check_admin(http, admin_url, headers, project, op, method)
    check_json_inputs(query, headers, s.max_json_depth)

    reader = RequestBody(receive, s.max_deploy_bytes, s.max_deploy_bytes, "application/json")
    guard = jsonsafe.JsonGuard(s.max_json_depth)
    refused: list[Reject] = []

    async def checked(chunk: bytes, last: bool) -> bytes:
        try:
            if len(chunk) >= s.offload_min_bytes:
                await asyncio.to_thread(guard.feed, chunk)
            else:
                guard.feed(chunk)
        except jsonsafe.JsonUnsafe as e:
            refused.append(Reject(400, f"request body: {e}"))
            raise refused[-1] from None
        if last:
            guard.finish()
        return chunk

    try:
        reader.check_length(headers.get("content-length"))
        first = await reader.next_chunk() or b""
        first = await checked(first, reader.done)
    except BodyError as e:
        raise Reject(e.status, str(e)) from None

    async def rest() -> AsyncIterator[bytes]:
        yield first
        try:
            while (chunk := await reader.next_chunk()) is not None:
                yield await checked(chunk, reader.done)
        except BodyError as e:
            refused.append(Reject(e.status, str(e)))
            raise refused[-1] from None

    fwd = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]
           if k.lower() not in _DROPPED]
    # the client as this router saw it (trusted_proxies applied), never as the client
    # claims it: the control plane's audit log records it (control_plane/audit/records.py)
    fwd.append(("x-forwarded-for", headers["x-real-ip"]))
    base_path = httpx.URL(admin_url).raw_path.rstrip(b"/")
    url = admin_url + path + (f"?{query}" if query else "")
    req = http.build_request(method, url, headers=fwd,
                             content=first if reader.done else rest())
    if req.url.raw_path.split(b"?", 1)[0] != base_path + path.encode():
        raise Reject(400, "the path is not a valid admin operation")  # never proxied
    try:
        resp = await http.send(req, stream=True)
    except Exception:
        if refused:  # the body was refused midway: the control plane got no whole body
            raise refused[0] from None
        raise
    try:
        await send({"type": "http.response.start", "status": resp.status_code,
                    "headers": [(k.encode(), v.encode()) for k, v in resp.headers.items()
                                if k.encode() not in _HOP]})
        async for chunk in resp.aiter_raw():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        await resp.aclose()
