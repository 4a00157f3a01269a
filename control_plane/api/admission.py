"""Admission settings of a space, which routers enforce (storage/admission.py): JWKS,
allowed hosts, CORS origins, rate limit. Each answer is the space's admission fields.

    PUT    /v1/projects/{p}/spaces/{s}/jwks        {url, iss?, aud?}   (DELETE: clear)
    PUT    /v1/projects/{p}/spaces/{s}/whitelist   {ip}                (DELETE ?ip=)
    PUT    /v1/projects/{p}/spaces/{s}/cors        {origins}           (DELETE: clear)
    PUT    /v1/projects/{p}/spaces/{s}/ratelimit   [...]               (DELETE: clear)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request

from control_plane.api.auth import ADMIN
from control_plane.api.bodies import json_body
from control_plane.api.control import ControlPlane

ADMISSION_FIELDS = ("jwks_url", "jwt_iss", "jwt_aud", "allowed_hosts", "cors_origins",
                    "rate_limit")


def router(cp: ControlPlane) -> APIRouter:
    r = APIRouter(dependencies=ADMIN)

    async def set_admission(project: str, space: str, kind: str, value: Any) -> dict[str, Any]:
        sp = await cp.catalog.set_admission(project, space, kind, value)
        await cp.publish_space_changed(sp["id"])
        return {k: sp.get(k) for k in ADMISSION_FIELDS}

    @r.put("/v1/projects/{project}/spaces/{space}/jwks")
    async def set_jwks(project: str, space: str, request: Request) -> dict[str, Any]:
        body = await json_body(request)  # an empty body must not clear the setting
        return await set_admission(project, space, "jwks", body if body is not None else {})

    @r.put("/v1/projects/{project}/spaces/{space}/whitelist")
    async def add_host(project: str, space: str, request: Request) -> dict[str, Any]:
        body = await json_body(request)
        return await set_admission(project, space, "whitelist-add",
                                   body.get("ip") if isinstance(body, dict) else None)

    @r.delete("/v1/projects/{project}/spaces/{space}/whitelist")
    async def remove_host(project: str, space: str, ip: str = "") -> dict[str, Any]:
        return await set_admission(project, space, "whitelist-remove", ip or None)

    @r.put("/v1/projects/{project}/spaces/{space}/cors")
    async def set_cors(project: str, space: str, request: Request) -> dict[str, Any]:
        body = await json_body(request)
        return await set_admission(project, space, "cors", body.get("origins")
                                   if isinstance(body, dict) else [])

    @r.put("/v1/projects/{project}/spaces/{space}/ratelimit")
    async def set_ratelimit(project: str, space: str, request: Request) -> dict[str, Any]:
        body = await json_body(request)
        return await set_admission(project, space, "ratelimit", body if body is not None else [])

    def clearer(kind: str) -> Callable[..., Awaitable[dict[str, Any]]]:
        async def clear(project: str, space: str) -> dict[str, Any]:
            return await set_admission(project, space, kind, None)
        return clear

    for _kind in ("jwks", "cors", "ratelimit"):
        r.delete(f"/v1/projects/{{project}}/spaces/{{space}}/{_kind}")(clearer(_kind))

    return r
