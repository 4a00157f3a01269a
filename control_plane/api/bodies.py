"""Request bodies of the admin routes: a deployment read up to its size limit, and a
JSON body whose error names the problem."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from brygge import strictjson
from control_plane.api.errors import ApiError


async def read_body(request: Request, limit: int) -> bytes:
    size = int(request.headers.get("content-length") or 0)
    if size > limit:
        raise ApiError(413, f"deployment is larger than {limit} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(413, f"deployment is larger than {limit} bytes")
    return body


async def json_body(request: Request) -> Any:
    try:
        return strictjson.loads(await request.body() or b"null")
    except ValueError as e:
        raise ApiError(400, f"the body is not valid JSON: {e}") from None
