"""Env vars of a space (`brygge set-env` / `remove-env`); encrypted values are sealed at
rest (brygge/envcrypt.py) and opened only for process.env.

    PUT    /v1/projects/{p}/spaces/{s}/env/{key}   {value, encrypted?}
    DELETE /v1/projects/{p}/spaces/{s}/env/{key}
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from brygge import envcrypt, strictjson
from control_plane.api.auth import ADMIN
from control_plane.api.control import ControlPlane
from control_plane.api.errors import ApiError


def router(cp: ControlPlane) -> APIRouter:
    r = APIRouter(dependencies=ADMIN)

    @r.put("/v1/projects/{project}/spaces/{space}/env/{key}")
    async def set_env(project: str, space: str, key: str, request: Request) -> dict[str, Any]:
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

    @r.delete("/v1/projects/{project}/spaces/{space}/env/{key}")
    async def remove_env(project: str, space: str, key: str) -> dict[str, Any]:
        sp = await cp.catalog.set_env(project, space, key, None)
        await cp.publish_space_changed(sp["id"])
        return {"key": key}

    return r
