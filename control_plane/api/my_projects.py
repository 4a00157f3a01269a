"""Projects for people: creating one and listing one's own (issue 18; the work is in
control_plane/membership.py).

    POST /v1/projects  {name, team?, description?}  → 201 {name: `<name>-xxxx`, display,
         description, team, team_name, personal, spaces: [{name: dev, id, url, tokens}]}
         in the caller's personal team, or in `team` (id or name) where the caller is an
         admin or owner; the caller becomes the project's first owner
    GET  /v1/projects  → [{name, display, description, team, team_name, role, member,
         created, suspended}]: the projects the caller has a role in (directly or through
         a team); the operator sees every one
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from control_plane import membership
from control_plane.api.auth_routes import body_object
from control_plane.api.json_response import JSONResponse


def router(cp: Any) -> APIRouter:
    r = APIRouter()

    @r.post("/v1/projects")
    async def create_project(request: Request) -> Any:
        b = await body_object(request)
        out = await membership.create_project(cp, request.state.principal, b.get("name"),
                                              b.get("team"), b.get("description") or "")
        request.state.audit_project = out["name"]
        return JSONResponse(out, status_code=201)

    @r.get("/v1/projects")
    async def list_projects(request: Request) -> Any:
        return await membership.visible_projects(cp.identity.records, request.state.principal)

    return r
