"""Deployments of a space: upload (`brygge deploy`) and history.

    POST /v1/projects/{p}/spaces/{s}/deployments   deploy an artifact -> 201
    GET  /v1/projects/{p}/spaces/{s}/deployments   deployment history, newest first
"""

from __future__ import annotations

import base64
import json
from typing import Any

from fastapi import APIRouter, Request

from control_plane.api.auth import ADMIN
from control_plane.api.bodies import read_body
from control_plane.api.control import ControlPlane
from control_plane.api.errors import ApiError


def router(cp: ControlPlane) -> APIRouter:
    r = APIRouter(dependencies=ADMIN)

    @r.post("/v1/projects/{project}/spaces/{space}/deployments", status_code=201)
    async def deploy(project: str, space: str, request: Request) -> dict[str, Any]:
        body = await read_body(request, cp.s.max_deploy_bytes)
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

    @r.get("/v1/projects/{project}/spaces/{space}/deployments")
    async def history(project: str, space: str) -> list[dict[str, Any]]:
        sp = await cp.catalog.space(project, space)
        out, active = [], sp.get("deployment")
        for d in await cp.catalog.deployments(sp["id"]):  # newest first
            serving = bool(active) and d.get("digest") == active
            active = None if serving else active  # one entry is the active one
            out.append({**d, "active": serving})
        return out

    return r
