"""The admin API's one admin-token check, as a FastAPI dependency of every admin router
(`dependencies=ADMIN`). It runs before a handler reads the request body, so a request
without a valid token of the project is refused before its body is read."""

from __future__ import annotations

import hashlib

from fastapi import Depends, Request

from brygge import cohotoken
from control_plane.api.errors import ApiError


async def require_admin(request: Request, project: str) -> None:
    """An admin token of `project`, sent as `x-admintoken` or `Authorization: Bearer`."""
    token = request.headers.get("x-admintoken", "")
    auth = request.headers.get("authorization", "")
    if not token and auth.lower().startswith("bearer "):
        token = auth[7:].strip()
        token = cohotoken.unwrap(token) or token  # the official CLI's stored login
    if not token:
        raise ApiError(401, "admin token required: send x-admintoken")
    rec = await request.app.state.cp.catalog.admin_token(token)
    if rec is None:
        raise ApiError(401, "wrong admin token")
    request.state.actor = "admintoken:" + hashlib.sha256(token.encode()).hexdigest()[:12]
    if rec["project"] != project:
        raise ApiError(403, f"this admin token is not valid for project {project!r}")


ADMIN = [Depends(require_admin)]
