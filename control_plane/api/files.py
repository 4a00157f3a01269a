"""Blob storage administration (issue 7): upload, download, list, delete a space's files
(storage/files.py), for `brygge files ...`. Uploads and downloads stream: the body goes to
storage in 256 KiB pieces as it arrives (file.open/write/commit), a download is read from
storage a piece at a time as the client takes it (file.read); neither is held whole here.

    GET    /v1/projects/{p}/spaces/{s}/files?prefix=/docs   [{path, size, date, _id}]
    GET    /v1/projects/{p}/spaces/{s}/files-usage          {bytes, files, uploading, quota}
    PUT    /v1/projects/{p}/spaces/{s}/files/{path}         body = the bytes -> 201 {path, size, date, _id}
    GET    /v1/projects/{p}/spaces/{s}/files/{path}         the bytes (ETag, Content-Length)
    DELETE /v1/projects/{p}/spaces/{s}/files/{path}         {path, deleted}

Errors are JSON `{"error": ...}`: 400 for a bad path (`..`, NUL, too long), 404 for no such
file, 413 over `max_file_bytes` or the space's quota, 401/403 for the admin token.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from control_plane.api.auth import ADMIN
from control_plane.api.errors import ApiError
from control_plane.api.json_response import JSONResponse
from storage.errors import BadRequest, NotFound, QuotaExceeded, StorageError, TooLarge
from storage.files import CHUNK, normalize_path


def _status(e: StorageError) -> int:
    if isinstance(e, TooLarge):
        return 413
    if isinstance(e, NotFound):
        return 404
    if isinstance(e, BadRequest):
        return 400
    return 500


def router(cp: Any) -> APIRouter:
    r = APIRouter(dependencies=ADMIN)
    prefix = "/v1/projects/{project}/spaces/{space}/files"

    async def guarded(request: Request, project: str, space: str, fn: Any) -> Any:
        try:
            sp = await cp.catalog.space(project, space)
            return await fn(sp["id"])
        except QuotaExceeded:
            raise  # 507 with the quota's figures (errors.py)
        except StorageError as e:
            raise ApiError(_status(e), str(e)) from None

    def checked(path: str) -> str:
        return normalize_path("/" + path)

    @r.get(prefix)
    async def list_files(project: str, space: str, request: Request,
                         prefix: str = "/") -> Any:
        async def go(sid: str) -> Response:
            folder = "/" if prefix in ("", "/") else normalize_path(prefix, "prefix")
            return JSONResponse(await cp.storage.call(sid, "file.list", {"path": folder}))
        return await guarded(request, project, space, go)

    @r.get(prefix.replace("/files", "/files-usage"))
    async def files_usage(project: str, space: str, request: Request) -> Any:
        async def go(sid: str) -> Response:
            return JSONResponse(await cp.storage.call(sid, "file.usage", {}))
        return await guarded(request, project, space, go)

    @r.put(prefix + "/{path:path}", status_code=201)
    async def upload(project: str, space: str, path: str, request: Request) -> Any:
        async def go(sid: str) -> Response:
            p = checked(path)
            size = request.headers.get("content-length")
            args: dict[str, Any] = {"path": p}
            if size and size.isdigit():
                args["size"] = int(size)
            up = (await cp.storage.call(sid, "file.open", args))["upload"]
            done = False
            try:
                buf = b""
                async for piece in request.stream():
                    buf += piece
                    while len(buf) >= CHUNK:
                        await cp.storage.call(sid, "file.write", {
                            "upload": up, "data": base64.b64encode(buf[:CHUNK]).decode()})
                        buf = buf[CHUNK:]
                if buf:
                    await cp.storage.call(sid, "file.write", {
                        "upload": up, "data": base64.b64encode(buf).decode()})
                meta = await cp.storage.call(sid, "file.commit", {"upload": up})
                done = True
                return JSONResponse(meta, status_code=201)
            finally:
                if not done:
                    try:
                        await cp.storage.call(sid, "file.abort", {"upload": up})
                    except StorageError:
                        pass  # dropped already (a limit was reached)
        return await guarded(request, project, space, go)

    @r.get(prefix + "/{path:path}")
    async def download(project: str, space: str, path: str, request: Request) -> Any:
        async def go(sid: str) -> Response:
            st = await cp.storage.call(sid, "file.stat", {"path": checked(path)})

            async def body() -> AsyncIterator[bytes]:
                off = 0
                while off < st["size"]:
                    r = await cp.storage.call(sid, "file.read", {
                        "path": st["path"], "offset": off, "length": CHUNK,
                        "version": st["version"]})
                    piece = base64.b64decode(r["data"])
                    if not piece:
                        return
                    off += len(piece)
                    yield piece

            ctype = mimetypes.guess_type(st["path"])[0] or "application/octet-stream"
            return StreamingResponse(body(), media_type=ctype, headers={
                "content-length": str(st["size"]),
                "etag": f'"{st["sha256"][:32]}-{st["size"]}"'})
        return await guarded(request, project, space, go)

    @r.delete(prefix + "/{path:path}")
    async def delete(project: str, space: str, path: str, request: Request) -> Any:
        async def go(sid: str) -> Response:
            return JSONResponse(await cp.storage.call(sid, "file.delete",
                                                      {"path": checked(path)}))
        return await guarded(request, project, space, go)

    return r
