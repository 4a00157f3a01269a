"""Admin API for spaces, their API tokens and the project's admin tokens (issue 8):
what `brygge add`, `add-token`, `remove-token`, `admintokens`, `add-admintoken` and
`remove-admintoken` call. Every route checks the admin token first; changes to a space's
tokens are announced so routers drop what they cached.

    POST   /v1/projects/{p}/spaces  {name}  → 201 the space and a RW token
    GET    /v1/projects/{p}/spaces/{s}/tokens  → [{token, access, description, created}]
    POST   /v1/projects/{p}/spaces/{s}/tokens  {readonly, description}  → 201 {token, ...}
    DELETE /v1/projects/{p}/spaces/{s}/tokens/{token}  → {removed}
    GET    /v1/projects/{p}/admintokens  → [{id, token: prefix…, description, created}]
    POST   /v1/projects/{p}/admintokens  {description}  → 201 {token}  (shown once)
    DELETE /v1/projects/{p}/admintokens/{token, id or prefix}  → {removed}
The admin tokens are the project's team's (teams.py); they are stored only as hashes.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from brygge import strictjson
from control_plane import projects
from control_plane.api import teams
from control_plane.api.auth import ADMIN
from control_plane.api.errors import ApiError
from control_plane.api.json_response import JSONResponse
from control_plane.identity import roles


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        b = strictjson.loads(raw)
    except ValueError as e:
        raise ApiError(400, f"the body must be JSON: {e}") from None
    if not isinstance(b, dict):
        raise ApiError(400, "the body must be a JSON object")
    return b


def _description(b: dict[str, Any]) -> str:
    d = b.get("description") or ""
    if not isinstance(d, str) or len(d) > 200:
        raise ApiError(400, "description must be a string of at most 200 characters")
    return d


def router(cp: Any) -> APIRouter:
    r = APIRouter(dependencies=ADMIN)

    @r.get("/v1/projects/{project}")
    async def project_info(project: str, request: Request) -> dict[str, Any]:
        info = await projects.describe(cp, project)  # spaces, record fields, counts
        if not roles.allows(request.state.role, "secrets.read"):  # a viewer: no API tokens
            for sp in info["spaces"]:
                sp["tokens"] = []
        return info

    async def guarded(request: Request, project: str, fn: Any, status: int = 200) -> Any:
        return JSONResponse(await fn(), status_code=status)

    @r.post("/v1/projects/{project}/spaces")
    async def add_space(project: str, request: Request) -> Any:
        async def go() -> dict[str, Any]:
            b = await _body(request)
            name = b.get("name")
            if not isinstance(name, str) or not name:
                raise ApiError(400, "name the space: {\"name\": \"staging\"}")
            sp = await cp.catalog.create_space(project, name)
            token = await cp.catalog.add_token(project, name, "RW", "created with the space")
            return {"name": name, "url": cp.space_url(project, name), "id": sp["id"],
                    "tokens": [{"token": token, "access": "RW"}]}
        return await guarded(request, project, go, 201)

    prefix = "/v1/projects/{project}/spaces/{space}/tokens"

    @r.get(prefix)
    async def list_tokens(project: str, space: str, request: Request) -> Any:
        async def go() -> list[dict[str, Any]]:
            await cp.catalog.space(project, space)
            return [{k: t.get(k) for k in ("token", "access", "description", "created")}
                    for t in await cp.catalog.tokens(project, space) if t["token"]]
        return await guarded(request, project, go)

    @r.post(prefix)
    async def add_token(project: str, space: str, request: Request) -> Any:
        async def go() -> dict[str, Any]:
            b = await _body(request)
            sp = await cp.catalog.space(project, space)
            access = "R" if b.get("readonly") else "RW"
            desc = _description(b)
            token = await cp.catalog.add_token(project, space, access, desc)
            await cp.publish_space_changed(sp["id"])
            return {"token": token, "access": access, "description": desc}
        return await guarded(request, project, go, 201)

    @r.delete(prefix + "/{token}")
    async def remove_token(project: str, space: str, token: str, request: Request) -> Any:
        async def go() -> dict[str, Any]:
            sp = await cp.catalog.space(project, space)
            await cp.catalog.remove_token(project, space, token)
            await cp.publish_space_changed(sp["id"])  # routers forget the token now
            return {"removed": token}
        return await guarded(request, project, go)

    # The project's admin tokens are its team's (teams.py): these routes act on that team.
    async def team_of(project: str) -> str:
        p = await cp.catalog.project(project)
        if not p.get("team"):
            raise ApiError(409, f"project {project!r} belongs to no team")
        return str(p["team"])

    @r.get("/v1/projects/{project}/admintokens")
    async def admin_tokens(project: str) -> Any:
        return await teams.list_admin_tokens(cp.identity.records, await team_of(project))

    @r.post("/v1/projects/{project}/admintokens")
    async def add_admin_token(project: str, request: Request) -> Any:
        return await teams.add_admin_token(cp.identity.records, await team_of(project), request)

    @r.delete("/v1/projects/{project}/admintokens/{token}")
    async def remove_admin_token(project: str, token: str) -> Any:
        return await teams.remove_admin_token(cp.identity.records, await team_of(project), token)

    return r
